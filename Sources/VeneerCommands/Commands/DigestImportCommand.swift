import ArgumentParser
import Foundation
import VeneerEngine
import VeneerStore

/// `veneer digest import FILE`: SIP digest secrets for many people at once, from a CSV file
/// (moving from another PBX's user list), or random ones made here and printed once
/// (`--generate`, as sipXecs offers when provisioning phones).
struct DigestImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Set SIP digest secrets for many people from a CSV file, or generate random ones.",
        discussion: """
            The first line names the columns, in any order:
              login       required: DN, login name, UPN, e-mail address or alias of the person
              realm       optional: the SIP realm (empty or absent: --realm, else [overlay.digest] realm)
              username    optional: the SIP user name (default: the person's [overlay.digest] user_name_attribute)
              password    the SIP password (the HA1 hashes are derived from it; it is not kept), or
              ha1_md5 and ha1_sha256: the hashes themselves (32 and 64 hex digits), from a system that kept only them.
            With --generate the file has no password or hash columns: a random password (20 characters) is made for \
            each row and printed once, as CSV (login,dn,realm,username,password) on standard output; store it where \
            the phones are provisioned from, Veneer keeps only the hashes.
            Every row is checked (the person found, the values well-formed) before anything is written; then all \
            secrets are stored in one transaction, with one audit row per person and no secret in it.
            """)

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "The CSV file (\"-\" for standard input).") var file: String
    @Option(help: "The SIP realm for rows without one (default: [overlay.digest] realm).") var realm: String?
    @Flag(help: "Generate a random password per row and print them once.") var generate = false

    func run() async throws {
        let text: String
        do {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            guard let decoded = String(data: data, encoding: .utf8) else {
                printError("veneer: \(file) is not UTF-8 text")
                throw ExitCode(65)
            }
            text = decoded
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("veneer: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(66)
        }
        let rows: [DigestImportRow]
        do {
            rows = try DigestImportRow.read(text, generate: generate)
        } catch {
            printError("veneer: \(file): \(error)")
            throw ExitCode(65)
        }
        try await AdministrationContext.run(config) { context in
            var credentials: [(entry: AdminEntry, credential: DigestCredential)] = []
            var printed: [String] = []
            var problems: [String] = []
            for row in rows {
                do {
                    let entry = try await context.directory.find(row.login)
                    let identity = try context.directory.digestIdentity(of: entry, realm: row.realm ?? realm)
                    let userName = row.userName ?? identity.userName
                    let credential: DigestCredential
                    switch row.secret {
                    case .password(let password):
                        credential = DigestCredential(username: userName, realm: identity.realm, password: password)
                    case .hashes(let md5, let sha256):
                        credential = DigestCredential(realm: identity.realm, username: userName, ha1MD5: md5, ha1SHA256: sha256)
                    case .generate:
                        let password = DigestImportRow.randomPassword()
                        credential = DigestCredential(username: userName, realm: identity.realm, password: password)
                        printed.append([row.login, entry.dn, identity.realm, userName, password].map(AuditFormat.csvField).joined(separator: ","))
                    }
                    credentials.append((entry, credential))
                } catch let error as AdministrationError {
                    problems.append("line \(row.line): \(error.message)")
                }
            }
            guard problems.isEmpty else {
                for problem in problems { printError("veneer: \(file): \(problem)") }
                throw AdministrationError(.refused, "nothing imported: \(problems.count) of \(rows.count) row(s) refused")
            }
            try await context.directory.setDigests(credentials, audit: context.audit)
            if generate {
                printOutput("login,dn,realm,username,password")
                for line in printed { printOutput(line) }
            }
            printError("veneer: SIP digest secrets set for \(credentials.count) people from \(file)")
        }
    }
}
