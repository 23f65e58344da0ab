/// What `veneer bench` runs: which server, how many connections, which workload, for how long.
public struct BenchOptions: Sendable {
    /// The operations a connection repeats in its closed loop.
    public enum Workload: String, Sendable, CaseIterable {
        /// Equality search on the login attribute for a random user, five named attributes.
        case searchUID = "search-uid"
        /// A random filter from the filter list (a phonebook substring search), same attributes.
        case phonebook
        /// Simple bind as a random user with the right password, on the same connection.
        case bind
        /// Simple bind as a random user with a wrong password (expects invalidCredentials).
        case bindWrong = "bind-wrong"
        /// 70 % search-uid, 10 % phonebook, 15 % bind, 5 % bind-wrong.
        case mix
        /// One search per connection, then hold the connections open for the duration
        /// (measures the server's memory per idle client).
        case idle
    }

    public var host: String
    public var port: Int
    public var connections: Int
    public var threads: Int
    public var warmupSeconds: Double
    public var durationSeconds: Double
    public var workload: Workload
    /// Users are numbered `firstUser ..< firstUser + userCount`.
    public var firstUser: Int
    public var userCount: Int
    /// `%d`/`%0Nd` is replaced by the user number, `{uid}` by the formatted user name.
    public var userTemplate: String
    public var searchBase: String
    public var uidAttribute: String
    public var attributes: [String]
    public var bindDNTemplate: String
    public var passwordTemplate: String
    public var phonebookFilters: [String]
    public var seed: UInt64
    /// The local address connections come from (the server picks its zone by it); nil lets
    /// the system choose.
    public var sourceAddress: String?

    public init(
        host: String, port: Int, connections: Int = 8, threads: Int = 2, warmupSeconds: Double = 2,
        durationSeconds: Double = 10, workload: Workload = .searchUID, firstUser: Int = 0,
        userCount: Int = 10_000, userTemplate: String = "user%05d", searchBase: String,
        uidAttribute: String = "uid", attributes: [String] = ["cn", "mail", "telephoneNumber", "sn", "givenName"],
        bindDNTemplate: String = "uid={uid},ou=people,dc=example,dc=com",
        passwordTemplate: String = "password-%05d", phonebookFilters: [String] = [], seed: UInt64 = 0x5EED,
        sourceAddress: String? = nil
    ) {
        self.sourceAddress = sourceAddress
        self.host = host
        self.port = port
        self.connections = connections
        self.threads = threads
        self.warmupSeconds = warmupSeconds
        self.durationSeconds = durationSeconds
        self.workload = workload
        self.firstUser = firstUser
        self.userCount = userCount
        self.userTemplate = userTemplate
        self.searchBase = searchBase
        self.uidAttribute = uidAttribute
        self.attributes = attributes
        self.bindDNTemplate = bindDNTemplate
        self.passwordTemplate = passwordTemplate
        self.phonebookFilters = phonebookFilters
        self.seed = seed
    }
}

/// printf's `%d` and `%0Nd` for one integer, and `{uid}` for an already formatted name;
/// enough for user templates without Foundation.
enum Template {
    static func format(_ template: String, number: Int, uid: String = "") -> String {
        var output = ""
        var characters = Array(template)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "%" {
                var cursor = index + 1
                var zeroPad = false
                var width = 0
                if cursor < characters.count, characters[cursor] == "0" {
                    zeroPad = true
                    cursor += 1
                }
                while cursor < characters.count, let digit = characters[cursor].wholeNumberValue {
                    width = width * 10 + digit
                    cursor += 1
                }
                if cursor < characters.count, characters[cursor] == "d" {
                    let digits = String(number)
                    if digits.count < width {
                        output += String(repeating: zeroPad ? "0" : " ", count: width - digits.count)
                    }
                    output += digits
                    index = cursor + 1
                    continue
                }
            }
            if character == "{", template[template.index(template.startIndex, offsetBy: index)...].hasPrefix("{uid}") {
                output += uid
                index += 5
                continue
            }
            output.append(character)
            index += 1
        }
        characters.removeAll()
        return output
    }
}
