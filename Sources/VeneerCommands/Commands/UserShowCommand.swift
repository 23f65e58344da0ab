import ArgumentParser
import Foundation
import VeneerEngine

/// `veneer user show NAME`: the entry as a client sees it, and where each value comes from.
struct UserShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a person's merged entry and the source of each attribute (upstream, registry, local, derived).",
        discussion: "NAME is a DN, a login name (uid, sAMAccountName, DOMAIN\\user), a UPN or e-mail address, or an alias.")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            printOutput(Self.render(entry))
        }
    }

    static func render(_ entry: AdminEntry) -> String {
        var lines = ["dn: \(entry.dn)", "# entry id: \(entry.id)"]
        lines.append("# active: \(entry.active ? "yes" : "no (deactivated locally: cannot authenticate)")")
        lines.append("# SIP digest secret: " + (entry.digestRealms.isEmpty ? "none" : "set for realm " + entry.digestRealms.joined(separator: ", ")))
        let shown = entry.attributes.flatMap { attribute in
            attribute.values.map { value -> (String, AttributeSource) in
                let text = LDIFWriter.isSafe(value) ? "\(attribute.type): \(String(decoding: value, as: UTF8.self))" : "\(attribute.type):: \(Data(value).base64EncodedString())"
                return (text, attribute.source)
            }
        }
        let width = min(shown.map(\.0.count).max() ?? 0, 70)
        for (text, source) in shown {
            lines.append(text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) + "  [\(source.rawValue)]")
        }
        return lines.joined(separator: "\n")
    }
}
