import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

extension ProxyDirectory {
    func search(_ search: SearchRequest, request: LDAPRequest, responder: LDAPResponder) async {
        if search.baseObject.isEmpty && search.scope == .baseObject {
            await rootDSE.answer(search, responder: responder)
            return
        }
        if let base = try? DistinguishedName(search.baseObject), base == RootDSE.subschemaDN {
            await rootDSE.answerSubschema(search, responder: responder)
            return
        }
        guard let base = try? DistinguishedName(search.baseObject) else {
            await responder.finish(.searchResultDone(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid base DN \"\(search.baseObject)\"")))
            return
        }
        guard let upstreamBase = suffix.toUpstream(base), !isExcluded(upstreamBase) else {
            await responder.finish(.searchResultDone(LDAPResult(.noSuchObject, diagnosticMessage: "no such entry: \(search.baseObject)")))
            return
        }
        let clientPaging = request.controls.first { $0.oid == PagedResultsControl.oid }
        let zone = bindPolicy.zone(of: request.session)
        var identity = request.identity
        identity.zone = zone.name
        let denial = AccessDenial(self, identity: identity)
        // Attributes the zone or the access rules deny are Undefined in filters too.
        var search = search
        search.filter = zone.readableFilter(search.filter)
        if !denial.attributes.isEmpty {
            search.filter = Zone.undefining(search.filter) { denial.hides($0, in: denial.attributes) }
        }
        let selection = mapper.selection(for: search.attributes)
        // With an overlay, local filter items become id assertions; a plan that had to widen
        // the filter re-checks the merged entries, which then need the filter's attributes.
        var clientFilter = rewriter.upstream(search.filter)
        var recheck: FilterRecheck?
        /// With a split plan: the ids looked up after the main search, and their re-check.
        var splitIDs: Set<EntryID>?
        var splitRecheck: FilterRecheck?
        var extraAttributes: [String] = []
        let readingIdentity = upstreamIdentity(of: request)
        let answeredByReplica = servesFromReplica(readingIdentity)
        if let overlay {
            let widened: Bool
            let refusal: String?
            var items = overlay.filterItems(for: identity, preset: mapper.preset)
            if answeredByReplica {
                // The replica answers: id sets cost it one set lookup per entry.
                items.maximumIDs = FilterPlanLimits.replica.maximumIDAssertions
                items.budget = FilterPlanBudget(limits: .replica)
            }
            (clientFilter, widened, refusal) = rewriter.plan(search.filter, local: items)
            if let refusal {
                logger.notice("filter refused", metadata: ["peer": "\(request.session.peer)", "reason": "\(refusal)", "filter": "\(LogText.cut(search.filter.description))"])
                await responder.finish(.searchResultDone(LDAPResult(.adminLimitExceeded, diagnosticMessage: refusal)))
                return
            }
            if widened {
                extraAttributes += search.filter.attributeNames
                recheck = FilterRecheck(
                    filter: search.filter, undefinedAttributes: undefinedFilterAttributes(search.filter, overlay: overlay, identity: identity),
                    objectClasses: objectClasses)
            }
            // The split plan saves the upstream a large id filter; the replica has no use for it.
            if !widened, !answeredByReplica, refusal == nil, clientPaging == nil,
                let split = SplitPlan.make(search.filter, local: items, rewriter: rewriter)
            {
                clientFilter = split.main
                splitIDs = split.ids
                extraAttributes += search.filter.attributeNames
                splitRecheck = FilterRecheck(
                    filter: search.filter, undefinedAttributes: undefinedFilterAttributes(search.filter, overlay: overlay, identity: identity),
                    objectClasses: objectClasses)
            }
            extraAttributes += overlay.derivedSources(for: selection)
        }
        let entrySelection = selection.adding(extraAttributes)
        var upstreamRequest = search
        upstreamRequest.baseObject = upstreamBase.description
        let requested = search.attributes.isEmpty && !extraAttributes.isEmpty ? ["*"] : search.attributes
        upstreamRequest.attributes = mapper.upstreamAttributes(for: requested + extraAttributes)
        if overlay != nil { upstreamRequest.attributes = Self.adding(mapper.preset.idAttribute, to: upstreamRequest.attributes) }
        // The suffix entry itself is shown to base searches (browsers read it); below it, the
        // configured kinds of entries (people, groups, containers, …).
        // Kinds the access rules deny this client are left out, the suffix entry too.
        let suffixEntry = search.scope == .baseObject && base == configuration.virtualSuffix && denial.kinds.isEmpty
        // The kinds are an or of object classes, which costs slapd more than a selective
        // search itself (two index reads of nearly every entry's id: 78 → 200 µs of slapd's
        // CPU per search by uid in 10,000 people, BENCHMARKS.md run 7). When the client's
        // filter selects few entries, the upstream gets it alone and the kinds are told apart
        // here, from the entries' classes. Not with paging (pages would come back short) nor
        // from the replica (it evaluates in memory either way).
        let kindsHere: UpstreamEntryTest? =
            suffixEntry || answeredByReplica || clientPaging != nil || !clientFilter.isSelective
            ? nil : visibleTest(excluding: denial)
        upstreamRequest.filter = suffixEntry || kindsHere != nil ? clientFilter : .and([denial.visibleEntries, clientFilter])
        // Only people get the overlay: the attributes telling them apart are read too, as are
        // those telling the kinds apart here; the client gets them only when it asked.
        var testOnly = Set<String>()
        for attribute in (personTest?.attributes ?? []) + (kindsHere?.attributes ?? []) {
            upstreamRequest.attributes = Self.adding(attribute, to: upstreamRequest.attributes)
            let key = AttributeName(attribute).key
            if selection.none || !(selection.named.contains(key) || selection.allUser) { testOnly.insert(key) }
        }
        let limit = search.sizeLimit > 0 ? min(Int(search.sizeLimit), configuration.maximumResults) : configuration.maximumResults
        let walksLoginGroups = configuration.filtersPeopleByLoginGroupWalk
        // A re-checked search may drop entries, as may the login-group walk, so the upstream
        // may not stop at the client's limit.
        upstreamRequest.sizeLimit =
            recheck != nil || walksLoginGroups || kindsHere != nil ? Int32(clamping: configuration.maximumResults) : Int32(clamping: limit)
        var controls: [LDAPControl] = []
        if configuration.preset.sendDomainScopeControl { controls.append(LDAPControl(DomainScopeControl())) }
        if let clientPaging { controls.append(clientPaging) }
        let view = overlay?.view

