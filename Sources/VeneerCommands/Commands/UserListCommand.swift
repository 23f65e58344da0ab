import ArgumentParser
import Foundation

/// `veneer user list`: every person the view shows (the upstream's visible users, or the
/// registry's people) with their overlay values.
struct UserListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List people: DN, uid, aliases, extension, active.")

    @OptionGroup var config: ConfigurationOption

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let people = try await context.directory.list()
            let rows = people.map { person in
                [person.dn, person.loginName, person.aliases.isEmpty ? "-" : person.aliases.joined(separator: ","),
                 person.extensionNumber ?? "-", person.active ? "yes" : "no"]
            }
            printOutput(Table.render(header: ["DN", "UID", "ALIASES", "EXTENSION", "ACTIVE"], rows: rows))
            printOutput("\(people.count) \(people.count == 1 ? "person" : "people")")
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
