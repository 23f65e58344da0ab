import Foundation
import Logging
import VeneerEngine

extension VeneerConfiguration {
    /// The schema served in cn=Subschema: `schemas/*.schema` next to the configuration
    /// directory (the repository layout, and /etc/veneer + /etc/veneer/../schemas when
    /// installed). Missing files only cost browsers their schema, so that is a warning.
    func subschema(logger: Logger) throws -> SubschemaDefinitions {
        let configDirectory = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
        let directory = configDirectory.deletingLastPathComponent().appendingPathComponent("schemas")
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".schema") }).sorted(),
            !files.isEmpty
        else {
            logger.warning("no schema files in \(directory.path); cn=Subschema will be empty")
            return SubschemaDefinitions()
        }
        var merged = SubschemaDefinitions()
        for file in files {
            let path = directory.appendingPathComponent(file).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                let definitions = try SubschemaDefinitions.parse(openLDAPSchema: text)
                merged.attributeTypes += definitions.attributeTypes
                merged.objectClasses += definitions.objectClasses
            } catch {
                throw ConfigurationError(file: path, "\(error)")
            }
        }
        return merged
    }
}
