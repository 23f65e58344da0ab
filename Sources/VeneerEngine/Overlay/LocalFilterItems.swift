import LDAPCore
import VeneerStore

/// Decides filter items on overlay attributes for one search: which entries an item holds
/// for, as a default plus the entry ids that differ from it, so the planner can send them
/// upstream as assertions on the entry id.
struct LocalFilterItems {
    enum Outcome {
        /// The attribute has no local values: the item is the upstream's alone.
        case notLocal
        /// Undefined for every entry (a secret, an unreadable attribute, an invalid value).
        case undefined
        /// TRUE for every entry when `byDefault`, FALSE otherwise, except for these ids. The
        /// upstream's own values of the attribute count too (aliases shown as telephone
        /// numbers), unless `replacesUpstream` (the overlay's object classes are its own).
        case exact(byDefault: Bool, exceptions: Set<EntryID>, replacesUpstream: Bool = false)
        /// Equivalent to this client filter on upstream attributes (roles from memberOf).
        case derived(LDAPFilter)
        /// Too many ids to send: widen, and re-check the merged entries.
        case approximate
    }

    let view: OverlayView
    let configuration: OverlayConfiguration
    let identity: BoundIdentity
    let idAttribute: String
    let idSyntax: DirectoryPreset.IDSyntax
    /// Largest id set sent upstream as an OR of id assertions.
    var maximumIDs = 1024
    /// This search's plan: limits, outcomes already decided, ids handed out.
    var budget = FilterPlanBudget(limits: .standard)

    /// Whether an item is decided here at all (cheap: nothing is evaluated), so a filter
    /// with too many local items is refused before any is.
    func isLocal(_ item: LDAPFilter) -> Bool {
        guard let attribute = item.attribute else { return false }
        let key = AttributeName(attribute).key
        if key == "objectclass" { return true }
        if configuration.presentAliasesAs.contains(where: { $0.lowercased() == key }) { return true }
        return OverlayAttribute(named: attribute) != nil
    }

    /// The item's outcome, decided once per distinct item and within the plan's budget: an
    /// id set that would take the plan past its id limit is widened instead.
    func outcome(of item: LDAPFilter) -> Outcome {
        if let known = budget.outcomes[item] { return known }
        if budget.refusal != nil { return .undefined }
        var outcome = decide(item)
        if case .exact(let byDefault, let exceptions, let replacesUpstream) = outcome {
            if budget.idAssertions + exceptions.count > budget.limits.maximumIDAssertions {
                outcome = .approximate
            } else {
                budget.idAssertions += exceptions.count
                outcome = .exact(byDefault: byDefault, exceptions: exceptions, replacesUpstream: replacesUpstream)
            }
        }
        budget.outcomes[item] = outcome
        return outcome
    }

    private func decide(_ item: LDAPFilter) -> Outcome {
        guard let attribute = item.attribute else { return .notLocal }
        let key = AttributeName(attribute).key
        if key == "objectclass" { return objectClassOutcome(item) }
        if configuration.presentAliasesAs.contains(where: { $0.lowercased() == key }) {
            return scan(item, tag: "presented", values: { local in
                local.aliases.isEmpty ? [] : [PartialAttribute(type: attribute, values: local.aliases.map { Array($0.utf8) })]
            })
        }
        guard let overlay = OverlayAttribute(named: attribute) else { return .notLocal }
        // Secrets and lockout state never take part in filters (their values cannot be probed).
        if overlay.needsReadGrant || !configuration.access.canRead(overlay, by: identity, on: nil) { return .undefined }
        switch overlay {
        case .role:
            return roleOutcome(item)
        case .extensionNumber:
            if case .upstream = configuration.extensions { return .notLocal }
        case .alias:
            if case .equalityMatch(let ava) = item {
                let owner = view.aliasOwners[String(decoding: ava.value, as: UTF8.self).lowercased()]
                return limited(byDefault: false, owner.map { [$0] } ?? [])
            }
        case .sipUserName:
            if case .equalityMatch(let ava) = item {
                return limited(byDefault: false, Set(view.userNames[String(decoding: ava.value, as: UTF8.self)] ?? []))
            }
        default:
            break
        }
        return scan(item, tag: "overlay", values: \.attributes)
    }

