// The upstream LDAP client: see LDAPConnection.swift and LDAPUpstream.swift.
