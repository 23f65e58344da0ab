import Foundation

/// The replica's sync state as stored (`ReplicaStore` keeps named byte values): typed
/// accessors, and the names in one place.
public struct ReplicaState: Sendable, Equatable {
    public var values: [String: [UInt8]]

    public init(_ values: [String: [UInt8]] = [:]) {
        self.values = values
    }

    enum Name {
        static let method = "method"
        static let cookie = "cookie"
        static let loadComplete = "load_complete"
        static let lastSuccess = "last_success"
        static let lastChange = "last_change"
        static let lastError = "last_error"
        static let lastRun = "last_run"
        static let syncRequested = "sync_requested"
        static let source = "source"
        /// Entries read so far by a full load in progress (empty: none in progress).
        static let loadProgress = "load_progress"
        /// Names starting with this survive a full reload (see `ReplicaStore.replaceAll`).
        static let schemaPrefix = "schema_"
        static let attributeTypes = "schema_attribute_types"
        static let objectClasses = "schema_object_classes"
        static let objectCategories = "schema_object_categories"
        static let anrAttributes = "schema_anr_attributes"
    }

    /// The upstream's attribute types and object classes, as read from its subschema entry.
    var upstreamSchema: SubschemaDefinitions? {
        get {
            guard let types = values[Name.attributeTypes], let classes = values[Name.objectClasses] else { return nil }
            var schema = SubschemaDefinitions()
            schema.attributeTypes = Self.lines(types)
            schema.objectClasses = Self.lines(classes)
            return schema
        }
        set {
            values[Name.attributeTypes] = newValue.map { Self.joined($0.attributeTypes) } ?? []
            values[Name.objectClasses] = newValue.map { Self.joined($0.objectClasses) } ?? []
        }
    }

    /// Active Directory's class → default category table (empty elsewhere).
    var objectCategories: ObjectCategories {
        get { values[Name.objectCategories].map(ObjectCategories.init(encoded:)) ?? ObjectCategories() }
        set { values[Name.objectCategories] = newValue.encoded }
    }

    /// Active Directory's ANR attributes (empty elsewhere).
    var anrAttributes: [String] {
        get { values[Name.anrAttributes].map(Self.lines) ?? [] }
        set { values[Name.anrAttributes] = Array(newValue.joined(separator: "\n").utf8) }
    }

    /// One definition per line (a definition's own line breaks are folded).
    private static func joined(_ definitions: [String]) -> [UInt8] {
        Array(definitions.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }.joined(separator: "\n").utf8)
    }

    private static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// How the replica synchronizes (`content-sync`, `usn`, `refresh`).
    public var method: String? {
        get { text(Name.method) }
        set { setText(Name.method, newValue) }
    }

    /// RFC 4533 cookie, AD USN (as text), or nothing for a plain refresh.
    public var cookie: [UInt8]? {
        get { values[Name.cookie] }
        set { values[Name.cookie] = newValue ?? [] }
    }

    /// A full load finished: the replica may serve.
    public var loadComplete: Bool {
        get { text(Name.loadComplete) == "1" }
        set { setText(Name.loadComplete, newValue ? "1" : nil) }
    }

    /// When the replica was last known to match the upstream (a run or a change applied).
    public var lastSuccess: Date? {
        get { date(Name.lastSuccess) }
        set { setDate(Name.lastSuccess, newValue) }
    }

    /// When the last change from the upstream was applied.
    public var lastChange: Date? {
        get { date(Name.lastChange) }
        set { setDate(Name.lastChange, newValue) }
    }

    /// The last sync failure, cleared by the next success.
    public var lastError: String? {
        get { text(Name.lastError) }
        set { setText(Name.lastError, newValue) }
    }

    /// The last run's counts (`12 added, 3 changed, 0 removed`).
    public var lastRun: String? {
        get { text(Name.lastRun) }
        set { setText(Name.lastRun, newValue) }
    }

    /// What the replica copies (base, filter, id attribute): a replica of something else (the
    /// configuration changed) is not served, and reloads.
    public var source: String? {
        get { text(Name.source) }
        set { setText(Name.source, newValue) }
    }

    /// Set by `veneer sync now`; the running server refreshes and clears it.
    /// Entries a full load in progress has read so far; nil when none is in progress.
    public var loadProgress: Int? {
        values[Name.loadProgress].flatMap { String(validating: $0, as: UTF8.self) }.flatMap { Int($0) }
    }

    public var syncRequested: Bool {
        get { text(Name.syncRequested) == "1" }
        set { setText(Name.syncRequested, newValue ? "1" : nil) }
    }

    private func text(_ name: String) -> String? {
        values[name].map { String(decoding: $0, as: UTF8.self) }
    }

    private mutating func setText(_ name: String, _ value: String?) {
        values[name] = value.map { Array($0.utf8) } ?? []
    }

    private func date(_ name: String) -> Date? {
        text(name).flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
    }

    private mutating func setDate(_ name: String, _ value: Date?) {
        setText(name, value.map { String(format: "%.3f", $0.timeIntervalSince1970) })
    }
}
