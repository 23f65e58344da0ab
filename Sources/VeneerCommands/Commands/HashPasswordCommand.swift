import ArgumentParser
import VeneerStore

/// `veneer hash-password`: the PBKDF2 hash for `[superadmin] password_hash`.
struct HashPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password", abstract: "Print the PBKDF2-SHA256 hash of a password, for [superadmin] password_hash.",
        discussion: "Read from the terminal without echo (asked twice), or with --password-stdin from standard input.")

    @Flag(help: "Read the password from the first line of standard input instead of the terminal.") var passwordStdin = false
    @Option(help: "PBKDF2 rounds.") var iterations = 600_000

    func run() async throws {
        let password: String
        do {
            password = passwordStdin ? try PasswordReader.fromStandardInput() : try PasswordReader.fromTerminal(prompt: "Password: ")
        } catch let refusal as PasswordReader.Refusal {
            printError("veneer: \(refusal.description)")
            throw ExitCode.failure
        }
        do {
            printOutput(try PasswordHashing.hash(password, iterations: iterations))
        } catch {
            printError("veneer: \(error)")
            throw ExitCode.failure
        }
    }
}