        // With the identity suffix and nothing excluded, entry names pass through unparsed;
        // access rules about "self" still need each entry's DN when the requester is someone.
        let passNames = suffix.isIdentity && configuration.excludedSubtrees.isEmpty && !walksLoginGroups
        let needsTarget = identity.dn != nil && overlay?.configuration.access.refersToTarget ?? false
        let mapDN = dnValues
        var sent = 0
        do {
            // People outside the login groups are hidden (upstreams without an in-chain rule).
            let loginGroupMembers: Set<DistinguishedName>? =
                walksLoginGroups ? try await self.loginGroupMembers.members(of: configuration.loginGroups, directory: self) : nil
            enum PassEnd { case finished, done(LDAPResult, [LDAPControl]), ended }
            // One selection per branch below (with or without an overlay), so one cache serves.
            let routes = ClientAttributeCache()
            var sentNames = Set<String>()
            /// One upstream search streamed to the client: entries re-checked with
            /// `passRecheck`, names in `skip` already sent, sent names collected when asked.
            func pass(_ upstreamRequest: SearchRequest, passRecheck: FilterRecheck?, skip: Set<String>?, collect: Bool) async throws -> PassEnd {
                for try await event in reads(upstreamRequest, controls: controls, paging: clientPaging == nil, as: readingIdentity) {
                    switch event {
                    case .entry(let entry, _):
                        if let kindsHere, !kindsHere.matches(entry.attributes) { continue }
                        let name: String
                        var virtualDN: DistinguishedName?
                        var upstreamDN: DistinguishedName?
                        if passNames {
                            name = entry.objectName
                            if needsTarget { virtualDN = try? DistinguishedName(name) }
                        } else {
                            guard let parsed = try? DistinguishedName(entry.objectName), !isExcluded(parsed) else { continue }
                            upstreamDN = parsed
                            let mapped = suffix.toVirtual(parsed)
                            virtualDN = mapped ?? parsed
                            name = mapped?.description ?? entry.objectName
                        }
                        // Told apart before ranges are fetched: a hidden person costs no more requests.
                        let isPerson = personTest?.matches(entry.attributes) ?? true
                        if isPerson, let loginGroupMembers, !(upstreamDN.map(loginGroupMembers.contains) ?? false) { continue }
                        let upstreamAttributes = try await completeRanges(entry, as: readingIdentity)
                        var attributes: [PartialAttribute]
                        if let overlay, let view {
                            let full = mapper.clientAttributes(
                                of: upstreamAttributes, selection: entrySelection, typesOnly: false, mapDN: mapDN, cache: routes)
                            // Groups, containers and other kinds are served as the upstream holds them.
                            let merged =
                                isPerson
                                ? overlay.merge(
                                    full, id: mapper.preset.entryID(in: upstreamAttributes), view: view, identity: identity,
                                    target: virtualDN.map(EntryReference.init), selection: entrySelection) : full
                            if let recheck = passRecheck, !recheck.matches(SearchResultEntry(objectName: name, attributes: merged)) {
                                continue
                            }
                            attributes = entrySelection.project(merged, typesOnly: search.typesOnly)
                        } else {
                            attributes = mapper.clientAttributes(
                                of: upstreamAttributes, selection: selection, typesOnly: search.typesOnly, mapDN: mapDN, cache: routes)
                        }
                        if !testOnly.isEmpty {
                            // Read to tell people or kinds apart, not asked for: the client does not get them.
                            attributes.removeAll { testOnly.contains(AttributeName($0.type).key) }
                        }
                        if denial.applies {
                            let hidden = denial.attributes(on: virtualDN)
                            if !hidden.isEmpty { attributes.removeAll { denial.hides($0.type, in: hidden) } }
                        }
                        if let skip, skip.contains(name) { continue }  // the first pass sent it
                        if sent >= limit {
                            await responder.finish(.searchResultDone(LDAPResult(.sizeLimitExceeded)))
                            return .finished
                        }
                        if collect { sentNames.insert(name) }
                        await responder.send(.searchResultEntry(SearchResultEntry(objectName: name, attributes: zone.readable(attributes))))
                        sent += 1
                    case .reference(let reference, _):
                        if configuration.passReferences { await responder.send(.searchResultReference(reference)) }
                    case .intermediate:
                        continue
                    case .done(var result, let upstreamControls):
                        result.matchedDN = result.matchedDN.isEmpty ? "" : suffix.toVirtual(result.matchedDN)
                        if !result.diagnosticMessage.isEmpty, result.resultCode != .success {
                            logger.info("upstream search refused", metadata: ["base": "\(upstreamBase)", "result": "\(result.resultCode)", "message": "\(result.diagnosticMessage)"])
                        }
                        result = Self.clientResult(fromUpstream: result, detailed: zone.detailedErrors)
                        if result.resultCode == .referral && !configuration.passReferences {
                            result = LDAPResult(.noSuchObject, diagnosticMessage: "no such entry: \(search.baseObject)")
                        }
                        let pagingControls = clientPaging == nil ? [] : upstreamControls.filter { $0.oid == PagedResultsControl.oid }
                        return .done(result, pagingControls)
                    }
                }
                return .ended
            }
            var end = try await pass(upstreamRequest, passRecheck: recheck, skip: nil, collect: splitIDs != nil)
            if case .done(let result, _) = end, result.resultCode == .success, let splitIDs, let overlay {
                // The split plan's second half: the entries local values add, by id.
                var byID = upstreamRequest
                byID.filter = .and([denial.visibleEntries, overlay.filterItems(for: identity, preset: mapper.preset).idFilter(splitIDs)])
                byID.sizeLimit = Int32(clamping: configuration.maximumResults)
                end = try await pass(byID, passRecheck: splitRecheck, skip: sentNames, collect: false)
            }
            switch end {
            case .finished: return
            case .done(let result, let pagingControls):
                await responder.finish(.searchResultDone(result), controls: pagingControls)
                return
            case .ended: break
            }
            await responder.finish(.searchResultDone(LDAPResult(.other, diagnosticMessage: "upstream search ended without a result")))
        } catch is CancellationError {
            return
        } catch {
            logger.warning("upstream search failed", metadata: ["base": "\(upstreamBase)", "error": "\(error)"])
            await responder.finish(.searchResultDone(Self.clientResult(for: error, detailed: zone.detailedErrors)))
        }
    }

    /// `visibleEntries` without the kinds `denial` hides, evaluated here; nil when only the
    /// upstream can evaluate it.
    func visibleTest(excluding denial: AccessDenial) -> UpstreamEntryTest? {
        guard !denial.kinds.isEmpty else { return visibleTest }
        if let known = visibleTests.withLock({ $0[denial.kinds] }) { return known }
        let test = UpstreamEntryTest(evaluating: denial.visibleEntries, objectClasses: objectClasses)
        visibleTests.withLock { $0[denial.kinds] = test }
        return test
    }

    /// What `[[access]]` denies one requester: attributes (left out of entries, Undefined in
    /// filters; names a preset adds are hidden with their upstream sources) and entry kinds.
    struct AccessDenial {
        let policy: AccessPolicy
        let identity: BoundIdentity
        let mapper: AttributeMapper
        /// Denied on every entry (what filters go by).
        let attributes: Set<String>
        let kinds: Set<String>
        let visibleEntries: LDAPFilter
        /// Whether entries need any attribute removed.
        var applies: Bool { !attributes.isEmpty || perEntry }
        private let perEntry: Bool

        init(_ directory: ProxyDirectory, identity: BoundIdentity) {
            policy = directory.overlay?.configuration.access ?? AccessPolicy()
            self.identity = identity
            mapper = directory.mapper
            let denies = policy.denies
            attributes = denies ? policy.deniedAttributes(to: identity, on: nil) : []
            kinds = denies ? policy.deniedKinds(to: identity) : []
            perEntry = denies && policy.deniesPerEntry
            visibleEntries = kinds.isEmpty ? directory.visibleEntries : directory.configuration.visibleEntries(excluding: kinds)
        }

        /// Denied on this entry (a `self` rule may decide differently on the requester's own).
        func attributes(on entry: DistinguishedName?) -> Set<String> {
            guard perEntry else { return attributes }
            return policy.deniedAttributes(to: identity, on: entry.map(EntryReference.init))
        }

        func hides(_ name: String, in hidden: Set<String>) -> Bool {
            let key = AttributeName(name).key
            return hidden.contains(key) || mapper.sources(of: name).contains { hidden.contains(AttributeName($0).key) }
        }
    }

    /// The filter's attributes whose items the plan makes Undefined for this requester: digest
    /// secrets, overlay attributes it may not read, and attributes the view does not serve.
    func undefinedFilterAttributes(_ filter: LDAPFilter, overlay: LocalOverlay, identity: BoundIdentity) -> Set<String> {
        let presented = Set(overlay.configuration.presentAliasesAs.map { AttributeName($0).key })
        return Set(filter.attributeNames.compactMap { name -> String? in
            let key = AttributeName(name).key
            if let attribute = OverlayAttribute(named: name) {
                return attribute.isSecret || !overlay.configuration.access.canRead(attribute, by: identity, on: nil) ? key : nil
            }
            if key == "objectclass" || presented.contains(key) { return nil }
            return mapper.sources(of: name).isEmpty ? key : nil
        })
    }

    /// Whose rights a client's reads run with upstream: the service account's, or with
    /// `search_identity = "client"` the client's own connection, an anonymous one for clients
    /// without one (anonymous, or bound with a local PIN: fail closed), and the service
    /// account's for the local superadmin.
    func upstreamIdentity(of request: LDAPRequest) -> LDAPSearchIdentity {
        guard configuration.searchIdentity == .client else { return .service }
        if let client = request.session.context as? ClientSession { return .session(client.upstream) }
        return request.identity.isSuperadmin ? .service : .anonymous
    }

    static func adding(_ attribute: String, to list: [String]) -> [String] {
        if list == ["1.1"] { return [attribute] }
        return list.contains(where: { $0.lowercased() == attribute.lowercased() }) ? list : list + [attribute]
    }

    /// Follows Active Directory range retrieval (`member;range=0-1499`), fetching the rest of
    /// each ranged attribute so the client gets it whole under its plain name.
    func completeRanges(_ entry: SearchResultEntry, as identity: LDAPSearchIdentity = .service) async throws -> [PartialAttribute] {
        guard configuration.preset.followRangeRetrieval,
            entry.attributes.contains(where: { RangedAttribute($0.type) != nil })
        else { return entry.attributes }
        var attributes: [PartialAttribute] = []
        for attribute in entry.attributes {
            guard var range = RangedAttribute(attribute.type) else {
                attributes.append(attribute)
                continue
            }
            var values = attribute.values
            while let next = range.nextRequest {
                let request = SearchRequest(
                    baseObject: entry.objectName, scope: .baseObject, filter: .objectClassPresent, attributes: [next])
                var continued: RangedAttribute?
                for try await event in upstream.search(request, paging: false, as: identity) {
                    guard case .entry(let part, _) = event else { continue }
                    for piece in part.attributes {
                        if let ranged = RangedAttribute(piece.type), ranged.name.lowercased() == range.name.lowercased() {
                            values += piece.values
                            continued = ranged
                        }
                    }
                }
                guard let continued, continued.start > range.start else { break }  // no progress: stop, never loop
                range = continued
            }
            attributes.append(PartialAttribute(type: range.name, values: values))
        }
        return attributes
    }
}

/// `member;range=0-1499` parsed: the attribute, the first index, and the last (nil for `*`,
/// the final chunk).
struct RangedAttribute {
    let name: String
    let start: Int
    let end: Int?

    init?(_ description: String) {
        let parts = description.split(separator: ";")
        guard parts.count >= 2, let option = parts.last, option.lowercased().hasPrefix("range=") else { return nil }
        let bounds = option.dropFirst("range=".count).split(separator: "-", maxSplits: 1)
        guard bounds.count == 2, let start = Int(bounds[0]) else { return nil }
        name = parts.dropLast().joined(separator: ";")
        self.start = start
        end = bounds[1] == "*" ? nil : Int(bounds[1])
        if end == nil && bounds[1] != "*" { return nil }
    }

    /// The attribute description asking for the next chunk, or nil when this was the last.
    var nextRequest: String? {
        guard let end else { return nil }
        return "\(name);range=\(end + 1)-*"
    }
}
