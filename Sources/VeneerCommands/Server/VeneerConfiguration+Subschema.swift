import Foundation
import VeneerEngine

/// The schema served in cn=Subschema, and where each part of it came from.
struct ServedSchema {
    var definitions = SubschemaDefinitions()
    /// One line per file: "standard.schema (built-in)" or the path of an operator's file.
    var files: [String] = []
    /// What `serve` logs and `check` reports as a warning.
    var warnings: [String] = []
}

extension VeneerConfiguration {
    /// `schemas/` next to the configuration file: operators' schema files.
    var schemaDirectory: String {
        FileAccess.directory(of: sourceFile) + "/schemas"
    }

    /// The built-in schema files (BuiltInFiles), each replaced by a file of the same name in
    /// `schemaDirectory` when there is one (an empty file leaves it out), plus that
    /// directory's other `*.schema` files. Built in, so an installed binary serves its
    /// overlay types wherever its configuration lives. A file that does not parse is a
    /// configuration error: serving half a schema would hide it.
    func servedSchema() throws -> ServedSchema {
        var texts: [(name: String, origin: String, text: String)] = BuiltInFiles.schemas.map {
            ($0.name, "\($0.name) (built-in)", String(decoding: $0.bytes, as: UTF8.self))
        }
        let local = ((try? FileManager.default.contentsOfDirectory(atPath: schemaDirectory)) ?? []).filter { $0.hasSuffix(".schema") }.sorted()
        for name in local {
            let path = schemaDirectory + "/" + name
            let text: String
            do {
                text = try FileAccess.readText(path)
            } catch {
                throw ConfigurationError(file: path, "cannot read the schema file: \(error)")
            }
            let origin = texts.contains { $0.name == name } ? "\(path) (replaces the built-in \(name))" : path
            texts.removeAll { $0.name == name }
            texts.append((name, origin, text))
        }
        var served = ServedSchema()
        for file in texts where !file.text.allSatisfy(\.isWhitespace) {
            do {
                let definitions = try SubschemaDefinitions.parse(openLDAPSchema: file.text)
                served.definitions.attributeTypes += definitions.attributeTypes
                served.definitions.objectClasses += definitions.objectClasses
                served.files.append(file.origin)
            } catch {
                throw ConfigurationError(file: file.origin, "\(error)")
            }
        }
        if served.definitions.attributeTypes.isEmpty && served.definitions.objectClasses.isEmpty {
            served.warnings.append("no schema definitions (every built-in schema file is replaced by an empty one in \(schemaDirectory)); cn=Subschema will be empty")
        }
        return served
    }
}
