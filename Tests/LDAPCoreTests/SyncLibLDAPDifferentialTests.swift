import CLDAP
import LDAPCore
import PropertyBased
import Testing

// The sync controls against OpenLDAP 2.5's own code:
// - liblber (DER) builds each value from its ASN.1, as slapd's syncprov builds them
//   (`ber_printf(ber, "{eOb}", …)` and friends, here through the non-variadic ber_put_*): the
//   octets must equal ours, and liblber must read ours back field by field.
// - libldap's DirSync helpers (`ldap_create_dirsync_value`, `ldap_parse_dirsync_control`, what
//   `ldapsearch -E dirSync=…` uses) must agree with our request encoding and read our response.

enum LiblberSync {
    /// The value built by liblber in DER.
    static func encode(_ value: SyncValue) throws -> [UInt8] {
        let ber = try LiblberEncoder(der: true)
        func optionalCookie(_ cookie: [UInt8]?) {
            if let cookie { ber.octets(cookie) }
        }
        switch value {
        case .request(let control):
            ber.sequence {
                ber.enumerated(control.mode.rawValue)
                optionalCookie(control.cookie)
                if control.reloadHint { ber.boolean(true) }
            }
        case .state(let control):
            ber.sequence {
                ber.enumerated(control.state.rawValue)
                ber.octets(control.entryUUID.bytes)
                optionalCookie(control.cookie)
            }
        case .done(let control):
            ber.sequence {
                optionalCookie(control.cookie)
                if control.refreshDeletes { ber.boolean(true) }
            }
        case .info(.newCookie(let cookie)):
            ber.octets(cookie, tag: 0x80)
        case .info(.refreshDelete(let cookie, let refreshDone)), .info(.refreshPresent(let cookie, let refreshDone)):
            let tag: ber_tag_t = if case .info(.refreshDelete) = value { 0xA1 } else { 0xA2 }
            ber.sequence(tag: tag) {
                optionalCookie(cookie)
                if !refreshDone { ber.boolean(false) }
            }
        case .info(.syncIdSet(let cookie, let refreshDeletes, let uuids)):
            ber.sequence(tag: 0xA3) {
                optionalCookie(cookie)
                if refreshDeletes { ber.boolean(true) }
                ber.set {
                    for uuid in uuids { ber.octets(uuid.bytes) }
                }
            }
        case .dirSyncRequest(let control):
            ber.sequence {
                ber.integer(Int32(bitPattern: control.flags.rawValue))
                ber.integer(control.maxBytes)
                ber.octets(control.cookie)
            }
        case .dirSyncResponse(let control):
            ber.sequence {
                ber.integer(control.moreResults ? 1 : 0)
                ber.integer(control.unused)
                ber.octets(control.cookie)
            }
        }
        return try ber.flatten()
    }

