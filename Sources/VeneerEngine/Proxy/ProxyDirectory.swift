import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import Synchronization

/// The proxy view: answers clients from the upstream directory, presenting it under the
/// virtual suffix with the preset's attribute names. Reads only: the upstream is never written.
public final class ProxyDirectory: LDAPRequestHandler {
    public let configuration: ProxyConfiguration
    let upstream: LDAPUpstream
    let mapper: AttributeMapper
    let suffix: SuffixMapper
    let rewriter: FilterRewriter
    let rootDSE: RootDSE
    let logger: Logger
    /// Local attributes merged into every entry; nil serves the upstream alone.
    let overlay: LocalOverlay?
    /// The synchronized local copy searches are answered from (replica mode); nil: live.
    public let replica: Replica?
    let bindPolicy: BindPolicy
    let loginGroupMembers = LoginGroupMembers()
    /// For each group `[[access]]` rules name (virtual DN), its transitive members, so that
    /// `group:` rules cover nested membership (each walk cached like the login groups').
    let accessGroupMembers: [DistinguishedName: LoginGroupMembers]
    let loginCache: LoginCache<ResolvedAccount>
    /// Bind outcomes: audit rows (written in batches by `bindAudit.run()`) and counters.
    public var bindAudit: BindAudit { bindPolicy.audit }
    /// Names whose upstream lookup is being reused (for metrics).
    public var loginCacheCount: Int { loginCache.count }
    /// The upstream's pools, for metrics and readiness.
    public var upstreamPools: UpstreamPoolStatistics { upstream.poolStatistics }
    /// Which passwords were cached lately; nil when no zone uses cached credentials.
    let credentialMemory: CredentialCacheMemory?
    /// Superclasses of the served schema's object classes, for re-checking merged entries.
    let objectClasses: ObjectClassHierarchy
    /// The upstream filter selecting what searches below the suffix may return (the
    /// configured entry kinds), worked out once.
    let visibleEntries: LDAPFilter
    /// Tells people from the other kinds in search results; nil when nothing depends on it
    /// (no overlay, no login-group walk).
    let personTest: UpstreamEntryTest?
    /// `visibleEntries` evaluated here (nil when only the upstream can: see `UpstreamEntryTest`).
    let visibleTest: UpstreamEntryTest?
    /// The same for the kinds `[[access]]` leaves a requester, by the kinds denied: built once
    /// per set (the rules allow few) rather than for every search.
    let visibleTests = Mutex<[Set<String>: UpstreamEntryTest?]>([:])
    /// Upstream → client for DN-valued attributes: the suffix mapped, values naming an entry
    /// in an excluded subtree dropped; nil when there is nothing to do.
    let dnValues: (@Sendable (String) -> String?)?

