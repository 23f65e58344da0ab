import Foundation
import LDAPClient
import LDAPCore
import Synchronization

/// The transitive members of the login groups, for upstreams without a nested-membership
/// matching rule: a bounded walk of `member`/`uniqueMember` (depth and size capped, cycles
/// ignored), cached for a few minutes so logins do not walk groups each time.
final class LoginGroupMembers: Sendable {
    static let maximumDepth = 8
    static let maximumMembers = 200_000
    static let lifetime: Duration = .seconds(300)

    private struct Cached {
        var members: Set<DistinguishedName>
        var expires: ContinuousClock.Instant
    }
    private let cache = Mutex<Cached?>(nil)

    /// Whether `user` is a member, directly or through nested groups, of one of `groups`.
    func contains(_ user: DistinguishedName, groups: [DistinguishedName], directory: ProxyDirectory) async throws -> Bool {
        try await members(of: groups, directory: directory).contains(user)
    }

    /// Every transitive member of `groups` (upstream DNs; nested groups included), for hiding
    /// the people outside them from searches.
    func members(of groups: [DistinguishedName], directory: ProxyDirectory) async throws -> Set<DistinguishedName> {
        if let cached = cache.withLock({ $0 }), cached.expires > .now { return cached.members }
        let members = try await walk(groups, directory: directory)
        cache.withLock { $0 = Cached(members: members, expires: .now + Self.lifetime) }
        return members
    }

    private func walk(_ groups: [DistinguishedName], directory: ProxyDirectory) async throws -> Set<DistinguishedName> {
        var members = Set<DistinguishedName>()
        var visited = Set<DistinguishedName>()
        var level = groups
        for _ in 0..<Self.maximumDepth where !level.isEmpty {
            var next: [DistinguishedName] = []
            for group in level where visited.insert(group).inserted {
                for member in try await directMembers(of: group, directory: directory) where members.insert(member).inserted {
                    next.append(member)  // may be a group itself: walked at the next level
                    if members.count >= Self.maximumMembers { return members }
                }
            }
            level = next
        }
        return members
    }

    private func directMembers(of group: DistinguishedName, directory: ProxyDirectory) async throws -> [DistinguishedName] {
        let search = SearchRequest(
            baseObject: group.description, scope: .baseObject, filter: .objectClassPresent, attributes: ["member", "uniqueMember"])
        var result: [DistinguishedName] = []
        for try await event in directory.reads(search, paging: false) {
            guard case .entry(let entry, _) = event else { continue }
            for attribute in entry.attributes where ["member", "uniquemember"].contains(attribute.type.lowercased()) {
                result += attribute.values.compactMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) }
            }
        }
        return result
    }
}
