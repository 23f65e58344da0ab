/// Request tasks run on their connection's event loop (`LDAPSessionHandler` prefers it as the
/// task executor), where blocking would stall every connection on that loop. Store work that
/// blocks — a commit waiting for fsync, a PBKDF2 password hash — runs in a detached task
/// instead, which does not inherit that preference.
func offLoop<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached { try body() }.value
}

func offLoop<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
    await Task.detached { await body() }.value
}