    public init(
        configuration: ProxyConfiguration, upstream: LDAPUpstream, rootDSE: RootDSE, overlay: LocalOverlay? = nil, replica: Replica? = nil,
        bindGuards: BindGuards? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.upstream = upstream
        self.overlay = overlay
        self.replica = replica
        var preset = configuration.preset
        if case .upstream(let source) = overlay?.configuration.extensions {
            // An extension read from upstream is an ordinary mapped attribute.
            preset.attributes.append(AttributeMapping(OverlayAttribute.extensionNumber.rawValue, from: [source]))
        }
        self.mapper = AttributeMapper(preset: preset)
        self.suffix = SuffixMapper(virtualSuffix: configuration.virtualSuffix, upstreamBase: configuration.upstreamBase)
        self.rewriter = FilterRewriter(
            mapper: mapper, suffix: suffix, people: configuration.preset.userFilter, excludedSubtrees: configuration.excludedSubtrees)
        self.rootDSE = rootDSE
        let objectClasses = ObjectClassHierarchy(schema: rootDSE.schema)
        self.objectClasses = objectClasses
        self.visibleEntries = configuration.visibleEntries
        self.personTest =
            overlay != nil || configuration.filtersPeopleByLoginGroupWalk
            ? UpstreamEntryTest(configuration.preset.userFilter, objectClasses: objectClasses) : nil
        self.visibleTest = UpstreamEntryTest(evaluating: configuration.visibleEntries, objectClasses: objectClasses)
        let suffix = self.suffix
        let excluded = configuration.excludedSubtrees
        if excluded.isEmpty && suffix.isIdentity {
            self.dnValues = nil
        } else if excluded.isEmpty {
            self.dnValues = { (text: String) -> String? in suffix.toVirtual(text) }
        } else {
            self.dnValues = { (text: String) -> String? in
                guard let dn = try? DistinguishedName(text) else { return text }
                if excluded.contains(where: { dn.isDescendantOrSelf(of: $0) }) { return nil }
                return suffix.toVirtual(dn)?.description ?? text
            }
        }
        self.logger = logger
        var accessGroups: [DistinguishedName: LoginGroupMembers] = [:]
        for rule in overlay?.configuration.access.rules ?? [] {
            for case .group(let group) in rule.who { accessGroups[group] = LoginGroupMembers() }
        }
        self.accessGroupMembers = accessGroups
        let store = overlay?.store
        self.loginCache = LoginCache(
            lifetime: configuration.loginCacheLifetime,
            cost: { account in account.dn.description.utf8.count + account.groups.reduce(0) { $0 + $1.description.utf8.count + 16 } + 96 },
            retain: { account in
                // A locked account's name stays known, so its binds cost the upstream nothing.
                guard let id = account.id, let until = store?.lockoutState(for: id)?.lockedUntil else { return false }
                return until > Date()
            })
        self.bindPolicy = BindPolicy(
            zones: configuration.zones, store: store, superadmin: configuration.superadmin, guards: bindGuards, logger: logger)
        let zones = configuration.zones.zones + [configuration.zones.external]
        self.credentialMemory = store != nil && zones.contains { $0.cachedCredentials != nil } ? CredentialCacheMemory() : nil
    }

    public func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        let allowAnonymous = bindPolicy.zone(of: request.session).allowAnonymous ?? configuration.allowAnonymous
        if let refusal = RequestGate.refusal(of: request, supportedControls: Self.supportedControls, allowAnonymous: allowAnonymous) {
            await RequestGate.fail(request, responder, refusal)
            return
        }
        switch request.operation {
        case .searchRequest(let search):
            await self.search(search, request: request, responder: responder)
        case .bindRequest(let bind):
            await self.bind(bind, request: request, responder: responder)
        case .compareRequest(let compare):
            await self.compare(compare, request: request, responder: responder)
        case .modifyRequest(let modify):
            await self.modify(modify, request: request, responder: responder)
        case .addRequest, .delRequest, .modifyDNRequest:
            await fail(request, responder, .unwillingToPerform, "the upstream directory is read-only through Veneer; only overlay attributes can be modified")
        case .extendedRequest(let extended) where extended.name == PasswordModifyRequest.oid:
            await passwordModify(extended, request: request, responder: responder)
        case .extendedRequest(let extended):
            await fail(request, responder, .protocolError, "unsupported extended operation \(extended.name)")
        default:
            break  // Unbind, Abandon and responses never reach a handler.
        }
    }

    /// Controls a client may mark critical.
    static let supportedControls: Set<String> = [PagedResultsControl.oid, ManageDsaITControl.oid, PasswordPolicyRequestControl.oid]

    func fail(_ request: LDAPRequest, _ responder: LDAPResponder, _ code: LDAPResultCode, _ message: String) async {
        await RequestGate.fail(request, responder, LDAPResult(code, diagnosticMessage: message))
    }

    /// An upstream failure as the client should see it: the operation fails with a code that
    /// says "try again later" and a message naming the cause, never a hang.
    static func result(for error: any Error) -> LDAPResult {
        guard let error = error as? LDAPClientError else {
            return LDAPResult(.other, diagnosticMessage: "upstream directory error: \(error)")
        }
        switch error.kind {
        case .busy: return LDAPResult(.busy, diagnosticMessage: "upstream directory busy: \(error.message)")
        case .timeout: return LDAPResult(.unavailable, diagnosticMessage: "upstream directory timed out: \(error.message)")
        default: return LDAPResult(.unavailable, diagnosticMessage: "upstream directory unavailable: \(error.message)")
        }
    }

    /// Whether an upstream DN lies in a subtree the configuration hides.
    func isExcluded(_ upstreamDN: DistinguishedName) -> Bool {
        configuration.excludedSubtrees.contains { upstreamDN.isDescendantOrSelf(of: $0) }
    }

}
