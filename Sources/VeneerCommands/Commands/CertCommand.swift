import ArgumentParser
import Foundation

/// `veneer cert`: a development CA and server certificate, so LDAPS and StartTLS can be tried
/// (and tested) without a real PKI.
struct CertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert",
        abstract: "Create a self-signed development CA and a server certificate for LDAPS/StartTLS.",
        discussion: """
            Writes ca.pem (give it to clients: LDAPTLS_CACERT=ca.pem), cert.pem and key.pem (mode 0600). \
            Not for production: use certificates from your own CA there.
            """)

    @Option(name: .customLong("host"), help: "A name or IP address clients use to reach the server (repeatable).")
    var hosts: [String] = ["localhost", "127.0.0.1", "::1"]

    @Option(help: "The directory to write ca.pem, cert.pem and key.pem to.")
    var out = "conf/tls"

    @Option(help: "Days the server certificate is valid.")
    var days = 365

    @Flag(help: "Replace existing files.")
    var force = false

    @Option(name: [.customShort("c"), .customLong("config")], help: "The configuration file the printed lines are for.")
    var config = "conf/veneer.toml"

    func run() throws {
        let files: DevelopmentCertificates.WrittenFiles
        do {
            files = try DevelopmentCertificates.generate(hosts: hosts, days: days).write(to: out, overwrite: force)
        } catch {
            printError("veneer cert: \(error)")
            throw ExitCode.failure
        }
        print("Wrote \(files.ca) (the development CA: clients trust it, e.g. LDAPTLS_CACERT=\(files.ca))")
        print("Wrote \(files.certificate) (for \(hosts.joined(separator: ", ")), valid \(days) days)")
        print("Wrote \(files.privateKey) (mode 0600)")
        print("")
        print("Add to \(config):")
        print("")
        print("[tls]")
        print("certificate = \"\(relative(files.certificate))\"")
        print("private_key = \"\(relative(files.privateKey))\"")
        print("")
        print("[[listener]]")
        print("address = \"127.0.0.1\"")
        print("port = 3636")
        print("security = \"ldaps\"")
    }

    /// `path` as the configuration file will resolve it: relative to the file's directory
    /// when it lies below it, absolute otherwise.
    private func relative(_ path: String) -> String {
        let directory = FileAccess.directory(of: config)
        let absolute = path.hasPrefix("/") ? path : FileAccess.currentDirectory() + "/" + path
        let normalized = absolute.replacingOccurrences(of: "/./", with: "/")
        return normalized.hasPrefix(directory + "/") ? String(normalized.dropFirst(directory.count + 1)) : normalized
    }
}
