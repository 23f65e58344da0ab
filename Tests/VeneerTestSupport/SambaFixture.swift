// A real Active Directory domain controller (Samba) for tests, run by Tests/Scripts/samba-dc.sh.
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One Samba AD domain controller per test process, for domain `EXAMPLE` / realm `example.com`,
/// on 127.0.0.1:389 (LDAP) and 127.0.0.1:636 (LDAPS, certificate from `caFile`).
///
/// `shared()` provisions it once per test process into `/tmp/veneer-samba-run-<pid>` (copying
/// the template `samba-dc.sh` keeps under `/tmp`, or provisioning one first, ~1 min) and starts
/// it. Samba's LDAP ports are fixed, so a machine-wide lock (`/tmp/veneer-samba.lock`) lets only
/// one test process own a DC at a time; others wait for it. The DC stops by itself when its test
/// process exits (see `SAMBA_DC_OWNER_PID` in the script).
///
/// What the directory holds (all in `accounts` / `groups`, read from the script's manifests):
/// - `users`: `user001`… in `OU=People` (`CN=Ada Lovelace,OU=People,DC=example,DC=com`…), each
///   with a UPN, givenName, sn, displayName, mail, telephoneNumber, mobile, two otherMobile,
///   ipPhone, title, department, company, description and (from user002 on) a manager.
/// - groups in `OU=Groups`: `VoIP Users` (odd users and the group `VoIP Operators`),
///   `VoIP Operators` (every fifth user), `Admins` (user001, user002), `Big Group` (1600
///   contacts from `OU=Bulk`, for `member;range=` retrieval).
/// - special accounts: `disabledUser` (userAccountControl 514), `expiredUser` (accountExpires
///   2010), `mustChangeUser` (pwdLastSet 0), `lockedUser` (locked by three bad binds at every
///   start), `excludedUser` (in `OU=Excluded`), `computer` (`WS001$`).
/// - domain policy: lockout after `lockoutThreshold` bad passwords for a day; no minimum
///   password age or history. Tests that send wrong passwords should use their own account, or
///   bind correctly afterwards (a good bind resets badPwdCount).
public final class SambaFixture: Sendable {
    /// What an account in the manifest is for.
    public enum AccountKind: String, Sendable {
        case user
        case disabled
        case expired
        case mustChange = "mustchange"
        case locked
        case excluded
        case computer
    }

    /// A test account. `description` leaves the password out.
    public struct Account: Sendable, Hashable, CustomStringConvertible {
        /// sAMAccountName.
        public let name: String
        public let dn: String
        /// userPrincipalName; empty for the computer account.
        public let upn: String
        /// Empty for the computer account.
        public let password: String
        public let kind: AccountKind
        /// The `EXAMPLE\name` form, which AD accepts as a simple-bind name.
        public var downLevelLogonName: String { "EXAMPLE\\" + name }
        public var description: String { "\(kind.rawValue) account \(name) (\(dn))" }
    }

    /// A test group and its direct members.
    public struct Group: Sendable, Hashable {
        public let name: String
        public let dn: String
        public let memberDNs: [String]
    }

    /// Why the fixture could not be set up; `description` carries the script's output.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Exit status and output of a command-line LDAP client.
    public struct ClientResult: Sendable, CustomStringConvertible {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var output: String { stdout + stderr }
        public var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    public let realm = "EXAMPLE.COM"
    public let dnsDomain = "example.com"
    public let netbiosDomain = "EXAMPLE"
    public let baseDN = "DC=example,DC=com"
    public let adminDN = "CN=Administrator,CN=Users,DC=example,DC=com"
    public let adminUPN = "Administrator@example.com"
    public let adminPassword = "Veneer-Admin-Pw1!"
    public let host = "127.0.0.1"
    public let ldapPort = 389
    public let ldapsPort = 636
    public var ldapURL: String { "ldap://\(host):\(ldapPort)" }
    public var ldapsURL: String { "ldaps://\(host):\(ldapsPort)" }
    /// The CA that signed the DC's certificate (subjectAltName 127.0.0.1, ::1, localhost, the
    /// host name, veneerdc.example.com).
    public var caFile: String { directory + "/tls/ca.pem" }
    public let peopleOU = "OU=People,DC=example,DC=com"
    public let groupsOU = "OU=Groups,DC=example,DC=com"
    public let excludedOU = "OU=Excluded,DC=example,DC=com"
    public let bulkOU = "OU=Bulk,DC=example,DC=com"
    /// Bad passwords before AD locks an account (`data 775`).
    public let lockoutThreshold = 3
    /// The LDAP control that keeps AD from returning continuation references.
    public static let domainScopeControlOID = "1.2.840.113556.1.4.1339"

