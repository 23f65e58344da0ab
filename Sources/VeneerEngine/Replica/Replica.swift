import Foundation
import LDAPClient
import LDAPCore
import Logging
import Synchronization
import VeneerStore

/// A synchronized local copy of the upstream directory: entries as the upstream holds them,
/// keyed by their immutable id, persisted in a `ReplicaStore`, indexed in memory, answering
/// searches in the upstream's own terms so the proxy view serves them without a round trip
/// (and while the upstream is down).
///
/// Writes go to disk first and to memory after the commit: what a search sees has always
/// been stored, and a restart serves at once from what was stored last.
public final class Replica: Sendable {
    public let store: ReplicaStore
    let logger: Logger
    let contents: Mutex<ReplicaContents>
    let persistedState: Mutex<[String: [UInt8]]>
    /// The served schema; the upstream's own (stored with the state) is added to it.
    let servedSchema: SubschemaDefinitions
    let preset: DirectoryPreset
    /// Matching rules and class hierarchy: the upstream schema's where it was read.
    let semantics: Mutex<(rules: MatchingRuleRegistry, objectClasses: ObjectClassHierarchy)>
    /// Active Directory's filter semantics read from its schema partition: the class →
    /// category table (`(objectCategory=person)`) and the ANR attributes (`(anr=Ada)`).
    let activeDirectory: Mutex<(categories: ObjectCategories, anr: AmbiguousNameResolution)>
    let operational: Set<String>
    let maximumResults: Int
    let idSyntax: DirectoryPreset.IDSyntax
    let idType: String
    /// The upstream attribute holding the id, as the preset spells it.
    let idAttribute: String

    /// Opens the replica and loads what was stored (an empty replica is not ready).
    public init(
        store: ReplicaStore, preset: DirectoryPreset, schema: SubschemaDefinitions, maximumResults: Int, logger: Logger
    ) throws(StoreError) {
        self.store = store
        self.logger = logger
        self.servedSchema = schema
        self.preset = preset
        self.operational = AttributeMapper(preset: preset).operationalKeys
        self.maximumResults = maximumResults
        self.idSyntax = preset.idSyntax
        self.idType = AttributeTypeNames.canonical(preset.idAttribute)
        self.idAttribute = preset.idAttribute
        let (records, state) = try store.load()
        let semantics = Self.semantics(served: schema, upstream: ReplicaState(state).upstreamSchema)
        let objectClasses = semantics.objectClasses
        self.semantics = Mutex(semantics)
        self.activeDirectory = Mutex((ReplicaState(state).objectCategories, AmbiguousNameResolution(attributes: ReplicaState(state).anrAttributes)))
        var contents = ReplicaContents(indexing: ReplicaIndexing(preset: preset, registry: semantics.rules))
        var unreadable = 0
        for record in records {
            guard let entry = ReplicaEntry.decode(record.entry), let stored = ReplicaEntry(entry, id: record.id, objectClasses: objectClasses)
            else {
                unreadable += 1
                continue
            }
            contents.upsert(stored)
        }
        if unreadable > 0 { logger.warning("unreadable replica rows skipped; the next full refresh replaces them", metadata: ["rows": "\(unreadable)"]) }
        self.contents = Mutex(contents)
        self.persistedState = Mutex(state)
        if !records.isEmpty {
            logger.info("loaded the replica", metadata: ["entries": "\(contents.count)", "method": "\(ReplicaState(state).method ?? "none")"])
        }
    }

    /// Whether a full load has completed (now or before a restart): only then does the view
    /// answer from the replica.
    /// Asked by every search: read under the lock, without copying the state.
    public var isReady: Bool { persistedState.withLock { $0[ReplicaState.Name.loadComplete] == Array("1".utf8) } }

    /// The sync method the stored state belongs to.
    var method: String? { persistedState.withLock { $0[ReplicaState.Name.method].map { String(decoding: $0, as: UTF8.self) } } }

    public var entryCount: Int { contents.withLock { $0.count } }

    /// The persisted sync state (cookie, method, times).
    public var state: [String: [UInt8]] { persistedState.withLock { $0 } }

