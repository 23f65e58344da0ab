import Foundation
import LDAPCore
import VeneerStore

/// Adds the overlay to an entry as clients see it: the veneer* attributes, the digest
/// verifiers the identity was granted, the auxiliary object classes, aliases under the
/// attributes configured to show them. The result reads as if one directory held everything.
struct OverlayMerger: Sendable {
    let configuration: OverlayConfiguration

    /// `attributes` are the entry's client attributes (mapped from upstream, or a registry
    /// entry's own); the result has every overlay attribute the identity may read, for the
    /// caller to project onto the client's selection. With `selection`, attributes it does
    /// not want are left out already (a search asking for `cn` needs no aliases worked out).
    /// `target` may be nil when no access rule refers to the entry itself.
    func merge(
        _ attributes: [PartialAttribute], local: OverlayView.Local, lockout: LockoutState? = nil, identity: BoundIdentity,
        target: EntryReference?, selection: AttributeSelection? = nil
    ) -> [PartialAttribute] {
        var result = attributes
        var keys = attributes.map { AttributeName($0.type).key }
        func add(_ type: String, _ makeValues: @autoclosure () -> [[UInt8]]) {
            let key = AttributeName(type).key
            if let selection, !selection.wants(key, operational: AttributeSelection.operationalKeys.contains(key)) { return }
            let values = makeValues()
            guard !values.isEmpty else { return }
            if let index = keys.firstIndex(of: key) {
                for value in values where !result[index].values.contains(value) { result[index].values.append(value) }
            } else {
                keys.append(key)
                result.append(PartialAttribute(type: type, values: values))
            }
        }
        let access = configuration.access
        func readable(_ attribute: OverlayAttribute) -> Bool { access.canRead(attribute, by: identity, on: target) }

        var classes = [OverlayObjectClass.user]
        let aliases = local.aliases.map { Array($0.utf8) }
        if readable(.alias) { add(OverlayAttribute.alias.rawValue, aliases) }
        for name in configuration.presentAliasesAs { add(name, aliases) }
        if let number = local.extensionNumber, readable(.extensionNumber) {
            add(OverlayAttribute.extensionNumber.rawValue, [Array(number.utf8)])
        }
        if readable(.active) { add(OverlayAttribute.active.rawValue, [Array((local.active ? "TRUE" : "FALSE").utf8)]) }
        if readable(.role) { add(OverlayAttribute.role.rawValue, [Array(role(of: attributes).utf8)]) }
        if let digest = local.digest, let policy = configuration.digest {
            classes.append(OverlayObjectClass.sipIdentity)
            add(OverlayAttribute.sipUserName.rawValue, [Array(digest.username.utf8)])
            add(OverlayAttribute.sipURI.rawValue, [Array("sip:\(digest.username)@\(policy.realm)".utf8)])
            for attribute in OverlayAttribute.allCases where attribute.isSecret && policy.exposed.contains(attribute) && readable(attribute) {
                let value = attribute == .digestSHA256 ? digest.ha1SHA256 : digest.ha1MD5
                add(attribute.rawValue, [Array(value.utf8)])
            }
            if policy.exposed.contains(.asteriskRealmedPassword) { classes.append(OverlayObjectClass.asteriskSIPUser) }
        }
        if let lockout {
            if lockout.lockedUntil != nil, readable(.accountLockedTime) {
                // The failure that locked it is the last one counted.
                add(OverlayAttribute.accountLockedTime.rawValue, [Array(GeneralizedTimeText.string(lockout.lastFailure).utf8)])
            }
            if readable(.failureTime) {
                let times = lockout.failureCount > 1 ? [lockout.firstFailure, lockout.lastFailure] : [lockout.lastFailure]
                add(OverlayAttribute.failureTime.rawValue, times.map { Array(GeneralizedTimeText.string($0).utf8) })
            }
        }
        add("objectClass", classes.map { Array($0.utf8) })
        return result
    }

    /// The admin role for direct members of an admin group (memberOf as clients see it).
    func role(of attributes: [PartialAttribute]) -> String {
        let roles = configuration.roles
        guard !roles.adminGroups.isEmpty,
            let memberOf = attributes.first(where: { AttributeName($0.type).key == "memberof" })
        else { return roles.defaultRole }
        let groups = Set(memberOf.values.compactMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) })
        return roles.adminGroups.contains(where: groups.contains) ? roles.adminRole : roles.defaultRole
    }
}

extension AttributeSelection {
    /// Keeps what the client asked for (RFC 4511 §4.5.1.8), values dropped for typesOnly.
    /// Called on the selection Veneer read with (`adding` what it needed itself), so what it
    /// added is left out unless the client's own list covers it.
    func project(_ attributes: [PartialAttribute], typesOnly: Bool) -> [PartialAttribute] {
        attributes.compactMap { attribute in
            guard clientWants(AttributeName(attribute.type).key) else { return nil }
            return typesOnly ? PartialAttribute(type: attribute.type, values: []) : attribute
        }
    }

    /// Operational attributes the views serve (returned with `+` or by name only).
    static let operationalKeys: Set<String> = ["entryuuid", "pwdaccountlockedtime", "pwdfailuretime"]

    /// This selection plus the named attributes (for filter re-checks and derived values).
    func adding(_ names: [String]) -> AttributeSelection {
        var copy = self
        for key in names.map({ AttributeName($0).key }) where copy.named.insert(key).inserted {
            copy.added.insert(key)
        }
        if copy.none && !names.isEmpty { copy.none = false }
        return copy
    }
}

/// GeneralizedTime (RFC 4517 §3.3.13) in UTC with milliseconds, as OpenLDAP's ppolicy writes it.
enum GeneralizedTimeText {
    static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = milliseconds - seconds * 1000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        return String(
            format: "%04d%02d%02d%02d%02d%02d.%03dZ", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0, Int(fraction))
    }
}
