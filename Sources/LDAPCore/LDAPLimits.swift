/// Bounds that keep a hostile or broken peer from making the codec recurse or allocate without
/// limit. Every decoder entry point takes its limits as a value so that the listener and the
/// upstream client can choose differently.
public struct LDAPLimits: Sendable, Hashable {
    /// Largest PDU (outer TLV, header included) the framer accepts before it buffers the body.
    public var maximumPDUSize: Int
    /// Deepest nesting of and/or/not in a filter. Real clients stay below 10; 64 leaves room for
    /// generated filters while keeping the recursive decoder's stack use trivially small.
    public var maximumFilterDepth: Int

    public init(maximumPDUSize: Int, maximumFilterDepth: Int = LDAPLimits.defaultFilterDepth) {
        self.maximumPDUSize = maximumPDUSize
        self.maximumFilterDepth = maximumFilterDepth
    }

    public static let defaultFilterDepth = 64

    /// Requests from clients: 2 MiB fits any realistic Add/Modify with a photo or certificate
    /// while capping what an unauthenticated peer can make us buffer per connection.
    public static let clientRequests = LDAPLimits(maximumPDUSize: 2 * 1024 * 1024)

    /// Responses from the upstream directory: entries with large group memberships or binary
    /// attributes (thumbnailPhoto, userCertificate) run to megabytes; 64 MiB still bounds memory.
    public static let upstreamResponses = LDAPLimits(maximumPDUSize: 64 * 1024 * 1024)

    /// The largest length a BER header may claim at all; BER lengths beyond Int32 are never
    /// legitimate in LDAP and would overflow size arithmetic on 32-bit platforms.
    public static let absoluteMaximumLength = Int(Int32.max)
}
