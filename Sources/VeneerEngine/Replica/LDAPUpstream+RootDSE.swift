import LDAPClient
import LDAPCore

extension LDAPUpstream {
    /// Attributes of the upstream's root DSE (RFC 4512 §5.1) as text, by lowercased name:
    /// what the sync reads to choose its method, find the schema and note the USN.
    func rootDSE(_ attributes: [String]) async throws -> [String: [String]] {
        let request = SearchRequest(baseObject: "", scope: .baseObject, filter: .objectClassPresent, attributes: attributes)
        var values: [String: [String]] = [:]
        for try await event in search(request, paging: false) {
            guard case .entry(let entry, _) = event else { continue }
            for attribute in entry.attributes {
                values[attribute.type.lowercased(), default: []] += attribute.values.map { String(decoding: $0, as: UTF8.self) }
            }
        }
        return values
    }
}