    /// The upstream's definitions come last, so they win: the served schema describes names
    /// as Veneer serves them (its standard.schema gives AD's ipPhone telephoneNumberMatch and
    /// no ordering), the replica matches values as the upstream does (AD: a Unicode string,
    /// case-ignoring, ordered). The served ones still cover names the upstream lacks.
    static func semantics(served: SubschemaDefinitions, upstream: SubschemaDefinitions?) -> (rules: MatchingRuleRegistry, objectClasses: ObjectClassHierarchy) {
        var schema = served
        if let upstream {
            schema.objectClasses = schema.objectClasses + upstream.objectClasses
            let rules = MatchingRuleRegistry(attributeTypes: served.attributeTypes + upstream.attributeTypes)
            return (rules, ObjectClassHierarchy(schema: schema))
        }
        return (MatchingRuleRegistry(attributeTypes: served.attributeTypes), ObjectClassHierarchy(schema: schema))
    }

    /// Adopts the upstream's schema (its matching rules and class hierarchy), re-indexing the
    /// entries when it changed. Stored with the state, so a restart without the upstream
    /// evaluates filters the same way.
    func setUpstreamSchema(_ schema: SubschemaDefinitions) throws(StoreError) {
        guard ReplicaState(state).upstreamSchema != schema else { return }
        var state = ReplicaState()
        state.upstreamSchema = schema
        try setState(state.values)
        let semantics = Self.semantics(served: servedSchema, upstream: schema)
        self.semantics.withLock { $0 = semantics }
        contents.withLock { contents in
            var rebuilt = ReplicaContents(indexing: ReplicaIndexing(preset: preset, registry: semantics.rules))
            for entry in contents.entries.values {
                if let parsed = ReplicaEntry(entry.entry, id: entry.id, objectClasses: semantics.objectClasses) { rebuilt.upsert(parsed) }
            }
            contents = rebuilt
        }
        logger.info("replica uses the upstream's schema", metadata: ["attribute_types": "\(schema.attributeTypes.count)", "object_classes": "\(schema.objectClasses.count)"])
    }

    /// Adopts Active Directory's category table and ANR attributes (stored with the state,
    /// like the schema).
    func setActiveDirectorySchema(categories: ObjectCategories, anr: AmbiguousNameResolution) throws(StoreError) {
        let stored = ReplicaState(state)
        guard stored.objectCategories != categories || stored.anrAttributes != anr.attributes else { return }
        var state = ReplicaState()
        state.objectCategories = categories
        state.anrAttributes = anr.attributes
        try setState(state.values)
        activeDirectory.withLock { $0 = (categories, anr) }
    }

    /// Answers a search in the upstream's terms, as the upstream would.
    func search(_ request: SearchRequest, controls: [LDAPControl] = [], wholeDirectory: Bool = false) -> [LDAPSearchEvent] {
        let snapshot = contents.withLock { $0 }
        let rules = semantics.withLock { $0.rules }
        let (categories, anr) = activeDirectory.withLock { $0 }
        return ReplicaQuery(
            contents: snapshot, rules: rules, categories: categories, anr: anr, operational: operational,
            maximumResults: wholeDirectory ? 0 : maximumResults)
            .run(request, controls: controls)
    }

    /// What `changes` (not applied yet) changed on the upstream without saying so.
    func dependants(of changes: [ReplicaChange]) -> ReplicaDependants {
        let snapshot = contents.withLock { $0 }
        return ReplicaDependants(of: changes, in: snapshot, rules: semantics.withLock { $0.rules })
    }

    /// Every id held (for reconciliation against the upstream's).
    var ids: Set<EntryID> { contents.withLock { Set($0.entries.keys) } }

    func id(ofEntryNamed dn: DistinguishedName) -> EntryID? { contents.withLock { $0.entry(named: dn)?.id } }

    func entry(_ id: EntryID) -> SearchResultEntry? { contents.withLock { $0.entries[id]?.entry } }

    /// The id of an upstream entry as the replica keys it; nil when it has none.
    func id(of entry: SearchResultEntry) -> EntryID? {
        guard let value = entry.attributes.first(where: { AttributeTypeNames.canonical($0.type) == idType })?.values.first else { return nil }
        return idSyntax.entryID(fromUpstream: value)
    }

    /// Counts of one sync run's effect.
    public struct ChangeCounts: Sendable, Equatable, CustomStringConvertible {
        public var added = 0
        public var changed = 0
        public var removed = 0
        public var isEmpty: Bool { added == 0 && changed == 0 && removed == 0 }
        public var description: String { "\(added) added, \(changed) changed, \(removed) removed" }
    }

