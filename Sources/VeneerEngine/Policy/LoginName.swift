/// The forms a login name takes besides a DN (seed 000): `user@domain` (a UPN or an e-mail
/// address), `DOMAIN\user` or `sub.domain\user` (down-level), or a bare account name.
enum LoginName: Equatable {
    /// `user@domain`, looked up whole.
    case principal(String)
    /// The account name, with the domain it was qualified with (nil when bare).
    case account(String, domain: String?)

    init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        if let backslash = text.firstIndex(of: "\\") {
            let domain = String(text[..<backslash])
            let account = String(text[text.index(after: backslash)...])
            guard !domain.isEmpty, !account.isEmpty, !account.contains("\\") else { return nil }
            self = .account(account, domain: domain)
        } else if let at = text.lastIndex(of: "@") {
            guard at != text.startIndex, text.index(after: at) != text.endIndex else { return nil }
            self = .principal(text)
        } else {
            self = .account(text, domain: nil)
        }
    }

    /// With configured domains, a qualified name must use one of them (NetBIOS name, DNS
    /// name or UPN suffix, case-insensitively); otherwise any domain is accepted.
    func isAllowed(domains: [String]) -> Bool {
        guard !domains.isEmpty else { return true }
        let allowed = Set(domains.map { $0.lowercased() })
        switch self {
        case .account(_, let domain?): return allowed.contains(domain.lowercased())
        case .account(_, nil): return true
        case .principal(let principal):
            return principal.split(separator: "@").last.map { allowed.contains($0.lowercased()) } ?? false
        }
    }
}
