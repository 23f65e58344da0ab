import LDAPCore
import LDAPServer
import VeneerStore

/// The local superadmin (`[superadmin]`): a DN that is always checked locally against a
/// PBKDF2 hash from the configuration, never sent upstream, so Veneer stays manageable when
/// the upstream is down or the admin's directory account is locked.
///
/// It binds only from the zones that list it (by default the trusted ones: zones with
/// `detailed_errors`); from anywhere else its DN answers exactly as an unknown name. Its
/// lockout is counted per client address, so strangers cannot lock it out for everyone.
public struct Superadmin: Sendable, Hashable {
    public var dn: DistinguishedName
    public var passwordHash: String
    /// Zone names (lowercased) it may bind from; nil: every zone with detailed errors.
    public var zones: Set<String>?

    public init(dn: DistinguishedName, passwordHash: String, zones: Set<String>? = nil) {
        self.dn = dn
        self.passwordHash = passwordHash
        self.zones = zones.map { Set($0.map { $0.lowercased() }) }
    }

    func names(_ bindName: String) -> Bool {
        guard let named = try? DistinguishedName(bindName) else { return false }
        return named == dn
    }

    func allows(_ zone: Zone) -> Bool {
        guard let zones else { return zone.detailedErrors }
        return zones.contains(zone.name.lowercased())
    }
}

/// The superadmin's one check: its configured hash, on the bounded hashing pool.
struct SuperadminBackend: BindBackend {
    let superadmin: Superadmin
    let hashing: PasswordHashingPool

    var bindMethods: Set<Zone.Method> { [.localPassword] }

    func resolve(_ name: String, zone: Zone) async throws -> BindLookup { .notFound }

    func verify(_ candidate: BindCandidate, password: [UInt8], method: Zone.Method) async throws -> BindVerification {
        let hash = superadmin.passwordHash
        guard let text = String(validating: password, as: UTF8.self) else { return .wrongPassword }
        return try await hashing.run { PasswordHashing.verify(text, against: hash) } ? .accepted : .wrongPassword
    }
}
