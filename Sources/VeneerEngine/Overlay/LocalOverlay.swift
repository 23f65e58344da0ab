import LDAPCore
import LDAPServer
import Logging
import Synchronization
import VeneerStore

/// The overlay as the directory views use it: the store, the configuration, and the current
/// `OverlayView`, rebuilt when the store's data or the upstream-derived aliases change.
public final class LocalOverlay: Sendable {
    public let store: VeneerStore
    public let configuration: OverlayConfiguration
    let merger: OverlayMerger
    private let logger: Logger

    struct Cache {
        var storeGeneration: UInt64 = .max
        var aliasVersion = 0
        var builtAliasVersion = -1
        var upstreamAliases: [EntryID: [String]] = [:]
        var view: OverlayView?
        var reportedCollisions: Set<String> = []
    }
    let cache = Mutex(Cache())

    public init(store: VeneerStore, configuration: OverlayConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.merger = OverlayMerger(configuration: configuration)
        self.logger = logger
    }

    /// The current view; cheap when nothing changed since the last call.
    var view: OverlayView {
        let generation = store.generation
        if let view = cache.withLock({ $0.storeGeneration == generation && $0.builtAliasVersion == $0.aliasVersion ? $0.view : nil }) {
            return view
        }
        let (aliases, version) = cache.withLock { ($0.upstreamAliases, $0.aliasVersion) }
        let view = OverlayView(stored: store.overlays, upstreamAliases: aliases, configuration: configuration)
        let newCollisions = cache.withLock { cache -> [String: [EntryID]] in
            cache.view = view
            cache.storeGeneration = generation
            cache.builtAliasVersion = version
            let fresh = view.collisions.filter { !cache.reportedCollisions.contains($0.key) }
            cache.reportedCollisions = Set(view.collisions.keys)
            return fresh
        }
        for (alias, ids) in newCollisions.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "alias held by several entries; dropped from all of them",
                metadata: ["alias": "\(alias)", "entries": "\(ids.map(\.rawValue).joined(separator: ","))"])
        }
        return view
    }

    /// Replaces the aliases read from upstream attributes (the periodic refresh).
    /// Starts from the aliases `previous` read from the upstream (a reload builds a new
    /// overlay; its first sweep must not leave those aliases unknown meanwhile).
    public func inheritUpstreamAliases(from previous: LocalOverlay) {
        setUpstreamAliases(previous.cache.withLock { $0.upstreamAliases })
    }

    func setUpstreamAliases(_ aliases: [EntryID: [String]]) {
        cache.withLock {
            $0.upstreamAliases = aliases
            $0.aliasVersion += 1
        }
    }

    func filterItems(for identity: BoundIdentity, preset: DirectoryPreset) -> LocalFilterItems {
        LocalFilterItems(
            view: view, configuration: configuration, identity: identity, idAttribute: preset.idAttribute, idSyntax: preset.idSyntax,
            maximumIDs: configuration.maximumFilterIDs)
    }

    /// An entry's client attributes with the overlay merged in (see `OverlayMerger`).
    func merge(
        _ attributes: [PartialAttribute], id: EntryID?, view: OverlayView, identity: BoundIdentity, target: EntryReference?,
        selection: AttributeSelection? = nil
    ) -> [PartialAttribute] {
        merger.merge(
            attributes, local: view.local(id), lockout: id.flatMap(store.lockoutState), identity: identity, target: target,
            selection: selection)
    }

    /// Client attribute names whose values the merge derives from other attributes.
    func derivedSources(for selection: AttributeSelection) -> [String] {
        selection.wants(OverlayAttribute.role.key) && !configuration.roles.adminGroups.isEmpty ? ["memberOf"] : []
    }
}

extension DirectoryPreset {
    /// The entry id in an upstream entry's attributes, read in the preset's id syntax; nil
    /// when the entry has none or it is not in that syntax.
    public func entryID(in attributes: [PartialAttribute]) -> EntryID? {
        let key = idAttribute.asciiLowercased
        guard let value = attributes.first(where: { AttributeName($0.type).key == key })?.values.first else { return nil }
        return idSyntax.entryID(fromUpstream: value)
    }
}

extension LDAPRequest {
    /// The requester as access rules see it.
    var identity: BoundIdentity {
        if let identity = session.context as? BoundIdentity { return identity }
        if let client = session.context as? ClientSession { return client.identity }
        switch session.authorization {
        case .anonymous: return .anonymous
        case .user(let dn): return BoundIdentity(dn: try? DistinguishedName(dn))
        }
    }
}
