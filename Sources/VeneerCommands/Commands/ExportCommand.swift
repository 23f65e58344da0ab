import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `veneer export`: the registry and its overlay values as LDIF (never passwords or digest
/// secrets); `veneer import` reads it back.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the registry's entries and their overlay values as LDIF (registry mode; no passwords or digest secrets).")

    @OptionGroup var config: ConfigurationOption
    @Option(name: [.short, .long], help: "Write to this file (mode 0600) instead of standard output.") var output: String?
    @OptionGroup var progress: ProgressOption

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let registry = try context.requireRegistry(for: "veneer export")
            let reporter = progress.reporter("exporting")
            let (text, count) = registry.exportLDIF { reporter.update($0, of: $1, "entries") }
            guard let output else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            // Personal data: readable by the owner only.
            let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(0o600))
            guard descriptor >= 0 else {
                printError("veneer: cannot write \(output): \(String(cString: strerror(errno)))")
                throw ExitCode(73)
            }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            do {
                try handle.write(contentsOf: Data(text.utf8))
                try handle.synchronize()
            } catch {
                printError("veneer: cannot write \(output): \(error)")
                throw ExitCode(74)
            }
            printError("exported \(count) entries (the suffix entry and \(count - 1) below it) to \(output)")
        }
    }
}
