import LDAPCore
import LDAPServer
import Logging
import VeneerStore

/// The local registry: Veneer's own users and groups, served when no upstream is configured,
/// with the same overlay attributes, access rules and operations as the proxy view. Entries
/// live in the store; searches are answered from its in-memory copy and filters are
/// evaluated exactly on the merged entries.
public final class RegistryDirectory: LDAPRequestHandler {
    let suffix: DistinguishedName
    let overlay: LocalOverlay
    let allowAnonymous: Bool
    let rootDSE: RootDSE
    /// Superclasses of the served schema's object classes, for evaluating filters.
    let objectClasses: ObjectClassHierarchy
    let logger: Logger
    let bindPolicy: BindPolicy
    /// Bind outcomes: audit rows (written in batches by `bindAudit.run()`) and counters.
    public var bindAudit: BindAudit { bindPolicy.audit }

    public init(
        suffix: DistinguishedName, overlay: LocalOverlay, allowAnonymous: Bool, zones: ZonePolicy = ZonePolicy(), superadmin: Superadmin? = nil,
        rootDSE: RootDSE, bindGuards: BindGuards? = nil, logger: Logger
    ) {
        self.suffix = suffix
        self.overlay = overlay
        self.allowAnonymous = allowAnonymous
        self.rootDSE = rootDSE
        self.objectClasses = ObjectClassHierarchy(schema: rootDSE.schema)
        self.logger = logger
        self.bindPolicy = BindPolicy(zones: zones, store: overlay.store, superadmin: superadmin, guards: bindGuards, logger: logger)
    }

    static let supportedControls: Set<String> = [ManageDsaITControl.oid, PasswordPolicyRequestControl.oid]

    public func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        let allowAnonymous = bindPolicy.zone(of: request.session).allowAnonymous ?? allowAnonymous
        if let refusal = RequestGate.refusal(of: request, supportedControls: Self.supportedControls, allowAnonymous: allowAnonymous) {
            await RequestGate.fail(request, responder, refusal)
            return
        }
        switch request.operation {
        case .searchRequest(let search): await self.search(search, request: request, responder: responder)
        case .bindRequest(let bind): await self.bind(bind, request: request, responder: responder)
        case .compareRequest(let compare): await self.compare(compare, request: request, responder: responder)
        case .modifyRequest(let modify): await self.modify(modify, request: request, responder: responder)
        case .extendedRequest(let extended) where extended.name == PasswordModifyRequest.oid:
            await passwordModify(extended, request: request, responder: responder)
        case .addRequest, .delRequest, .modifyDNRequest:
            await RequestGate.fail(request, responder, LDAPResult(
                .unwillingToPerform, diagnosticMessage: "registry entries are managed with `veneer import` and `veneer user`; over LDAP only overlay attributes can be modified"))
        case .extendedRequest(let extended):
            await RequestGate.fail(request, responder, LDAPResult(.protocolError, diagnosticMessage: "unsupported extended operation \(extended.name)"))
        default:
            break
        }
    }

    /// A registry entry with its parsed DN.
    struct Located {
        var entry: RegistryEntry
        var dn: DistinguishedName
        var attributes: [PartialAttribute] { entry.attributes.map { PartialAttribute(type: $0.type, values: $0.values) } }
    }

    /// Every entry, the suffix first (synthesised: it always exists, so base searches on it
    /// and browsers work on an empty registry).
    func entries() -> [Located] {
        let suffixEntry = RegistryEntry(
            id: Self.suffixID, dn: suffix.description,
            attributes: [("objectClass", [Array("top".utf8), Array("extensibleObject".utf8)])]
                + (suffix.rdn?.attributes.map { ($0.type, [$0.value]) } ?? []))
        var located = [Located(entry: suffixEntry, dn: suffix)]
        for entry in overlay.store.registryEntries {
            // Stripped here, where every read (search, compare, export, `veneer user show`)
            // starts: a store written before import dropped them may still hold some.
            if let dn = try? DistinguishedName(entry.dn), dn.isDescendant(of: suffix) {
                located.append(Located(entry: PasswordEquivalentAttributes.stripped(entry), dn: dn))
            }
        }
        return located
    }

    /// The suffix entry's id: fixed, never stored.
    static let suffixID = EntryID("00000000-0000-0000-0000-000000000000") ?? EntryID.random()

    func locate(_ dn: DistinguishedName) -> Located? {
        entries().first { $0.dn == dn }
    }

    /// The entry with overlay attributes merged (people only: the suffix has none), and
    /// `memberOf` computed from the groups that list it, as OpenLDAP's memberof overlay and
    /// AD present it (roles are derived from it).
    func merged(_ located: Located, identity: BoundIdentity, view: OverlayView, groups: [DistinguishedName: Set<DistinguishedName>]) -> [PartialAttribute] {
        guard located.entry.id != Self.suffixID else { return located.attributes }
        var attributes = located.attributes.filter { $0.type.lowercased() != "memberof" }
        if let memberOf = groups[located.dn], !memberOf.isEmpty {
            attributes.append(PartialAttribute(type: "memberOf", values: memberOf.map { Array($0.description.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }))
        }
        return overlay.merge(attributes, id: located.entry.id, view: view, identity: identity, target: EntryReference(dn: located.dn))
    }

    /// Member DN → the groups (entries with `member`/`uniqueMember` values) that list it.
    static func memberships(_ entries: [Located]) -> [DistinguishedName: Set<DistinguishedName>] {
        var result: [DistinguishedName: Set<DistinguishedName>] = [:]
        for group in entries {
            for attribute in group.entry.attributes where ["member", "uniquemember"].contains(attribute.type.lowercased()) {
                for value in attribute.values {
                    if let member = try? DistinguishedName(String(decoding: value, as: UTF8.self)) { result[member, default: []].insert(group.dn) }
                }
            }
        }
        return result
    }

    /// Groups that list this DN.
    func groups(of dn: DistinguishedName) -> Set<DistinguishedName> {
        Self.memberships(entries())[dn] ?? []
    }
}
