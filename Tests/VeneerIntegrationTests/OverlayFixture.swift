import Foundation
import LDAPCore
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// A Veneer (with overlay) in front of a slapd holding the generated people plus a few named
/// ones, and the overlay data of the filter-equivalence and write tests. `mergedLDIF` is the
/// same overlay written as real attributes, for a second slapd that holds everything.
struct OverlayFixture {
    let veneer: VeneerHarness
    /// Upstream DN (lowercased) → entry id, for every person.
    let ids: [String: EntryID]

    static let upstreamBase = "dc=example,dc=com"
    static let people = "ou=people,\(upstreamBase)"
    static var registrarDN: String { "uid=registrar,ou=people,\(VeneerHarness.virtualSuffix)" }
    static let registrarPassword = "registrar-secret"
    /// group01: users 1, 6, 11, … (SlapdDirectoryData puts user i in group i % 5).
    static var adminGroupDN: String { "cn=group01,ou=groups,\(VeneerHarness.virtualSuffix)" }
    static func isAdmin(userIndex: Int) -> Bool { userIndex % 5 == 1 }

    /// Named people besides user0000…: `*ann*` matches two cns, and Ann's own telephone
    /// number contains 111 (so `telephoneNumber=*111*` matches an upstream value and an alias).
    static let extraLDIF = """
        dn: uid=ann,\(people)
        objectClass: inetOrgPerson
        uid: ann
        cn: Ann Archer
        sn: Archer
        telephoneNumber: +1 555 111 2222
        userPassword: ann-secret

        dn: uid=joanna,\(people)
        objectClass: inetOrgPerson
        uid: joanna
        cn: Joanna Miller
        sn: Miller
        mail: joanna@example.com
        userPassword: joanna-secret

        dn: uid=registrar,\(people)
        objectClass: inetOrgPerson
        uid: registrar
        cn: SIP Registrar
        sn: Registrar
        userPassword: \(registrarPassword)

        """

    /// What the overlay holds, by uid. `extensionNumber` "auto" is assigned from the range.
    struct Local {
        var aliases: [String] = []
        var extensionNumber: String?
        var active = true
        var sipPassword: String?
    }

    /// 111 is only an alias; "20" sorts after "1005" as a numeric string (RFC 4517 ordering is
    /// by characters); aliases with hyphens and capitals test telephoneNumber and IA5 matching.
    static let locals: [String: Local] = [
        "user0001": Local(aliases: ["111"], extensionNumber: "1001", sipPassword: "sip-0001"),
        "user0002": Local(aliases: ["4711", "sales"], extensionNumber: "20", sipPassword: "sip-0002"),
        "user0003": Local(aliases: ["Reception"], active: false, sipPassword: "sip-0003"),
        "user0004": Local(extensionNumber: "auto"),
        "user0005": Local(extensionNumber: "1005"),
        "user0006": Local(aliases: ["1010"], extensionNumber: "1010"),
        "user0007": Local(active: false),
        "user0012": Local(sipPassword: "sip-0012"),
        "user0021": Local(aliases: ["help-desk", "x9"]),
        "ann": Local(aliases: ["ann-desk"], extensionNumber: "1999"),
    ]

