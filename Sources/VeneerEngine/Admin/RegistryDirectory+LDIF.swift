import Foundation
import LDAPCore
import VeneerStore

/// `veneer import` / `veneer export`: registry entries and their overlay values as LDIF.
public struct RegistryImportPlan: Sendable {
    public var items: [RegistryImportItem]
    /// Things the operator should know (hashed passwords that cannot be converted, …).
    public var warnings: [String]
    /// Records not imported because the registry provides them (the suffix entry).
    public var skipped: Int
    /// Operational or derived attributes left out, with how many entries had them.
    public var ignoredAttributes: [String: Int]
}

extension RegistryDirectory {
    /// Attributes a directory maintains itself (OpenLDAP, AD, Veneer's derived ones): not
    /// stored. entryUUID and objectGUID become the entry's id instead.
    static let ignoredOnImport: Set<String> = [
        "entryuuid", "objectguid", "entrycsn", "createtimestamp", "modifytimestamp", "creatorsname", "modifiersname",
        "structuralobjectclass", "entrydn", "subschemasubentry", "hassubordinates", "numsubordinates", "memberof", "contextcsn",
        "pwdchangedtime", "pwdfailuretime", "pwdaccountlockedtime",
        "usncreated", "usnchanged", "whencreated", "whenchanged", "dscorepropagationdata", "instancetype", "objectsid",
        "pwdlastset", "badpwdcount", "badpasswordtime", "lastlogon", "lastlogoff", "lastlogontimestamp", "logoncount",
        "replpropertymetadata",
        "iscriticalsystemobject", "samaccounttype", "primarygroupid", "objectcategory", "distinguishedname", "name",
        "veneerrole", "sipidentityusername", "sipidentitysipuri", "sipidentitypassword", "fsa1hash",
        "astaccountrealmedpassword", "veneerdigestsha256",
    ]
    /// Object classes the overlay adds when serving: not stored with the entry.
    static let overlayClasses: Set<String> = [OverlayObjectClass.user, OverlayObjectClass.sipIdentity, OverlayObjectClass.asteriskSIPUser].reduce(into: []) { $0.insert($1.lowercased()) }

    /// Turns LDIF records into registry entries under this registry's suffix. With
    /// `rebase`, DNs under that base (and DN values under it) are moved under the suffix.
    /// Nothing is written: the whole file is checked first, and refused as a whole.
    public func importPlan(_ records: [LDIFRecord], rebase: DistinguishedName? = nil) throws(AdministrationError) -> RegistryImportPlan {
        var plan = RegistryImportPlan(items: [], warnings: [], skipped: 0, ignoredAttributes: [:])
        var outside: [String] = []
        var seenDNs: [DistinguishedName: Int] = [:]
        var seenIDs: Set<EntryID> = []
        // Password-equivalent attribute (first spelling seen) → entries that had it.
        var secretsDropped: [String: Int] = [:]
        func problem(_ record: LDIFRecord, _ message: String) -> AdministrationError {
            AdministrationError(.refused, "line \(record.line) (\(record.dn.prefix(120))): \(message)")
        }
        func moved(_ dn: DistinguishedName) -> DistinguishedName? {
            guard let rebase else { return dn }
            return dn.replacingSuffix(rebase, with: suffix)
        }
        for record in records {
            guard let parsed = try? DistinguishedName(record.dn), !parsed.isRoot else { throw problem(record, "not a valid DN") }
            guard let dn = moved(parsed), dn.isDescendantOrSelf(of: suffix) else {
                outside.append(record.dn)
                continue
            }
            if dn == suffix {
                plan.skipped += 1
                continue
            }
            if let line = seenDNs[dn] { throw problem(record, "the same DN as the record at line \(line)") }
            seenDNs[dn] = record.line

            var attributes: [(type: String, values: [[UInt8]])] = []
            var password: String?
            var changes: [OverlayChange] = []
            var id: EntryID?
            for attribute in record.attributes {
                let type = attribute.type
                let key = AttributeName(type).key
                if PasswordEquivalentAttributes.contains(type) {
                    let spelling = secretsDropped.keys.first { AttributeName($0).key == key } ?? type
                    secretsDropped[spelling, default: 0] += 1
                    continue
                }
                switch key {
                case "entryuuid":
                    id = attribute.values.first.flatMap { String(validating: $0, as: UTF8.self) }.flatMap(EntryID.init)
                    continue
                case "objectguid":
                    // AD's id (exports write it base64); entryUUID wins when both are given.
                    if id == nil || !record.attributes.contains(where: { $0.type.lowercased() == "entryuuid" }) {
                        id = attribute.values.first.flatMap { MicrosoftGUID.string(fromOctets: $0) }.flatMap(EntryID.init) ?? id
                    }
                    continue
                case "userpassword":
                    for value in attribute.values {
                        guard let text = String(validating: value, as: UTF8.self), !text.isEmpty else { continue }
                        if text.hasPrefix("{"), let close = text.firstIndex(of: "}") {
                            plan.warnings.append(
                                "\(dn): userPassword is a \(text[...close]) hash, which cannot be converted; the entry gets no password (set one with ldappasswd)")
                        } else if password == nil {
                            password = text
                        }
                    }
                    continue
                case "veneeralias":
                    var aliases: [String] = []
                    for value in attribute.values {
                        guard let alias = String(validating: value, as: UTF8.self) else { throw problem(record, "a veneerAlias value is not UTF-8") }
                        aliases.append(alias)
                    }
                    changes.append(.addAliases(aliases))
                    continue
                case "veneerextension":
                    guard attribute.values.count == 1, let number = String(validating: attribute.values[0], as: UTF8.self) else {
                        throw problem(record, "veneerExtension takes one value")
                    }
                    changes.append(.setExtension(number))
                    continue
                case "veneeractive":
                    guard attribute.values.count == 1, let active = ["TRUE": true, "FALSE": false][String(decoding: attribute.values[0], as: UTF8.self)] else {
                        throw problem(record, "veneerActive takes one value, TRUE or FALSE")
                    }
                    if !active { changes.append(.setActive(false)) }
                    continue
                default:
                    break
                }
                if Self.ignoredOnImport.contains(key) {
                    plan.ignoredAttributes[type, default: 0] += 1
                    continue
                }
                var values = attribute.values
                if key == "objectclass" {
                    values.removeAll { Self.overlayClasses.contains(String(decoding: $0, as: UTF8.self).lowercased()) }
                }
                if let rebase {
                    values = values.map { value in
                        guard let text = String(validating: value, as: UTF8.self), text.contains("="),
                            let valueDN = try? DistinguishedName(text), !valueDN.isRoot,
                            let rewritten = valueDN.replacingSuffix(rebase, with: suffix)
                        else { return value }
                        return Array(rewritten.description.utf8)
                    }
                }
                if !values.isEmpty { attributes.append((type, values)) }
            }
            let entryID = id.flatMap { seenIDs.contains($0) ? nil : $0 } ?? EntryID.random()
            seenIDs.insert(entryID)
            plan.items.append(RegistryImportItem(
                entry: RegistryEntry(id: entryID, dn: dn.description, attributes: attributes), password: password, overlay: changes))
        }
        for (type, count) in secretsDropped.sorted(by: { $0.key.lowercased() < $1.key.lowercased() }) {
            // The name and a count only: the values are secrets and never leave the file.
            plan.warnings.append(
                "\(type) dropped from \(count) entr\(count == 1 ? "y" : "ies"): it is password-equivalent (anyone who reads it can log in as the person), so the registry never stores or serves it")
        }
        if !outside.isEmpty {
            let shown = outside.prefix(5).joined(separator: "; ") + (outside.count > 5 ? "; …" : "")
            let hint = rebase == nil ? " (give --rebase OLD_BASE to move entries from another base)" : ""
            throw AdministrationError(
                .refused, "\(outside.count) entr\(outside.count == 1 ? "y is" : "ies are") not under the registry suffix \(suffix)\(hint): \(shown)")
        }
        try checkImportedAliases(plan.items)
        return plan
    }