    /// liblber reads `bytes` field by field and finds `value`.
    static func walk(_ value: SyncValue, _ bytes: [UInt8]) throws {
        let ber = try LiblberDecoder(bytes)
        func optionalCookie(_ cookie: [UInt8]?) throws {
            if let cookie { #expect(try ber.octets() == (0x04, cookie)) }
        }
        switch value {
        case .request(let control):
            #expect(try ber.skipTag().tag == 0x30)
            #expect(try ber.enumerated() == (0x0A, control.mode.rawValue))
            try optionalCookie(control.cookie)
            if control.reloadHint { #expect(try ber.boolean() == (0x01, true)) }
        case .state(let control):
            #expect(try ber.skipTag().tag == 0x30)
            #expect(try ber.enumerated() == (0x0A, control.state.rawValue))
            #expect(try ber.octets() == (0x04, control.entryUUID.bytes))
            try optionalCookie(control.cookie)
        case .done(let control):
            #expect(try ber.skipTag().tag == 0x30)
            try optionalCookie(control.cookie)
            if control.refreshDeletes { #expect(try ber.boolean() == (0x01, true)) }
        case .info(.newCookie(let cookie)):
            #expect(try ber.octets() == (0x80, cookie))
        case .info(.refreshDelete(let cookie, let refreshDone)), .info(.refreshPresent(let cookie, let refreshDone)):
            let tag: ber_tag_t = if case .info(.refreshDelete) = value { 0xA1 } else { 0xA2 }
            #expect(try ber.skipTag().tag == tag)
            try optionalCookie(cookie)
            if !refreshDone { #expect(try ber.boolean() == (0x01, false)) }
        case .info(.syncIdSet(let cookie, let refreshDeletes, let uuids)):
            #expect(try ber.skipTag().tag == 0xA3)
            try optionalCookie(cookie)
            if refreshDeletes { #expect(try ber.boolean() == (0x01, true)) }
            #expect(ber.peekTag == 0x31)
            var read: [[UInt8]] = []
            try ber.forEachElement { tag in
                #expect(tag == 0x04)
                read.append(try ber.octets().value)
            }
            #expect(read == uuids.map(\.bytes))
        case .dirSyncRequest(let control):
            #expect(try ber.skipTag().tag == 0x30)
            #expect(try ber.integer() == (0x02, Int32(bitPattern: control.flags.rawValue)))
            #expect(try ber.integer() == (0x02, control.maxBytes))
            #expect(try ber.octets() == (0x04, control.cookie))
        case .dirSyncResponse(let control):
            #expect(try ber.skipTag().tag == 0x30)
            #expect(try ber.integer() == (0x02, control.moreResults ? 1 : 0))
            #expect(try ber.integer() == (0x02, control.unused))
            #expect(try ber.octets() == (0x04, control.cookie))
        }
        #expect(ber.isAtEnd)
    }
}

/// A libldap handle that never connects (the DirSync helpers only use it for options and
/// error reporting).
final class LibLDAPHandle {
    let ld: OpaquePointer

    init() throws {
        var handle: OpaquePointer?
        guard ldap_initialize(&handle, "ldap://127.0.0.1:9/") == LDAP_SUCCESS, let handle else {
            throw LiblberFailure("ldap_initialize failed")
        }
        ld = handle
    }

    deinit { ldap_unbind_ext(ld, nil, nil) }

    /// `ldap_create_dirsync_value`: the request value libldap sends.
    func dirSyncValue(flags: Int32, maxBytes: Int32, cookie: [UInt8]) throws -> [UInt8] {
        var storage = cookie + [0]
        var value = berval()
        let result = storage.withUnsafeMutableBytes { raw in
            var cookieValue = berval(
                bv_len: ber_len_t(cookie.count), bv_val: raw.baseAddress?.assumingMemoryBound(to: CChar.self))
            return ldap_create_dirsync_value(ld, flags, maxBytes, &cookieValue, &value)
        }
        guard result == LDAP_SUCCESS else { throw LiblberFailure("ldap_create_dirsync_value: \(result)") }
        defer { ber_memfree(value.bv_val) }
        return LiblberDecoder.copy(value)
    }

    /// `ldap_parse_dirsync_control` on a response control carrying `value`.
    func parseDirSyncResponse(_ value: [UInt8]) throws -> (continueFlag: Int32, cookie: [UInt8]) {
        var storage = value + [0]
        var oid = Array("1.2.840.113556.1.4.841".utf8CString)
        var continueFlag: Int32 = -1
        var cookie = berval()
        let result = storage.withUnsafeMutableBytes { raw in
            oid.withUnsafeMutableBufferPointer { oidPointer in
                var control = LDAPControl_C(
                    ldctl_oid: oidPointer.baseAddress,
                    ldctl_value: berval(bv_len: ber_len_t(value.count), bv_val: raw.baseAddress?.assumingMemoryBound(to: CChar.self)),
                    ldctl_iscritical: 0)
                return ldap_parse_dirsync_control(ld, &control, &continueFlag, &cookie)
            }
        }
        guard result == LDAP_SUCCESS else { throw LiblberFailure("ldap_parse_dirsync_control: \(result)") }
        defer { ber_memfree(cookie.bv_val) }
        return (continueFlag, LiblberDecoder.copy(cookie))
    }
}

/// libldap's `LDAPControl` struct (the name is taken by ours in this module).
typealias LDAPControl_C = CLDAP.LDAPControl

@Suite("Sync controls against liblber/libldap")
struct SyncLibLDAPDifferentialTests {
    @Test("liblber builds our fixtures' canonical octets", arguments: syncFixtures.filter(\.canonical))
    func liblberBuildsFixtures(fixture: SyncFixture) throws {
        #expect(try LiblberSync.encode(fixture.value).hex == [UInt8](hex: fixture.hex).hex)
    }

    @Test("random values: liblber's encoding equals ours, and liblber reads ours")
    func randomValues() async {
        let generator = Generator { rng in SyncControlTests.anyValue(&rng) }
        await propertyCheck(count: 300, input: generator) { value in
            let ours = try #require(value.encoded)
            #expect(try LiblberSync.encode(value) == ours)
            try LiblberSync.walk(value, ours)
        }
    }

    @Test("ldap_create_dirsync_value sends what DirSyncRequestControl sends")
    func dirSyncRequestMatchesLibLDAP() throws {
        let handle = try LibLDAPHandle()
        let cases: [DirSyncRequestControl] = [
            .init(flags: .objectSecurity, maxBytes: 1000),
            .init(flags: [.incrementalValues, .objectSecurity, .ancestorsFirstOrder, .publicDataOnly], maxBytes: 0),
            .init(flags: [], maxBytes: Int32.max, cookie: Array("MSDS".utf8) + Array(repeating: 0xAB, count: 300)),
            .init(flags: .incrementalValues, maxBytes: -1, cookie: [0]),
        ]
        for control in cases {
            let theirs = try handle.dirSyncValue(
                flags: Int32(bitPattern: control.flags.rawValue), maxBytes: control.maxBytes, cookie: control.cookie)
            #expect(theirs == control.controlValue)
            #expect(try DirSyncRequestControl(controlValue: theirs) == control)
        }
    }

    @Test("ldap_parse_dirsync_control reads DirSyncResponseControl")
    func dirSyncResponseReadByLibLDAP() throws {
        let handle = try LibLDAPHandle()
        for control in [
            DirSyncResponseControl(moreResults: true, cookie: Array("MSDS".utf8)),
            DirSyncResponseControl(moreResults: false, cookie: []),
            DirSyncResponseControl(moreResults: false, cookie: Array(repeating: 7, count: 200), unused: 42),
        ] {
            let value = try #require(control.controlValue)
            let parsed = try handle.parseDirSyncResponse(value)
            #expect(parsed.continueFlag == (control.moreResults ? 1 : 0))
            #expect(parsed.cookie == control.cookie)
        }
    }
}
