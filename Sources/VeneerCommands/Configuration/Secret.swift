/// A credential read from the configuration (the service account's password). Kept as bytes
/// because LDAP simple-bind passwords are octet strings; never printed, dumped or mirrored.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    public static let none = Secret([])

    public var isEmpty: Bool { bytes.isEmpty }

    public var description: String { bytes.isEmpty ? "<none>" : "<redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
