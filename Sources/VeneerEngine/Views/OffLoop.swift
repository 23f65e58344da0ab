/// Request tasks run on their connection's event loop (`LDAPSessionHandler` prefers it as the
/// task executor), where blocking would stall every connection on that loop. CPU work that
/// blocks — a PBKDF2 password hash — runs in a detached task instead, which does not inherit
/// that preference. Store writes need no such help: their `async` forms wait for GRDB's
/// writer queue without blocking the caller's thread.
func offLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached { try body() }.value
}
