import ArgumentParser
import Foundation
import LDAPCore
import VeneerEngine

/// `veneer import FILE.ldif`: loads registry entries (users, groups, OUs) from LDIF, e.g. an
/// export from Active Directory (ldifde, ldapsearch -L) or slapcat, in one transaction.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load registry entries from an LDIF file (registry mode).",
        discussion: """
            Entries must be under [directory] suffix (--rebase moves them from another base, DN values \
            included). A cleartext userPassword becomes the entry's password (hashed); {SSHA}-style \
            hashes cannot be converted and are skipped with a warning. veneerAlias, veneerExtension \
            and veneerActive values go to the overlay. Existing entries (same entryUUID or DN) are \
            refused unless --replace. Nothing is written unless the whole file is accepted.
            """)

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "The LDIF file.") var file: String
    @Option(help: ArgumentHelp("Rewrite DNs (and DN values) under this base to the registry suffix.", valueName: "old-base")) var rebase: String?
    @Flag(help: "Replace entries that already exist instead of refusing.") var replace = false
    @OptionGroup var progress: ProgressOption

    func run() async throws {
        let oldBase: DistinguishedName?
        if let rebase {
            guard let parsed = try? DistinguishedName(rebase), !parsed.isRoot else {
                throw ValidationError("--rebase \"\(rebase)\" is not a DN")
            }
            oldBase = parsed
        } else {
            oldBase = nil
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("veneer: cannot read \(file)")
            throw ExitCode(66)
        }
        let records: [LDIFRecord]
        do {
            records = try LDIFReader.parse(Array(data))
        } catch {
            printError("veneer: \(file): \(error)")
            throw ExitCode(65)
        }
        try await AdministrationContext.run(config) { context in
            let registry = try context.requireRegistry(for: "veneer import")
            let plan = try registry.importPlan(records, rebase: oldBase)
            for warning in plan.warnings { printError("warning: \(warning)") }
            let reporter = progress.reporter("importing")
            let summary = try registry.importEntries(plan, replace: replace, audit: context.audit) { reporter.update($0, of: $1, "passwords hashed") }
            var report = "imported \(summary.added + summary.replaced) entries from \(file): \(summary.added) added, \(summary.replaced) replaced; "
            report += "\(summary.passwordsSet) password\(summary.passwordsSet == 1 ? "" : "s") set, overlay values for \(summary.overlaysChanged)"
            if plan.skipped > 0 { report += "; \(plan.skipped) skipped (the suffix entry, which the registry provides)" }
            printOutput(report)
            if !plan.ignoredAttributes.isEmpty {
                let list = plan.ignoredAttributes.sorted { $0.key.lowercased() < $1.key.lowercased() }.map { "\($0.key) (\($0.value))" }
                printOutput("ignored operational or derived attributes: \(list.joined(separator: ", "))")
            }
        }
    }
}
