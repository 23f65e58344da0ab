// The deterministic directory a SlapdFixture is loaded with. Tests compare what they read
// against these functions instead of repeating literals.
//
// Layout (suffix dc=example,dc=com):
//   ou=people   uid=user0000 … (inetOrgPerson + posixAccount)
//   ou=groups   cn=group00 … (groupOfNames; user i is in group i % groups)
//   ou=services cn=veneer-service (the account a proxy binds as; subject to sizeLimit)
// slapadd does not run overlays, so memberOf is written into the user entries here.
public struct SlapdDirectoryData: Sendable {
    public let baseDN: String
    public let users: Int
    public let groups: Int

    public init(baseDN: String = "dc=example,dc=com", users: Int, groups: Int) {
        self.baseDN = baseDN
        self.users = users
        self.groups = groups
    }

    public var peopleDN: String { "ou=people,\(baseDN)" }
    public var groupsDN: String { "ou=groups,\(baseDN)" }
    public var serviceDN: String { "cn=veneer-service,ou=services,\(baseDN)" }
    public var servicePassword: String { "service-secret" }

    public func uid(_ index: Int) -> String { "user" + Self.padded(index, 4) }
    public func userDN(_ index: Int) -> String { "uid=\(uid(index)),\(peopleDN)" }
    public func userPassword(_ index: Int) -> String { "password-" + Self.padded(index, 4) }
    public func groupDN(_ index: Int) -> String { "cn=group\(Self.padded(index, 2)),\(groupsDN)" }
    /// The groups user `index` belongs to (empty when the fixture has no groups).
    public func groupIndices(ofUser index: Int) -> [Int] { groups > 0 ? [index % groups] : [] }

    /// The user attributes as loaded, by the attribute name used in the LDIF. Phone numbers
    /// contain spaces and hyphens on purpose (telephoneNumberMatch ignores them).
    public func userAttributes(_ index: Int) -> [String: [String]] {
        let number = Self.padded(index, 4)
        return [
            "objectClass": ["inetOrgPerson", "posixAccount"],
            "uid": [uid(index)],
            "cn": ["Test User \(number)"],
            "sn": ["User \(number)"],
            "givenName": ["Test"],
            "mail": ["\(uid(index))@example.com"],
            "telephoneNumber": ["+1 555-01 \(number)"],
            "mobile": ["+1 (555) 02-\(number)"],
            "uidNumber": [String(10000 + index)],
            "gidNumber": ["10000"],
            "homeDirectory": ["/home/\(uid(index))"],
            "departmentNumber": [department(index)],
            "employeeNumber": [employeeNumber(index)],
            "memberOf": groupIndices(ofUser: index).map(groupDN),
        ]
    }

    /// The whole LDIF for slapadd, followed by `extra`.
    public func ldif(extra: String = "") -> String {
        var out = ""
        func entry(_ dn: String, _ lines: [String]) {
            out += "dn: \(dn)\n" + lines.joined(separator: "\n") + "\n\n"
        }
        let dc = baseDN.split(separator: ",").first.map { $0.split(separator: "=").last.map(String.init) ?? "" } ?? ""
        entry(baseDN, ["objectClass: top", "objectClass: dcObject", "objectClass: organization", "o: Example", "dc: \(dc)"])
        for ou in ["people", "groups", "services"] {
            entry("ou=\(ou),\(baseDN)", ["objectClass: organizationalUnit", "ou: \(ou)"])
        }
        entry(
            serviceDN,
            [
                "objectClass: organizationalRole", "objectClass: simpleSecurityObject", "cn: veneer-service",
                "userPassword: \(servicePassword)", "description: the account a proxy binds as",
            ])
        for index in 0..<users {
            let attributes = userAttributes(index)
            var lines: [String] = []
            for name in Self.userAttributeOrder {
                for value in attributes[name] ?? [] { lines.append("\(name): \(value)") }
            }
            lines.append("userPassword: \(userPassword(index))")
            entry(userDN(index), lines)
        }
        for group in 0..<groups {
            let members = (0..<users).filter { groupIndices(ofUser: $0).contains(group) }
            guard !members.isEmpty else { continue }  // groupOfNames requires a member
            entry(
                groupDN(group),
                ["objectClass: groupOfNames", "cn: group\(Self.padded(group, 2))"] + members.map { "member: \(userDN($0))" })
        }
        return out + extra
    }

    static let userAttributeOrder = [
        "objectClass", "uid", "cn", "sn", "givenName", "mail", "telephoneNumber", "mobile", "uidNumber",
        "gidNumber", "homeDirectory", "departmentNumber", "employeeNumber", "memberOf",
    ]

    /// inetOrgPerson's departmentNumber: one of five departments, in turn.
    public func department(_ index: Int) -> String { Self.departments[index % Self.departments.count] }
    public static let departments = ["Legal", "Sales", "Engineering", "Support", "Finance"]
    /// inetOrgPerson's employeeNumber: 100000 + index (user 777 is 100777).
    public func employeeNumber(_ index: Int) -> String { String(100_000 + index) }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
