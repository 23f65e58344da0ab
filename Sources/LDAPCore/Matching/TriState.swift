/// Three-valued filter logic, RFC 4511 §4.5.1.7: a filter item is TRUE, FALSE or Undefined
/// (e.g. the attribute has no such matching rule, or a value is not valid for its syntax).
public enum TriState: Sendable, Hashable {
    case `true`
    case `false`
    case undefined

    public init(_ value: Bool) {
        self = value ? .true : .false
    }

    /// Only `.true` selects an entry.
    public var isTrue: Bool { self == .true }

    /// `not`: TRUE and FALSE swap, Undefined stays Undefined.
    public var negated: TriState {
        switch self {
        case .true: return .false
        case .false: return .true
        case .undefined: return .undefined
        }
    }

    /// `and` of two: FALSE if either is FALSE, else Undefined if either is, else TRUE.
    /// `other` is not evaluated when self is FALSE.
    public func and(_ other: @autoclosure () throws -> TriState) rethrows -> TriState {
        if self == .false { return .false }
        let rhs = try other()
        if rhs == .false { return .false }
        return self == .undefined || rhs == .undefined ? .undefined : .true
    }

    /// `or` of two: TRUE if either is TRUE, else Undefined if either is, else FALSE.
    /// `other` is not evaluated when self is TRUE.
    public func or(_ other: @autoclosure () throws -> TriState) rethrows -> TriState {
        if self == .true { return .true }
        let rhs = try other()
        if rhs == .true { return .true }
        return self == .undefined || rhs == .undefined ? .undefined : .false
    }

    /// `and` of a set (RFC 4511: TRUE for the empty set).
    public static func all<S: Sequence>(_ values: S) -> TriState where S.Element == TriState {
        var result = TriState.true
        for value in values {
            if value == .false { return .false }
            if value == .undefined { result = .undefined }
        }
        return result
    }

    /// `or` of a set (RFC 4511: FALSE for the empty set).
    public static func any<S: Sequence>(_ values: S) -> TriState where S.Element == TriState {
        var result = TriState.false
        for value in values {
            if value == .true { return .true }
            if value == .undefined { result = .undefined }
        }
        return result
    }
}
