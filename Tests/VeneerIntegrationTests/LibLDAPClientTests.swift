import CLDAP
import Foundation
import LDAPCore
import Testing

/// Veneer used in-process through OpenLDAP's libldap (the C library UC applications link),
/// not only through its command-line tools.
@Suite("libldap against Veneer", .serialized)
struct LibLDAPClientTests {
    /// A libldap session handle that is always released.
    final class Session {
        var handle: OpaquePointer?

        init(url: String) throws {
            var ld: OpaquePointer?
            guard ldap_initialize(&ld, url) == LDAP_SUCCESS, let ld else { throw TestError("ldap_initialize failed") }
            handle = ld
            var version = LDAP_VERSION3
            ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)
        }

        deinit { if let handle { ldap_unbind_ext_s(handle, nil, nil) } }

        func bind(_ dn: String, _ password: String) -> Int32 {
            var credentials = berval()
            let bytes = Array(password.utf8)
            return bytes.withUnsafeBufferPointer { buffer in
                credentials.bv_len = ber_len_t(buffer.count)
                credentials.bv_val = UnsafeMutablePointer(mutating: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
                var serverCredentials: UnsafeMutablePointer<berval>?
                return ldap_sasl_bind_s(handle, dn, nil, &credentials, nil, nil, &serverCredentials)
            }
        }

        /// Runs a subtree search; returns the result code and DN → (attribute → values).
        func search(base: String, filter: String, attributes: [String]) -> (Int32, [String: [String: [String]]]) {
            var cAttributes: [UnsafeMutablePointer<CChar>?] = attributes.map { strdup($0) } + [nil]
            defer { for pointer in cAttributes { free(pointer) } }
            var result: OpaquePointer?
            let rc = ldap_search_ext_s(handle, base, LDAP_SCOPE_SUBTREE, filter, &cAttributes, 0, nil, nil, nil, 0, &result)
            defer { if let result { ldap_msgfree(result) } }
            var entries: [String: [String: [String]]] = [:]
            var entry = ldap_first_entry(handle, result)
            while let current = entry {
                let dnPointer = ldap_get_dn(handle, current)
                let dn = dnPointer.map { String(cString: $0) } ?? ""
                ldap_memfree(dnPointer)
                var attributesOut: [String: [String]] = [:]
                var ber: OpaquePointer?
                var name = ldap_first_attribute(handle, current, &ber)
                while let attributeName = name {
                    let key = String(cString: attributeName)
                    if let values = ldap_get_values_len(handle, current, attributeName) {
                        var index = 0
                        while let value = values[index] {
                            let bytes = UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len))
                            attributesOut[key, default: []].append(String(decoding: bytes, as: UTF8.self))
                            index += 1
                        }
                        ldap_value_free_len(values)
                    }
                    ldap_memfree(attributeName)
                    name = ldap_next_attribute(handle, current, ber)
                }
                if let ber { ber_free(ber, 0) }
                entries[dn] = attributesOut
                entry = ldap_next_entry(handle, current)
            }
            return (rc, entries)
        }
    }

    struct TestError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test("bind and search with libldap's synchronous API")
    func bindAndSearch() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let session = try Session(url: veneer.url)
        #expect(session.bind(veneer.virtualUserDN(7), veneer.slapd.userPassword(7)) == LDAP_SUCCESS)
        let (rc, entries) = session.search(base: VeneerHarness.virtualSuffix, filter: "(|(uid=user0007)(uid=user0008))", attributes: ["uid", "mail"])
        #expect(rc == LDAP_SUCCESS)
        #expect(Set(entries.keys) == [veneer.virtualUserDN(7), veneer.virtualUserDN(8)])
        #expect(entries[veneer.virtualUserDN(8)]?["uid"] == ["user0008"])
        #expect(session.bind(veneer.virtualUserDN(7), "wrong") == LDAP_INVALID_CREDENTIALS)
        let (missingRC, _) = session.search(base: "ou=nowhere," + VeneerHarness.virtualSuffix, filter: "(objectClass=*)", attributes: ["1.1"])
        #expect(missingRC == LDAP_NO_SUCH_OBJECT)
    }
}