    /// The DC's directory: etc/smb.conf, tls/, private/, log/.
    public let directory: String
    public let accounts: [Account]
    /// The regular users, `user001` first.
    public let users: [Account]
    public let groups: [Group]
    public let disabledUser: Account
    public let expiredUser: Account
    public let mustChangeUser: Account
    public let lockedUser: Account
    public let excludedUser: Account
    public let computer: Account
    /// What `samba-dc.sh` said while provisioning and the first start (timings).
    public let setupLog: String

    private let scriptPath: String
    private let control = SambaDCControl()

    // MARK: - Lifecycle

    /// The test process's DC, provisioned and started on first use; started again if a test
    /// stopped it.
    public static func shared() async throws -> SambaFixture {
        let fixture = try await sambaFixtureCache.fixture()
        try await fixture.start()
        return fixture
    }

    /// Starts the DC unless it runs; returns once LDAPS answers.
    public func start() async throws {
        try await control.serialized { [self] in
            guard !isRunning else { return }
            let result = try await Self.runScript(scriptPath, ["start", directory])
            guard result.status == 0 else {
                throw SetupError(description: "samba-dc.sh start \(directory) failed:\n\(result.output)")
            }
        }
    }

    /// Stops the DC (its workers too). `shared()` starts it again.
    public func stop() async throws {
        try await control.serialized { [self] in
            let result = try await Self.runScript(scriptPath, ["stop", directory])
            guard result.status == 0 else {
                throw SetupError(description: "samba-dc.sh stop \(directory) failed:\n\(result.output)")
            }
        }
    }

    /// Whether the `samba` process from `samba-dc.pid` is alive.
    public var isRunning: Bool {
        guard let pid = sambaPID() else { return false }
        return kill(pid, 0) == 0
    }

    private func sambaPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/samba-dc.pid", encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
        else { return nil }
        return pid
    }

    // MARK: - Accounts