    /// Imports a plan in one transaction. With `replace`, existing entries (same entryUUID,
    /// or else the same DN) are replaced, overlay values included: aliases, extension and
    /// activation become what the file says.
    /// `passwordsHashed`: see `VeneerStore.importRegistry`.
    public func importEntries(
        _ plan: RegistryImportPlan, replace: Bool, audit: AuditContext, passwordsHashed: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(AdministrationError) -> RegistryImportSummary {
        var items = plan.items
        if replace {
            for index in items.indices {
                let given = items[index].overlay
                var aliases: [String] = []
                var number: String?
                var active = true
                for change in given {
                    switch change {
                    case .addAliases(let values): aliases += values
                    case .setExtension(let value): number = value
                    case .setActive(let value): active = value
                    default: break
                    }
                }
                items[index].overlay = [.replaceAliases(aliases), .setExtension(number), .setActive(active)]
            }
        }
        do {
            return try overlay.store.importRegistry(items, replace: replace, audit: audit, passwordsHashed: passwordsHashed)
        } catch {
            throw AdministrationError.from(error)
        }
    }

    /// The registry as LDIF: the suffix entry, then every entry parents first, with its
    /// entryUUID and overlay values (veneerAlias, veneerExtension, veneerActive when FALSE).
    /// Never passwords or digest secrets. `veneer import` reads it back unchanged. `entries`
    /// counts the records written, the suffix entry included: what the file's `dn:` lines say.
    /// `written` is called with the count written so far and the total.
    public func exportLDIF(written: ((Int, Int) -> Void)? = nil) -> (ldif: String, entries: Int) {
        var text = "version: 1\n# Veneer registry export: entries with their overlay values.\n# No passwords and no SIP digest secrets.\n\n"
        let all = entries()
        for (index, located) in all.enumerated() {
            defer { written?(index + 1, all.count) }
            var attributes = located.entry.attributes.map { LDIFAttribute(type: $0.type, values: $0.values) }
            if located.entry.id != Self.suffixID {
                attributes.insert(LDIFAttribute(type: "entryUUID", values: [Array(located.entry.id.rawValue.utf8)]), at: 0)
                if let record = overlay.store.overlay(for: located.entry.id) {
                    var extra: [LDIFAttribute] = []
                    if !record.aliases.isEmpty { extra.append(LDIFAttribute(type: OverlayAttribute.alias.rawValue, values: record.aliases.map { Array($0.utf8) })) }
                    if let number = record.extensionNumber { extra.append(LDIFAttribute(type: OverlayAttribute.extensionNumber.rawValue, values: [Array(number.utf8)])) }
                    if !record.active { extra.append(LDIFAttribute(type: OverlayAttribute.active.rawValue, values: [Array("FALSE".utf8)])) }
                    if !extra.isEmpty {
                        // The auxiliary class, so the file also loads into a directory with the veneer schema.
                        if let index = attributes.firstIndex(where: { $0.type.lowercased() == "objectclass" }) {
                            attributes[index].values.append(Array(OverlayObjectClass.user.utf8))
                        }
                        attributes += extra
                    }
                }
            }
            text += LDIFWriter.record(LDIFRecord(dn: located.entry.dn, attributes: attributes))
        }
        return (text, all.count)
    }
}
