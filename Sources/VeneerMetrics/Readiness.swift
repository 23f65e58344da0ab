/// One thing `/readyz` checks: the listeners are up, the store answers, the upstream or the
/// replica can answer searches.
public struct ReadinessCheck: Sendable, Hashable {
    public var name: String
    public var isReady: Bool
    /// Why, in a few words (shown to whoever probes; never a secret).
    public var detail: String

    public init(_ name: String, isReady: Bool, _ detail: String) {
        self.name = name
        self.isReady = isReady
        self.detail = detail
    }

    /// One line per check, `ok name: detail` or `not ready name: detail`.
    static func report(_ checks: [ReadinessCheck]) -> String {
        checks.map { "\($0.isReady ? "ok" : "not ready") \($0.name): \($0.detail)\n" }.joined()
    }
}
