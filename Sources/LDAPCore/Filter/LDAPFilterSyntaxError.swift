/// Why an RFC 4515 filter string was refused, and the UTF-8 offset where parsing stopped.
public struct LDAPFilterSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var offset: Int

    public init(_ reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "bad filter at offset \(offset): \(reason)" }
}
