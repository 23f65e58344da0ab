import LDAPCore
import VeneerStore

/// Rules for self-service aliases beyond their format and uniqueness among aliases (the
/// store's unique index, ignoring case):
/// - an alias may not be another person's login name (uid, sAMAccountName…), ignoring case:
///   with `login_by_alias` the name would then denote two people and logins by it are refused,
///   and without it the alias would make a search for "jdoe" find someone else. A person's own
///   login name is harmless (it denotes them either way) and allowed;
/// - at most `OverlayConfiguration.maximumAliasesPerEntry` local aliases per person, so one
///   user cannot reserve a block of short numbers or names for themselves. A change that does
///   not add (removing aliases, or replacing with fewer) is always allowed, so lowering the
///   limit never locks anyone out of cleaning up.
enum AliasPolicy {
    /// Finds who, other than the entry being changed, has `alias` as a login name; returns a
    /// description (their DN) or nil. Throws when the directory cannot be asked.
    typealias LoginNameHolder = @Sendable (_ alias: String) async throws -> String?

    /// The aliases the changes add (each once, ignoring case).
    static func added(by changes: [OverlayChange]) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for change in changes {
            switch change {
            case .addAliases(let values), .replaceAliases(let values):
                for alias in values where seen.insert(alias.lowercased()).inserted { result.append(alias) }
            default:
                continue
            }
        }
        return result
    }

    /// How many local aliases the entry has after the changes (case-insensitively distinct).
    static func count(after changes: [OverlayChange], current: [String]) -> Int {
        var aliases = current.map { $0.lowercased() }
        for change in changes {
            switch change {
            case .addAliases(let values):
                for alias in values.map({ $0.lowercased() }) where !aliases.contains(alias) { aliases.append(alias) }
            case .deleteAliases(let values):
                if values.isEmpty { aliases.removeAll() } else { aliases.removeAll { values.map { $0.lowercased() }.contains($0) } }
            case .replaceAliases(let values):
                aliases = []
                for alias in values.map({ $0.lowercased() }) where !aliases.contains(alias) { aliases.append(alias) }
            default:
                continue
            }
        }
        return aliases.count
    }

    /// The refusal for changes that break a rule, or nil.
    static func refusal(
        _ changes: [OverlayChange], to id: EntryID, overlay: LocalOverlay, loginNameHolder: LoginNameHolder
    ) async -> LDAPResult? {
        let added = added(by: changes)
        guard !added.isEmpty else { return nil }
        let maximum = overlay.configuration.maximumAliasesPerEntry
        let current = overlay.store.overlay(for: id)?.aliases ?? []
        let after = count(after: changes, current: current)
        if after > maximum, after > current.count {
            return LDAPResult(
                .constraintViolation,
                diagnosticMessage: "at most \(maximum) aliases per person ([overlay] max_aliases_per_user); this change would make \(after)")
        }
        for alias in added where OverlayView.isValidAlias(alias) {
            do {
                if let holder = try await loginNameHolder(alias) {
                    return LDAPResult(
                        .constraintViolation,
                        diagnosticMessage: "alias \"\(alias)\" is the login name of \(holder); an alias may not be another person's login name")
                }
            } catch {
                // Unverified is refused: the alias could shadow a login name nobody checked.
                return LDAPResult(.unavailable, diagnosticMessage: "cannot check alias \"\(alias)\" against login names: the directory could not be asked")
            }
        }
        return nil
    }
}
