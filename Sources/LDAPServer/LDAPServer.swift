// Listeners and sessions: see LDAPListener.swift and LDAPSession.swift.
