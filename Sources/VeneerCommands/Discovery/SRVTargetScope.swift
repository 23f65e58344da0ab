/// Which SRV targets Veneer accepts for a domain. The certificate of a discovered server is
/// verified against the target name DNS gave, so a forged answer naming a host outside the
/// domain (with a valid certificate for that host) would otherwise pass TLS verification and
/// receive the service password and users' passwords. Only the domain itself and hosts under
/// it are accepted.
enum SRVTargetScope {
    /// Whether `target` is `domain` or a name under it, ignoring case and a trailing dot.
    static func isWithin(_ target: String, domain: String) -> Bool {
        let target = normalized(target)
        let domain = normalized(domain)
        guard !target.isEmpty, !domain.isEmpty else { return false }
        return target == domain || target.hasSuffix("." + domain)
    }

    /// The records when every target lies in `domain`; otherwise an error naming the others.
    static func checked(_ records: [SRVRecord], domain: String, serviceName: String) throws -> [SRVRecord] {
        let outside = records.filter { !isWithin($0.target, domain: domain) }
        guard outside.isEmpty else {
            let names = outside.map { "\"\($0.target.prefix(255))\"" }.joined(separator: ", ")
            throw SRVLookupError(
                name: serviceName,
                reason: "the answer names servers outside \(domain) (\(names)); refused, since TLS would trust a certificate for"
                    + " whatever host DNS names: fix the SRV records, or list the servers in upstream.servers")
        }
        return records
    }

    private static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        return name
    }
}
