/// `ModifyRequest` (RFC 4511 §4.6):
///
///     ModifyRequest ::= [APPLICATION 6] SEQUENCE {
///          object          LDAPDN,
///          changes         SEQUENCE OF change SEQUENCE {
///               operation       ENUMERATED { add (0), delete (1), replace (2), ... },
///               modification    PartialAttribute } }
public struct ModifyRequest: Sendable, Hashable {
    public static let tag = BERTag.application(6)

    /// Open: the ENUMERATED is extensible; `increment` (3) is RFC 4525.
    public struct Operation: RawRepresentable, Sendable, Hashable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let add = Operation(rawValue: 0)
        public static let delete = Operation(rawValue: 1)
        public static let replace = Operation(rawValue: 2)
        public static let increment = Operation(rawValue: 3)
    }

    public struct Change: Sendable, Hashable {
        public var operation: Operation
        public var modification: PartialAttribute
        public init(_ operation: Operation, _ modification: PartialAttribute) {
            self.operation = operation
            self.modification = modification
        }
    }

    public var object: String
    public var changes: [Change]

    public init(object: String, changes: [Change]) {
        self.object = object
        self.changes = changes
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        object = try reader.readString("object")
        var list = try reader.readSequence("changes")
        changes = []
        while !list.isAtEnd {
            var change = try list.readSequence("change")
            let operation = Operation(rawValue: try change.readEnumerated("operation"))
            let modification = try PartialAttribute(reader: &change, what: "modification")
            try change.expectEnd("change")
            changes.append(Change(operation, modification))
        }
        try reader.expectEnd("ModifyRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(object)
            writer.writeSequence { writer in
                for change in changes {
                    writer.writeSequence { writer in
                        writer.writeEnumerated(change.operation.rawValue)
                        change.modification.encode(into: &writer)
                    }
                }
            }
        }
    }
}
