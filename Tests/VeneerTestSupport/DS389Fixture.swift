// A private 389 Directory Server (Debian `389-ds-base` 2.3) for tests: its own instance under a
// temp directory, on free loopback ports, holding a few people and a service account.
//
// Verified by hand on Debian 12 as root without systemd (2026-12-04) before writing this:
// - `dscreate from-file` with `systemd = False` in the .inf still calls systemctl when the
//   package's `/usr/share/dirsrv/inf/defaults.inf` says `with_systemd = 1`, and `dscreate
//   ds-root` refuses to run as root. lib389 reads `$PREFIX/share/dirsrv/inf/defaults.inf`
//   instead when PREFIX is set: a private copy with `with_systemd = 0` and every
//   config/run/lock/log/db path inside the temp directory makes dscreate write nothing outside
//   it (checked: /etc/dirsrv, /run/dirsrv, /var/lib/dirsrv and /var/log/dirsrv stay untouched).
// - ns-slapd runs as the `dirsrv` user: the temp directory must be 0755 (mkdtemp makes 0700)
//   and the run/lock/log/db directories must exist, owned by dirsrv, before dscreate runs
//   (it would make them 0770 root, and ns-slapd could not start).
// - dscreate (with `start = False`) starts the server once itself to create the backend and
//   stops it again: 5-10 s here. We then set `nsslapd-listenhost: 127.0.0.1` (dscreate listens
//   on every address) and `nsslapd-accesslog-logbuffering: off` (so a test can count the binds
//   in the access log as soon as they happen) in dse.ldif while the server is down, and start
//   `ns-slapd -D <config dir> -i <pid file> -d 0` ourselves: `-d 0` keeps it in the foreground
//   (no fork, so TestChildProcess owns the real server process). LDAP answers ~1 s later;
//   SIGTERM stops it in ~3 s. People are added with ldapadd as Directory Manager (~0.3 s).
// - Every entry carries `nsUniqueId` as 32 hex digits grouped 8-8-8-8
//   (`53c16995-f02011f1-b432feb6-0a3d8184`); equality on it matches case-insensitively in
//   that grouping only (the same digits as 8-4-4-4-12 match nothing).
// - The default ACIs let ordinary users read almost nothing; the service account gets read
//   and search on everything but userPassword (with `targetattr="*"` it could read password
//   hashes).
// Whole start measured by DS389FixtureTests: 5-7 s (dscreate most of it); ~11 s by hand while a
// Swift build used both cores. Stop: ~2-2.5 s.
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class DS389Fixture: Sendable {
    /// One person in `ou=people`: inetOrgPerson with uid, cn, sn, mail, telephoneNumber and a
    /// cleartext userPassword (389 hashes it on add).
    public struct Person: Sendable {
        public let uid: String
        public let dn: String
        public let password: String
        public let telephoneNumber: String
    }

    public let root: String
    public let instanceName: String
    public let baseDN = "dc=example,dc=com"
    public let directoryManagerDN = "cn=Directory Manager"
    public let directoryManagerPassword = "Directory-Manager-Pw1"
    /// Not a person (account + simpleSecurityObject, outside `ou=people`); reads everything
    /// but userPassword, nsUniqueId included.
    public let serviceDN = "uid=veneer-service,ou=services,dc=example,dc=com"
    public let servicePassword = "veneer-service-Pw1"
    public let people: [Person]
    private let portState: Mutex<Int>
    private let process: Mutex<TestChildProcess?>

    public var port: Int { portState.withLock { $0 } }
    public var url: String { "ldap://127.0.0.1:\(port)" }
    public var configDirectory: String { "\(root)/etc/dirsrv/slapd-\(instanceName)" }
    public var accessLogPath: String { "\(root)/var/log/dirsrv/slapd-\(instanceName)/access" }
    private var pidFile: String { "\(root)/run/dirsrv/slapd-\(instanceName).pid" }
    private var serverLog: String { "\(root)/ns-slapd.out" }

    private init(root: String, instanceName: String, port: Int, people: [Person]) {
        self.root = root
        self.instanceName = instanceName
        self.people = people
        self.portState = Mutex(port)
        self.process = Mutex(nil)
    }

    /// Creates the instance, starts it and loads `people` people (user01, user02, …).
    public static func start(people count: Int = 5) async throws -> DS389Fixture {
        let dscreate: String
        let nsSlapd: String
        do {
            dscreate = try TestProcess.findExecutable("dscreate")
            nsSlapd = try TestProcess.findExecutable("ns-slapd")
        } catch {
            throw TestProcessError("389 Directory Server is not installed (apt-get install --no-install-recommends 389-ds-base): \(error)")
        }
        guard geteuid() == 0 else {
            throw TestProcessError("DS389Fixture needs root: dscreate hands the instance to the dirsrv user")
        }
        guard let dirsrv = getpwnam("dirsrv") else { throw TestProcessError("no dirsrv user (is 389-ds-base installed?)") }
        let (uid, gid) = (dirsrv.pointee.pw_uid, dirsrv.pointee.pw_gid)

        let root = try TestProcess.makeTemporaryDirectory(prefix: "veneer-389ds")
        // Every path of the instance lies in `root`, so the name need not be unique; the pid
        // tells whose a leftover instance (kept with VENEER_KEEP_389DS) was.
        let instanceName = "veneer\(getpid())"
        let people = (1...max(1, count)).map { index in
            let uid = String(format: "user%02d", index)
            return Person(
                uid: uid, dn: "uid=\(uid),ou=people,dc=example,dc=com", password: "password-\(uid)-Pw1",
                telephoneNumber: String(format: "+1 555 01%02d", index))
        }
        do {
            try prepareRoot(root, instanceName: instanceName, uid: uid, gid: gid)
            let port = try TestPorts.freeServerPort()
            let securePort = try TestPorts.freeServerPort()
            let inf = "\(root)/instance.inf"
            try """
            [general]
            config_version = 2
            full_machine_name = localhost
            start = False
            strict_host_checking = False
            selinux = False
            systemd = False
            [slapd]
            instance_name = \(instanceName)
            port = \(port)
            secure_port = \(securePort)
            root_password = Directory-Manager-Pw1
            self_sign_cert = False
            [backend-userroot]
            sample_entries = no
            suffix = dc=example,dc=com
            create_suffix_entry = True

            """.write(toFile: inf, atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["PREFIX"] = root
            try await TestProcess.runChecked(dscreate, ["from-file", inf], environment: environment, currentDirectory: root)

            let fixture = DS389Fixture(root: root, instanceName: instanceName, port: port, people: people)
            try fixture.editConfig(port: port)
            // The port was free when dscreate ran, ~10 s ago: if someone took it since, move.
            var lastError: Error = TestProcessError("ns-slapd did not start")
            for attempt in 0..<4 {
                if attempt > 0 { try fixture.editConfig(port: try TestPorts.freeServerPort()) }
                do {
                    try await fixture.launch(nsSlapd)
                    try await fixture.load()
                    return fixture
                } catch {
                    lastError = error
                    await fixture.terminateServer()
                }
            }
            throw lastError
        } catch {
            TestProcess.removeDirectory(root)
            throw error
        }
    }

    /// Runs `body` with a started fixture and always stops it afterwards.
    public static func with<T>(
        people: Int = 5, isolation: isolated (any Actor)? = #isolation, _ body: (DS389Fixture) async throws -> T
    ) async throws -> T {
        let fixture = try await start(people: people)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    /// Stops the server and deletes the instance (set VENEER_KEEP_389DS=1 to keep it).
    public func stop() async {
        await terminateServer()
        if ProcessInfo.processInfo.environment["VENEER_KEEP_389DS"] == nil {
            TestProcess.removeDirectory(root)
        }
    }

    /// 389's access log: one line per connection and operation
    /// (`conn=7 op=0 BIND dn="uid=…" method=128 version=3`).
    public func accessLog() -> String {
        (try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? ""
    }

    /// How many simple binds as `dn` reached the server.
    public func bindCount(dn: String) -> Int {
        let wanted = "bind dn=\"\(dn.lowercased())\""  // compared with lowercased lines
        return accessLog().split(separator: "\n").filter { $0.lowercased().contains(wanted) }.count
    }

    /// The `nsUniqueId` of an entry as the server spells it, read as Directory Manager.
    public func nsUniqueID(of dn: String) async throws -> String {
        let result = try await TestProcess.runChecked(
            "ldapsearch",
            ["-x", "-LLL", "-o", "ldif-wrap=no", "-H", url, "-D", directoryManagerDN, "-w", directoryManagerPassword, "-b", dn,
             "-s", "base", "(objectClass=*)", "nsUniqueId"])
        for line in result.output.split(separator: "\n") where line.lowercased().hasPrefix("nsuniqueid: ") {
            return String(line.dropFirst("nsuniqueid: ".count))
        }
        throw TestProcessError("no nsUniqueId on \(dn):\n\(result.output)")
    }

    public func logTail(lines: Int = 40) -> String {
        let errors = "\(root)/var/log/dirsrv/slapd-\(instanceName)/errors"
        let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    deinit {
        process.withLock { $0?.kill() }
    }

    // MARK: Setting up

    /// The private copy of the package's data and configuration templates, with a defaults.inf
    /// whose paths all lie in `root` (see the notes at the top).
    private static func prepareRoot(_ root: String, instanceName: String, uid: uid_t, gid: gid_t) throws {
        let files = FileManager.default
        guard chmod(root, 0o755) == 0 else { throw TestProcessError("chmod \(root) failed: errno \(errno)") }
        try files.createDirectory(atPath: "\(root)/share", withIntermediateDirectories: true)
        try files.createDirectory(atPath: "\(root)/etc/dirsrv", withIntermediateDirectories: true)
        try files.copyItem(atPath: "/usr/share/dirsrv", toPath: "\(root)/share/dirsrv")
        try files.copyItem(atPath: "/etc/dirsrv/config", toPath: "\(root)/etc/dirsrv/config")
        try files.copyItem(atPath: "/etc/dirsrv/schema", toPath: "\(root)/etc/dirsrv/schema")
        let defaults = """
            [slapd]
            product = 389 Directory Server
            version = 2.3.1
            asan_enabled = 0
            enable_rust = no
            with_systemd = 0
            with_selinux = no
            prefix = \(root)
            bin_dir = /usr/bin
            sbin_dir = /usr/sbin
            lib_dir = \(libraryDirectory)
            data_dir = \(root)/share
            tmp_dir = /tmp
            sysconf_dir = \(root)/etc
            initconfig_dir = \(root)/etc/default
            config_dir = \(root)/etc/dirsrv/slapd-{instance_name}
            local_state_dir = \(root)/var
            run_dir = \(root)/run/dirsrv
            ldapi = \(root)/run/slapd-{instance_name}.socket
            pid_file = \(root)/run/dirsrv/slapd-{instance_name}.pid
            ldapi_listen = off
            ldapi_autobind = off
            inst_dir = \(root)/lib/dirsrv/slapd-{instance_name}
            plugin_dir = \(libraryDirectory)/dirsrv/plugins
            system_schema_dir = \(root)/share/dirsrv/schema
            tmpfiles_d = \(root)/etc/tmpfiles.d
            user = dirsrv
            group = dirsrv
            root_dn = cn=Directory Manager
            schema_dir = \(root)/etc/dirsrv/slapd-{instance_name}/schema
            cert_dir = \(root)/etc/dirsrv/slapd-{instance_name}
            lock_dir = \(root)/run/lock/dirsrv/slapd-{instance_name}
            log_dir = \(root)/var/log/dirsrv/slapd-{instance_name}
            access_log = \(root)/var/log/dirsrv/slapd-{instance_name}/access
            audit_log = \(root)/var/log/dirsrv/slapd-{instance_name}/audit
            error_log = \(root)/var/log/dirsrv/slapd-{instance_name}/errors
            security_log = \(root)/var/log/dirsrv/slapd-{instance_name}/security
            db_dir = \(root)/var/lib/dirsrv/slapd-{instance_name}/db
            db_home_dir = \(root)/var/lib/dirsrv/slapd-{instance_name}/dbhome
            backup_dir = \(root)/var/lib/dirsrv/slapd-{instance_name}/bak
            ldif_dir = \(root)/var/lib/dirsrv/slapd-{instance_name}/ldif

            """
        try defaults.write(toFile: "\(root)/share/dirsrv/inf/defaults.inf", atomically: true, encoding: .utf8)
        for directory in [
            "etc/default", "etc/tmpfiles.d", "lib/dirsrv", "run/dirsrv", "run/lock/dirsrv/slapd-\(instanceName)",
            "var/log/dirsrv/slapd-\(instanceName)", "var/lib/dirsrv/slapd-\(instanceName)",
        ] {
            try files.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        // Owned by dirsrv, 0755: ns-slapd writes its pid, lock, logs and database there.
        for directory in [
            "run", "run/dirsrv", "run/lock", "run/lock/dirsrv", "run/lock/dirsrv/slapd-\(instanceName)", "var", "var/log",
            "var/log/dirsrv", "var/log/dirsrv/slapd-\(instanceName)", "var/lib", "var/lib/dirsrv",
            "var/lib/dirsrv/slapd-\(instanceName)",
        ] {
            let path = "\(root)/\(directory)"
            guard chown(path, uid, gid) == 0, chmod(path, 0o755) == 0 else {
                throw TestProcessError("cannot hand \(path) to dirsrv: errno \(errno)")
            }
        }
    }

    /// Where the package keeps its libraries and plug-ins (the multiarch path of this machine).
    private static var libraryDirectory: String {
        let candidates = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"]
        return candidates.first { FileManager.default.fileExists(atPath: "\($0)/dirsrv/plugins") } ?? candidates[0]
    }

    /// Sets the port, loopback only and an unbuffered access log in cn=config (server stopped).
    private func editConfig(port: Int) throws {
        let path = "\(configDirectory)/dse.ldif"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [String] = []
        var inConfig = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("dn: ") { inConfig = line.lowercased() == "dn: cn=config" }
            let lowered = line.lowercased()
            if inConfig, lowered.hasPrefix("nsslapd-listenhost:") || lowered.hasPrefix("nsslapd-accesslog-logbuffering:") {
                continue  // written again below
            }
            if inConfig, lowered.hasPrefix("nsslapd-port:") {
                lines += ["nsslapd-port: \(port)", "nsslapd-listenhost: 127.0.0.1", "nsslapd-accesslog-logbuffering: off"]
                continue
            }
            lines.append(line)
        }
        guard lines.contains("nsslapd-port: \(port)") else { throw TestProcessError("no nsslapd-port in \(path)") }
        // In place, not atomically: the file stays dirsrv's (mode 0600), which ns-slapd rewrites.
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
        portState.withLock { $0 = port }
    }

    private func launch(_ nsSlapd: String) async throws {
        let child = try TestChildProcess(nsSlapd, ["-D", configDirectory, "-i", pidFile, "-d", "0"], logPath: serverLog)
        process.withLock { $0 = child }
        do {
            try await TestPorts.waitUntilListening(port: port, timeout: .seconds(60), stillStarting: { child.isRunning })
        } catch {
            throw TestProcessError("ns-slapd did not start: \(error)\n\(child.logTail())\n\(logTail())")
        }
    }

    /// People, the service account and its ACI, added over LDAP as Directory Manager.
    private func load() async throws {
        var ldif = """
            dn: ou=people,dc=example,dc=com
            objectClass: top
            objectClass: organizationalUnit
            ou: people

            dn: ou=services,dc=example,dc=com
            objectClass: top
            objectClass: organizationalUnit
            ou: services

            dn: \(serviceDN)
            objectClass: top
            objectClass: account
            objectClass: simpleSecurityObject
            uid: veneer-service
            userPassword: \(servicePassword)

            """
        for person in people {
            ldif += """

                dn: \(person.dn)
                objectClass: top
                objectClass: person
                objectClass: organizationalPerson
                objectClass: inetOrgPerson
                uid: \(person.uid)
                cn: Test \(person.uid)
                sn: \(person.uid)
                mail: \(person.uid)@example.com
                telephoneNumber: \(person.telephoneNumber)
                userPassword: \(person.password)

                """
        }
        ldif += """

            dn: dc=example,dc=com
            changetype: modify
            add: aci
            aci: (targetattr!="userPassword")(version 3.0; acl "veneer service reads"; allow (read, search, compare) userdn="ldap:///\(serviceDN)";)

            """
        let file = "\(root)/people.ldif"
        try ldif.write(toFile: file, atomically: true, encoding: .utf8)
        try await TestProcess.runChecked(
            "ldapmodify", ["-x", "-a", "-H", url, "-D", directoryManagerDN, "-w", directoryManagerPassword, "-f", file])
    }

    private func terminateServer() async {
        let child = process.withLock { process in
            defer { process = nil }
            return process
        }
        await child?.terminate(grace: .seconds(15))
    }
}
