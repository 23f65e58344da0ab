import LDAPCore
import NIOCore

/// SplitMix64: a fast, good-enough generator for picking users (the system generator costs a
/// syscall per call on Linux, which would show up in the load generator's own profile).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One kind of operation and what a correct answer to it is.
enum OperationKind: Int, Sendable, CaseIterable {
    case searchUID, phonebook, bind, bindWrong

    var name: String {
        switch self {
        case .searchUID: "search-uid"
        case .phonebook: "phonebook"
        case .bind: "bind"
        case .bindWrong: "bind-wrong"
        }
    }

    var expected: LDAPResultCode { self == .bindWrong ? .invalidCredentials : .success }
}

/// Everything needed to build requests, computed once so that the closed loops only pick and
/// encode: user names, bind DNs, passwords, parsed phonebook filters.
final class RequestFactory: Sendable {
    let options: BenchOptions
    let uids: [String]
    let bindDNs: [String]
    let passwords: [[UInt8]]
    let filters: [LDAPFilter]

    init(options: BenchOptions) throws {
        self.options = options
        let numbers = options.firstUser..<(options.firstUser + options.userCount)
        uids = numbers.map { Template.format(options.userTemplate, number: $0) }
        bindDNs = zip(numbers, uids).map { Template.format(options.bindDNTemplate, number: $0, uid: $1) }
        passwords = zip(numbers, uids).map { Array(Template.format(options.passwordTemplate, number: $0, uid: $1).utf8) }
        filters = try options.phonebookFilters.map { try LDAPFilter($0) }
    }

    func kind(for workload: BenchOptions.Workload, using rng: inout SplitMix64) -> OperationKind {
        switch workload {
        case .searchUID, .idle: return .searchUID
        case .phonebook: return .phonebook
        case .bind: return .bind
        case .bindWrong: return .bindWrong
        case .mix:
            let roll = rng.next() % 100
            if roll < 70 { return .searchUID }
            if roll < 80 { return filters.isEmpty ? .searchUID : .phonebook }
            if roll < 95 { return .bind }
            return .bindWrong
        }
    }

    func operation(_ kind: OperationKind, using rng: inout SplitMix64) -> ProtocolOp {
        let user = Int(rng.next() % UInt64(uids.count))
        switch kind {
        case .searchUID:
            return .searchRequest(
                SearchRequest(
                    baseObject: options.searchBase, scope: .wholeSubtree,
                    filter: .equality(options.uidAttribute, uids[user]), attributes: options.attributes))
        case .phonebook:
            let filter = filters[Int(rng.next() % UInt64(filters.count))]
            return .searchRequest(
                SearchRequest(baseObject: options.searchBase, scope: .wholeSubtree, filter: filter, attributes: options.attributes))
        case .bind:
            return .bindRequest(.simple(name: bindDNs[user], password: passwords[user]))
        case .bindWrong:
            return .bindRequest(.simple(name: bindDNs[user], password: Array("not-the-password".utf8)))
        }
    }
}
