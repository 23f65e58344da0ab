/// `SearchRequest` (RFC 4511 §4.5.1):
///
///     SearchRequest ::= [APPLICATION 3] SEQUENCE {
///          baseObject      LDAPDN,
///          scope           ENUMERATED { baseObject (0), singleLevel (1), wholeSubtree (2), ... },
///          derefAliases    ENUMERATED { neverDerefAliases (0), derefInSearching (1),
///                                       derefFindingBaseObj (2), derefAlways (3) },
///          sizeLimit       INTEGER (0 ..  maxInt),
///          timeLimit       INTEGER (0 ..  maxInt),
///          typesOnly       BOOLEAN,
///          filter          Filter,
///          attributes      AttributeSelection }
///     AttributeSelection ::= SEQUENCE OF selector LDAPString
public struct SearchRequest: Sendable, Hashable {
    public static let tag = BERTag.application(3)

    /// Open because the ENUMERATED is extensible; `subordinateSubtree` (3) is the widely
    /// deployed draft-sermersheim-ldap-subordinate-scope value (OpenLDAP `-s children`).
    public struct Scope: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let baseObject = Scope(rawValue: 0)
        public static let singleLevel = Scope(rawValue: 1)
        public static let wholeSubtree = Scope(rawValue: 2)
        public static let subordinateSubtree = Scope(rawValue: 3)
        public var description: String {
            switch rawValue {
            case 0: "base"
            case 1: "one"
            case 2: "sub"
            case 3: "children"
            default: "scope(\(rawValue))"
            }
        }
    }

    public enum DerefAliases: Int32, Sendable, Hashable {
        case never = 0
        case inSearching = 1
        case findingBaseObject = 2
        case always = 3
    }

    public var baseObject: String
    public var scope: Scope
    public var derefAliases: DerefAliases
    public var sizeLimit: Int32
    public var timeLimit: Int32
    public var typesOnly: Bool
    public var filter: LDAPFilter
    public var attributes: [String]

    public init(
        baseObject: String, scope: Scope, derefAliases: DerefAliases = .never,
        sizeLimit: Int32 = 0, timeLimit: Int32 = 0, typesOnly: Bool = false,
        filter: LDAPFilter, attributes: [String] = []
    ) {
        self.baseObject = baseObject
        self.scope = scope
        self.derefAliases = derefAliases
        self.sizeLimit = sizeLimit
        self.timeLimit = timeLimit
        self.typesOnly = typesOnly
        self.filter = filter
        self.attributes = attributes
    }

    init(element: BERElement, limits: LDAPLimits) throws(LDAPDecodingError) {
        var reader = element.reader()
        baseObject = try reader.readString("baseObject")
        scope = Scope(rawValue: try reader.readEnumerated("scope"))
        let derefElement = try reader.read(.enumerated, "derefAliases")
        let deref = try derefElement.integerValue()
        guard let derefAliases = DerefAliases(rawValue: Int32(clamping: deref)) else {
            throw LDAPDecodingError(.invalidValue, "derefAliases \(deref) is not 0-3", offset: derefElement.contentOffset)
        }
        self.derefAliases = derefAliases
        sizeLimit = try reader.readInteger("sizeLimit", in: 0...Int64.ldapMaxInt)
        timeLimit = try reader.readInteger("timeLimit", in: 0...Int64.ldapMaxInt)
        typesOnly = try reader.readBoolean("typesOnly")
        filter = try LDAPFilter(element: try reader.readElement(), limits: limits)
        var selectors = try reader.readSequence("attributes")
        attributes = []
        while !selectors.isAtEnd {
            attributes.append(try selectors.readString("attribute selector"))
        }
        try reader.expectEnd("SearchRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(baseObject)
            writer.writeEnumerated(scope.rawValue)
            writer.writeEnumerated(derefAliases.rawValue)
            writer.writeInteger(sizeLimit)
            writer.writeInteger(timeLimit)
            writer.writeBoolean(typesOnly)
            filter.encode(into: &writer)
            writer.writeSequence { writer in
                for attribute in attributes { writer.writeString(attribute) }
            }
        }
    }
}