    /// Evaluates the item on every entry that has local data and on the default.
    /// Remembered per view (phones repeat their searches); computed within the plan's
    /// evaluation budget otherwise. `tag` names what `values` reads.
    private func scan(_ item: LDAPFilter, tag: String, values: (OverlayView.Local) -> [PartialAttribute]) -> Outcome {
        let key = OverlayView.ScanKey(item: item, tag: tag)
        if let known = view.scans.result(for: key) {
            return known.undefined ? .undefined : limited(byDefault: known.byDefault, known.exceptions)
        }
        let rules = MatchingRuleRegistry.withOverlay
        let byDefault = item.evaluate(SearchResultEntry(objectName: "", attributes: values(view.absent)), rules: rules)
        if byDefault == .undefined, case .equalityMatch = item {  // invalid assertion value
            view.scans.remember(key, OverlayView.ScanResult(byDefault: false, exceptions: [], undefined: true))
            return .undefined
        }
        budget.evaluations += view.records.count
        if budget.evaluations > budget.limits.maximumEvaluations {
            budget.refusal = "the filter needs too much work on Veneer's own attributes; simplify it"
            return .undefined
        }
        var exceptions = Set<EntryID>()
        for (id, local) in view.records {
            let outcome = item.evaluate(SearchResultEntry(objectName: "", attributes: values(local)), rules: rules)
            if outcome.isTrue != byDefault.isTrue { exceptions.insert(id) }
        }
        view.scans.remember(key, OverlayView.ScanResult(byDefault: byDefault.isTrue, exceptions: exceptions, undefined: false))
        return limited(byDefault: byDefault.isTrue, exceptions)
    }

    private func limited(byDefault: Bool, _ exceptions: Set<EntryID>) -> Outcome {
        exceptions.count > maximumIDs ? .approximate : .exact(byDefault: byDefault, exceptions: exceptions)
    }

    /// Only the overlay's own classes are decided locally; every other class is upstream's.
    private func objectClassOutcome(_ item: LDAPFilter) -> Outcome {
        guard case .equalityMatch(let ava) = item else { return .notLocal }
        switch String(decoding: ava.value, as: UTF8.self).lowercased() {
        case OverlayObjectClass.user.lowercased():
            return .exact(byDefault: true, exceptions: [], replacesUpstream: true)
        case OverlayObjectClass.sipIdentity.lowercased():
            let holders = Set(view.records.filter { $0.value.digest != nil }.keys)
            return holders.count > maximumIDs ? .approximate : .exact(byDefault: false, exceptions: holders, replacesUpstream: true)
        default:
            return .notLocal
        }
    }

    private func roleOutcome(_ item: LDAPFilter) -> Outcome {
        let roles = configuration.roles
        let admin = LDAPFilter.or(roles.adminGroups.map { .equality("memberOf", $0.description) })
        switch item {
        case .present:
            return .derived(.and([]))
        case .equalityMatch(let ava):
            let value = String(decoding: ava.value, as: UTF8.self).lowercased()
            if value == roles.adminRole.lowercased() { return .derived(admin) }
            if value == roles.defaultRole.lowercased() { return .derived(.not(admin)) }
            return .derived(.or([]))
        default:
            return .approximate
        }
    }

    /// The upstream assertion selecting exactly these entries.
    func idFilter(_ ids: Set<EntryID>) -> LDAPFilter {
        let items: [LDAPFilter] = ids.sorted().compactMap { id in
            idSyntax.upstreamValue(of: id).map { .equalityMatch(AttributeValueAssertion(attribute: idAttribute, value: $0)) }
        }
        switch items.count {
        case 0: return FilterRewriter.matchesNothing
        case 1: return items[0]
        default: return .or(items)
        }
    }
}

extension LDAPFilter {
    /// The attribute an item asserts on; nil for and/or/not and type-less extensible matches.
    var attribute: String? {
        switch self {
        case .equalityMatch(let ava), .approxMatch(let ava), .greaterOrEqual(let ava), .lessOrEqual(let ava): ava.attribute
        case .substrings(let substrings): substrings.attribute
        case .present(let attribute): attribute
        case .extensibleMatch(let rule): rule.type
        case .and, .or, .not: nil
        }
    }
}

extension LDAPFilter {
    /// Every attribute type the filter asserts on, once each.
    var attributeNames: [String] {
        var names: [String] = []
        func collect(_ filter: LDAPFilter) {
            switch filter {
            case .and(let filters), .or(let filters): filters.forEach(collect)
            case .not(let inner): collect(inner)
            default:
                if let name = filter.attribute, !names.contains(where: { $0.lowercased() == name.lowercased() }) { names.append(name) }
            }
        }
        collect(self)
        return names
    }
}