    public struct UnknownAccount: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "no Samba test account named \(name)" }
    }

    /// The account with this sAMAccountName (case-insensitive).
    public func account(_ name: String) throws -> Account {
        let wanted = name.lowercased()
        guard let account = accounts.first(where: { $0.name.lowercased() == wanted }) else {
            throw UnknownAccount(name: name)
        }
        return account
    }

    /// `user001` for 1.
    public func userName(_ index: Int) -> String {
        String(format: "user%03d", index)
    }
    public func userDN(_ name: String) throws -> String { try account(name).dn }
    public func userUPN(_ name: String) throws -> String { try account(name).upn }
    public func userPassword(_ name: String) throws -> String { try account(name).password }

    /// The group with this name (`VoIP Users`, `VoIP Operators`, `Admins`, `Big Group`).
    public func group(_ name: String) throws -> Group {
        guard let group = groups.first(where: { $0.name == name }) else { throw UnknownAccount(name: name) }
        return group
    }

    // MARK: - Real clients

    /// Runs an OpenLDAP client (`ldapsearch`, `ldapwhoami`, `ldapmodify`…) trusting `caFile`.
    public func runClient(_ tool: String, _ arguments: [String]) async throws -> ClientResult {
        try await Self.run(
            tool, arguments,
            environment: ["LDAPTLS_CACERT": caFile, "LDAPTLS_REQCERT": "demand"]
        )
    }

    /// `ldapsearch -x -o ldif_wrap=no` against `url`, bound as `bindDN` when given.
    public func ldapsearch(
        url: String? = nil, bindDN: String? = nil, password: String? = nil, base: String? = nil,
        scope: String = "sub", filter: String = "(objectClass=*)", attributes: [String] = [],
        extra: [String] = []
    ) async throws -> ClientResult {
        var arguments = ["-x", "-o", "ldif_wrap=no", "-H", url ?? ldapsURL, "-b", base ?? baseDN, "-s", scope]
        if let bindDN { arguments += ["-D", bindDN, "-w", password ?? ""] }
        arguments += extra + [filter] + attributes
        return try await runClient("ldapsearch", arguments)
    }

    // MARK: - Measurements

    /// Processes, summed resident set and summed proportional set (shared pages split) of the
    /// DC's process group, from /proc.
    public func memoryUsage() -> (processes: Int, rssBytes: Int, pssBytes: Int) {
        guard let pid = sambaPID(),
            let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
        else { return (0, 0, 0) }
        var processes = 0
        var rss = 0
        var pss = 0
        for entry in entries {
            guard let candidate = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm)": state ppid pgrp …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[2]) == pid else { continue }
            processes += 1
            let rollup = (try? String(contentsOfFile: "/proc/\(candidate)/smaps_rollup", encoding: .utf8)) ?? ""
            for line in rollup.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count >= 2, let kib = Int(parts[1]) else { continue }
                if parts[0] == "Rss:" { rss += kib * 1024 }
                if parts[0] == "Pss:" { pss += kib * 1024 }
            }
        }
        return (processes, rss, pss)
    }

    // MARK: - Setup

    private init(directory: String, scriptPath: String, setupLog: String) throws {
        self.directory = directory
        self.scriptPath = scriptPath
        self.setupLog = setupLog
        let accountLines = try Self.readTSV(directory + "/accounts.tsv", columns: 5)
        let accounts = try accountLines.map { fields in
            guard let kind = AccountKind(rawValue: fields[4]) else {
                throw SetupError(description: "accounts.tsv: unknown kind \(fields[4])")
            }
            return Account(name: fields[0], dn: fields[1], upn: fields[2], password: fields[3], kind: kind)
        }
        self.accounts = accounts
        self.users = accounts.filter { $0.kind == .user }
        self.groups = try Self.readTSV(directory + "/groups.tsv", columns: 3).map { fields in
            Group(name: fields[0], dn: fields[1], memberDNs: fields[2].split(separator: "|").map(String.init))
        }
        func only(_ kind: AccountKind) throws -> Account {
            guard let account = accounts.first(where: { $0.kind == kind }) else {
                throw SetupError(description: "accounts.tsv has no \(kind.rawValue) account")
            }
            return account
        }
        disabledUser = try only(.disabled)
        expiredUser = try only(.expired)
        mustChangeUser = try only(.mustChange)
        lockedUser = try only(.locked)
        excludedUser = try only(.excluded)
        computer = try only(.computer)
    }

    private static func readTSV(_ path: String, columns: Int) throws -> [[String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SetupError(description: "cannot read \(path)")
        }
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns else { throw SetupError(description: "\(path): bad line \(line)") }
            return fields
        }
    }

    /// Takes the machine-wide lock, clears DCs left by dead test processes, provisions and starts.
    fileprivate static func launch() async throws -> SambaFixture {
        let script = scriptLocation()
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw SetupError(description: "samba-dc.sh not found or not executable at \(script)")
        }
        guard sambaFindExecutable("samba") != nil, sambaFindExecutable("samba-tool") != nil else {
            throw SetupError(
                description: "Samba is not installed; the Samba tests need: apt-get install samba "
                    + "samba-dsdb-modules samba-vfs-modules samba-ad-provision ldb-tools ldap-utils openssl"
            )
        }
        try await SambaMachineLock.acquire()
        try await removeAbandonedDCs(script: script)
        let directory = "/tmp/veneer-samba-run-\(getpid())"
        let provision = try await runScript(script, ["provision", directory])
        guard provision.status == 0 else {
            throw SetupError(description: "samba-dc.sh provision \(directory) failed:\n\(provision.output)")
        }
        let start = try await runScript(script, ["start", directory])
        guard start.status == 0 else {
            throw SetupError(description: "samba-dc.sh start \(directory) failed:\n\(start.output)")
        }
        return try SambaFixture(directory: directory, scriptPath: script, setupLog: provision.output + start.output)
    }

    /// DCs whose owning test process is gone (their watcher normally stops them already).
    private static func removeAbandonedDCs(script: String) async throws {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix("veneer-samba-run-") {
            guard let owner = Int32(entry.dropFirst("veneer-samba-run-".count)) else { continue }
            let ownerAlive = kill(owner, 0) == 0 || errno == EPERM
            if ownerAlive && owner != getpid() { continue }
            _ = try await runScript(script, ["stop", "/tmp/" + entry])
            try? FileManager.default.removeItem(atPath: "/tmp/" + entry)
        }
    }

    private static func scriptLocation() -> String {
        if let override = ProcessInfo.processInfo.environment["VENEER_SAMBA_DC_SCRIPT"] { return override }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/samba-dc.sh").path
    }

    fileprivate static func runScript(_ script: String, _ arguments: [String]) async throws -> ClientResult {
        try await run(script, arguments, environment: ["SAMBA_DC_OWNER_PID": String(getpid())])
    }

    /// Runs a program to completion, its output in temporary files (no pipe to fill up; the
    /// DC the script leaves running inherits no pipe either).
    fileprivate static func run(
        _ program: String, _ arguments: [String], environment extra: [String: String]
    ) async throws -> ClientResult {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = sambaSearchPath()
        for (key, value) in extra { environment[key] = value }
        guard let executable = program.contains("/") ? program : sambaFindExecutable(program) else {
            throw SetupError(description: "\(program) is not installed")
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("veneer-samba-out-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return ClientResult(status: status, stdout: stdout, stderr: stderr)
    }
}

/// One fixture per test process; a failed setup is remembered and rethrown to every caller.
private actor SambaFixtureCache {
    private var task: Task<SambaFixture, Error>?

    func fixture() async throws -> SambaFixture {
        if let task { return try await task.value }
        let task = Task { try await SambaFixture.launch() }
        self.task = task
        return try await task.value
    }
}

private let sambaFixtureCache = SambaFixtureCache()

/// Runs start/stop one at a time (an actor alone would interleave them at each await).
private actor SambaDCControl {
    private var last: Task<Void, Error>?

    func serialized(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let previous = last
        let task = Task {
            _ = try? await previous?.value
            try await body()
        }
        last = task
        try await task.value
    }
}

/// `flock` on /tmp/veneer-samba.lock, held until the process exits: Samba's ports are fixed, so
/// test processes (other worktrees, parallel runs) take turns.
private enum SambaMachineLock {
    static func acquire() async throws {
        let path = "/tmp/veneer-samba.lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw SambaFixture.SetupError(description: "cannot open \(path): errno \(errno)")
        }
        let timeout = Double(ProcessInfo.processInfo.environment["VENEER_SAMBA_LOCK_TIMEOUT"] ?? "") ?? 1200
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                close(fd)
                throw SambaFixture.SetupError(description: "flock \(path): errno \(errno)")
            }
            guard Date() < deadline else {
                close(fd)
                throw SambaFixture.SetupError(
                    description: "another test process has held \(path) (the machine's one Samba DC) for \(Int(timeout)) s"
                )
            }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        // Deliberately never closed: the lock lives as long as this process.
    }
}

/// PATH for the tools: Samba's daemons are in /usr/sbin, which a test runner's PATH may lack.
private func sambaSearchPath() -> String {
    let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return inherited + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
}

private func sambaFindExecutable(_ name: String) -> String? {
    for directory in sambaSearchPath().split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