    /// Applies incremental changes with the state describing them (stored first, in one
    /// transaction). Entries that do not parse are skipped and logged, never stored.
    @discardableResult
    func apply(_ changes: [ReplicaChange], state: [String: [UInt8]]) throws(StoreError) -> ChangeCounts {
        let objectClasses = semantics.withLock { $0.objectClasses }
        var upserts: [ReplicaEntry] = []
        var deletes: [EntryID] = []
        for change in changes {
            switch change {
            case .upsert(let entry, let id):
                guard let parsed = ReplicaEntry(entry, id: id, objectClasses: objectClasses) else {
                    logger.warning("replicated entry with an invalid DN skipped", metadata: ["id": "\(id)"])
                    continue
                }
                upserts.append(parsed)
                deletes.removeAll { $0 == id }
            case .delete(let id):
                upserts.removeAll { $0.id == id }
                deletes.append(id)
            }
        }
        try store.apply(upserts: upserts.map { ReplicaRecord(id: $0.id, entry: $0.encoded) }, deletes: deletes, state: state)
        let counts = contents.withLock { contents in
            var counts = ChangeCounts()
            for entry in upserts {
                if contents.entries[entry.id] == nil { counts.added += 1 } else { counts.changed += 1 }
                contents.upsert(entry)
            }
            for id in deletes where contents.entries[id] != nil {
                counts.removed += 1
                contents.remove(id)
            }
            return counts
        }
        merge(state)
        return counts
    }

    /// Replaces everything (a full load or reload) in one transaction; the old contents are
    /// served until the new ones are complete and stored.
    @discardableResult
    func replaceAll(_ entries: [(SearchResultEntry, EntryID)], state: [String: [UInt8]]) throws(StoreError) -> ChangeCounts {
        let objectClasses = semantics.withLock { $0.objectClasses }
        var next = ReplicaContents(indexing: contents.withLock { $0.indexed })
        for (entry, id) in entries {
            guard let parsed = ReplicaEntry(entry, id: id, objectClasses: objectClasses) else { continue }
            next.upsert(parsed)
        }
        try store.replaceAll(with: next.entries.values.map { ReplicaRecord(id: $0.id, entry: $0.encoded) }, state: state)
        let counts = contents.withLock { current in
            var counts = ChangeCounts()
            for (id, entry) in next.entries {
                if let old = current.entries[id] {
                    if old.entry != entry.entry { counts.changed += 1 }
                } else {
                    counts.added += 1
                }
            }
            counts.removed = current.entries.keys.filter { next.entries[$0] == nil }.count
            current = next
            return counts
        }
        persistedState.withLock { current in
            let schema = current.filter { $0.key.hasPrefix(ReplicaState.Name.schemaPrefix) || $0.key == ReplicaState.Name.source }
            current = state.filter { !$0.value.isEmpty }.merging(schema) { new, _ in new }
        }
        #if os(Linux)
        // A full load held the read entries, their encoded rows and the previous contents at
        // once; glibc keeps what was freed unless asked to give it back.
        _ = glibcMallocTrim(0)
        #endif
        return counts
    }

    /// Stores state without entry changes.
    func setState(_ state: [String: [UInt8]]) throws(StoreError) {
        try store.setState(state)
        merge(state)
    }

    /// Makes sure the stored contents are a copy of `source`; a replica of something else
    /// (another base, other kinds, another id attribute) is no longer served and is replaced
    /// by the next full load.
    func adopt(source: String) throws(StoreError) {
        let current = ReplicaState(state)
        guard current.source != source else { return }
        if current.loadComplete {
            logger.notice("the replica was made for another configuration; it is reloaded and not served until then", metadata: ["was": "\(current.source ?? "unknown")"])
        }
        var state = ReplicaState()
        state.source = source
        state.loadComplete = false
        state.cookie = nil
        state.method = nil
        try setState(state.values)
    }

    /// Notes a run's counts in the state (`veneer sync status` shows the last one).
    func recordRun(_ counts: ChangeCounts) throws(StoreError) {
        var state = ReplicaState()
        state.lastRun = counts.description
        try setState(state.values)
    }

    private func merge(_ state: [String: [UInt8]]) {
        persistedState.withLock { current in
            for (name, value) in state { current[name] = value.isEmpty ? nil : value }
        }
    }
}

#if os(Linux)
/// glibc's `malloc_trim` (malloc.h is not in Swift's Glibc module).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
