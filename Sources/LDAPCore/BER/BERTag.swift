/// An ASN.1 BER identifier (X.690 §8.1.2): class, primitive/constructed and tag number.
public struct BERTag: Sendable, Hashable, CustomStringConvertible {
    public enum TagClass: UInt8, Sendable, Hashable {
        case universal = 0
        case application = 1
        case contextSpecific = 2
        case `private` = 3
    }

    public var tagClass: TagClass
    public var isConstructed: Bool
    public var number: UInt32

    public init(_ tagClass: TagClass, constructed: Bool, number: UInt32) {
        self.tagClass = tagClass
        self.isConstructed = constructed
        self.number = number
    }

    public static func application(_ number: UInt32, constructed: Bool = true) -> BERTag {
        BERTag(.application, constructed: constructed, number: number)
    }

    public static func context(_ number: UInt32, constructed: Bool = false) -> BERTag {
        BERTag(.contextSpecific, constructed: constructed, number: number)
    }

    public static let boolean = BERTag(.universal, constructed: false, number: 1)
    public static let integer = BERTag(.universal, constructed: false, number: 2)
    public static let octetString = BERTag(.universal, constructed: false, number: 4)
    public static let null = BERTag(.universal, constructed: false, number: 5)
    public static let enumerated = BERTag(.universal, constructed: false, number: 10)
    public static let sequence = BERTag(.universal, constructed: true, number: 16)
    public static let set = BERTag(.universal, constructed: true, number: 17)

    /// The same class and number with the other construction; used to tell "wrong tag" from
    /// "right tag, wrong construction" in error messages.
    var toggledConstruction: BERTag {
        BERTag(tagClass, constructed: !isConstructed, number: number)
    }

    public var description: String {
        let cls: String
        switch tagClass {
        case .universal: cls = "UNIVERSAL"
        case .application: cls = "APPLICATION"
        case .contextSpecific: cls = "CONTEXT"
        case .private: cls = "PRIVATE"
        }
        return "[\(cls) \(number)\(isConstructed ? " constructed" : "")]"
    }
}