    static func slapdOptions() -> SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.tls = false
        options.extraLDIF = extraLDIF
        return options
    }

    static func start(replica: Bool = false, configure: (inout OverlayConfiguration) -> Void = { _ in }) async throws -> OverlayFixture {
        var setup = try VeneerHarness.OverlaySetup.standard(registrarDN: registrarDN, adminGroupDN: adminGroupDN)
        configure(&setup.configuration)
        let veneer = try await VeneerHarness.start(slapd: slapdOptions(), overlay: setup, replica: replica)
        do {
            let ids = try await veneer.entryIDs()
            let fixture = OverlayFixture(veneer: veneer, ids: ids)
            try fixture.seed()
            return fixture
        } catch {
            await veneer.stop()
            throw error
        }
    }

    func stop() async { await veneer.stop() }

    func id(ofUID uid: String) throws -> EntryID {
        guard let id = ids["uid=\(uid),\(Self.people)"] else { throw TestProcessError("no entry id for \(uid)") }
        return id
    }

    func seed() throws {
        let store = try veneer.store
        let audit = AuditContext(actor: "test")
        for (uid, local) in Self.locals.sorted(by: { $0.key < $1.key }) {
            var changes: [OverlayChange] = []
            if !local.aliases.isEmpty { changes.append(.addAliases(local.aliases)) }
            switch local.extensionNumber {
            case "auto": changes.append(.assignExtension(1000...1999))
            case let number?: changes.append(.setExtension(number))
            case nil: break
            }
            if !local.active { changes.append(.setActive(false)) }
            if let password = local.sipPassword {
                changes.append(.setDigest(DigestCredential(username: uid, realm: VeneerHarness.OverlaySetup.realm, password: password)))
            }
            _ = try store.apply(changes, to: try id(ofUID: uid), audit: audit)
        }
    }

    /// The store's overlay written as real attributes of the people, as a modify LDIF for
    /// the merged slapd (applied as its rootdn).
    func mergedLDIF() throws -> String {
        let store = try veneer.store
        var out = ""
        for (dn, id) in ids.sorted(by: { $0.key < $1.key }) {
            let uid = String(dn.split(separator: ",")[0].dropFirst("uid=".count))
            let index = uid.hasPrefix("user") ? Int(uid.dropFirst(4)) : nil
            let record = store.overlay(for: id)
            var lines = ["dn: \(dn)", "changetype: modify", "add: objectClass", "objectClass: veneerUser", "-"]
            func add(_ attribute: String, _ values: [String]) {
                guard !values.isEmpty else { return }
                lines += ["add: \(attribute)"] + values.map { "\(attribute): \($0)" } + ["-"]
            }
            add("veneerActive", [(record?.active ?? true) ? "TRUE" : "FALSE"])
            add("veneerRole", [index.map(Self.isAdmin(userIndex:)) == true ? "admin" : "user"])
            if let record {
                add("veneerAlias", record.aliases)
                add("telephoneNumber", record.aliases)  // present_aliases_as = telephoneNumber
                add("veneerExtension", record.extensionNumber.map { [$0] } ?? [])
                // A deactivated person's SIP identity is not served (its secret stays stored).
                if record.active, let digest = record.digests.first(where: { $0.realm == VeneerHarness.OverlaySetup.realm }) {
                    add("objectClass", ["SIPIdentity"])
                    add("SIPIdentityUserName", [digest.username])
                    add("SIPIdentitySIPURI", ["sip:\(digest.username)@\(digest.realm)"])
                    add("SIPIdentityPassword", [digest.ha1MD5])
                    add("veneerDigestSHA256", [digest.ha1SHA256])
                }
            }
            out += lines.joined(separator: "\n") + "\n\n"
        }
        return out
    }

    /// A second slapd with the same people and the overlay as real attributes; digest secrets
    /// are readable by nobody there either, so filters on them are Undefined in both.
    func startMergedDirectory() async throws -> SlapdFixture {
        var options = Self.slapdOptions()
        options.extraSchemaFiles = ["veneer.schema", "h350-sipidentity.schema"].map { VeneerHarness.repositoryRoot + "/schemas/" + $0 }
        options.extraAccessRules = ["access to attrs=SIPIdentityPassword,veneerDigestSHA256,fsA1Hash,AstAccountRealmedPassword by * none"]
        let merged = try await SlapdFixture.start(options)
        do {
            let path = merged.directory + "/overlay.ldif"
            try mergedLDIF().write(toFile: path, atomically: true, encoding: .utf8)
            let result = try await ldapTool("ldapmodify", ["-x", "-H", merged.url, "-D", merged.adminDN, "-w", merged.adminPassword, "-f", path])
            guard result.status == 0 else { throw TestProcessError("loading the merged overlay failed: \(result.output)") }
            return merged
        } catch {
            await merged.stop()
            throw error
        }
    }
}

/// A modify LDIF written to a temp file, for `ldapmodify -f`.
func writeLDIF(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "veneer-ldif-\(UUID().uuidString).ldif"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
