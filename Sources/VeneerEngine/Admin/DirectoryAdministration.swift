import LDAPCore
import VeneerStore

/// What `veneer user …`, `veneer alias …` and `veneer digest …` need from a directory view:
/// find people by any name an operator would type, list them, and change their overlay with
/// the same rules as an LDAP Modify. Implemented by both views (`ProxyDirectory` over the
/// upstream, `RegistryDirectory` over the local registry); the CLI stays a thin shell.
public protocol DirectoryAdministration: Sendable {
    /// The overlay (and through it the store) the view merges.
    var localOverlay: LocalOverlay { get }

    /// The one person `name` denotes: a DN, a login name (uid / sAMAccountName, also as
    /// `DOMAIN\user`), a UPN or e-mail address, or an alias. `.notFound` / `.ambiguous`
    /// otherwise; never a guess.
    func find(_ name: String) async throws(AdministrationError) -> AdminEntry

    /// Every person the view shows, with their overlay values (proxy: a paged upstream
    /// search of the visible users).
    func list() async throws(AdministrationError) -> [AdminEntry]

    /// The DN an entry id is shown under, for messages naming who holds a value.
    func describe(_ id: EntryID) async -> String

    /// Prepares the view's picture of upstream-derived aliases (proxy with `alias_sources`),
    /// so alias uniqueness is checked against them too.
    func loadDerivedAliases() async throws(AdministrationError)

    /// The DN of a person other than `except` whose login name is `name` (ignoring case), so
    /// an alias cannot shadow it; nil when there is none. Throws when that cannot be asked.
    func loginNameHolder(_ name: String, except: EntryID) async throws -> String?
}

/// Where a value of an entry, as clients see it, comes from.
public enum AttributeSource: String, Sendable, Hashable, CaseIterable {
    /// The upstream directory's entry (mapped by the preset).
    case upstream
    /// The local registry entry's own attributes.
    case registry
    /// Stored by Veneer in its overlay (aliases, extension, activation).
    case local
    /// Computed by Veneer: roles, memberOf in the registry, aliases from upstream attributes,
    /// aliases presented as telephone numbers, the overlay's object classes, SIP identity.
    case derived
}

/// Values of one attribute from one source.
public struct AdminAttribute: Sendable, Equatable {
    public var type: String
    public var values: [[UInt8]]
    public var source: AttributeSource

    public init(type: String, values: [[UInt8]], source: AttributeSource) {
        self.type = type
        self.values = values
        self.source = source
    }
}

/// A person as the CLI shows them: the merged entry as an (anonymous) client sees it, each
/// value with its source, and the overlay's own facts.
public struct AdminEntry: Sendable {
    /// As clients see it.
    public var dn: String
    public var id: EntryID
    /// In the merged entry's order; an attribute whose values come from several sources
    /// appears once per source. Digest verifiers never appear.
    public var attributes: [AdminAttribute]
    /// Effective aliases: local ones and those derived from upstream attributes, after
    /// collisions were dropped.
    public var aliases: [String]
    /// The aliases stored locally (what `veneer alias remove` can remove).
    public var localAliases: [String]
    public var extensionNumber: String?
    public var active: Bool
    /// Realms the entry has a SIP digest secret for (never the secret).
    public var digestRealms: [String]

    /// The first value of a client attribute (any source) as text.
    public func firstValue(of type: String) -> String? {
        let key = AttributeName(type).key
        return attributes.first { AttributeName($0.type).key == key && !$0.values.isEmpty }
            .flatMap { $0.values.first }.flatMap { String(validating: $0, as: UTF8.self) }
    }
}

/// Why an administrative operation was refused; the message is for the operator, and never
/// contains a secret.
public struct AdministrationError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound
        case ambiguous
        /// A rule refused the change (format, uniqueness, a value present or missing, access).
        case refused
        /// The upstream directory could not be asked.
        case unavailable
        /// The store could not be read or written, or secrets cannot be stored.
        case storage
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func from(_ error: StoreError) -> AdministrationError {
        switch error.kind {
        case .constraintViolation, .valueExists, .noSuchValue, .entryAlreadyExists: AdministrationError(.refused, error.message)
        case .noSuchEntry: AdministrationError(.notFound, error.message)
        case .secretsUnavailable, .storage: AdministrationError(.storage, error.message)
        }
    }
}
