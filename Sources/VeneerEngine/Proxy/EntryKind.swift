import LDAPCore

/// A kind of upstream entry the proxy view can serve. People carry the overlay (aliases,
/// digest secrets, roles, `veneerUser`); every other kind is served as the upstream holds it,
/// with DNs mapped and excluded subtrees hidden.
public enum EntryKind: Hashable, Sendable, CustomStringConvertible {
    /// The preset's `user_filter`.
    case people
    /// The preset's `group_filter`.
    case groups
    /// The preset's `container_filter`.
    case containers
    /// A kind named in the preset's `[other_kinds]` or the configuration's `kind_filters`.
    case other(String)

    /// What a view serves unless configured otherwise: enough for directory browsers and for
    /// applications that import groups or check a login group's path.
    public static let defaults: [EntryKind] = [.people, .groups, .containers]

    public init(name: String) {
        switch name.lowercased() {
        case "people": self = .people
        case "groups": self = .groups
        case "containers": self = .containers
        default: self = .other(name)
        }
    }

    public var description: String {
        switch self {
        case .people: "people"
        case .groups: "groups"
        case .containers: "containers"
        case .other(let name): name
        }
    }
}
