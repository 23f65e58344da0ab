import NIOCore
import PropertyBased
import Testing

@testable import LDAPCore

// The controls and intermediate response a replica synchronizes with: RFC 4533 Content
// Synchronization (slapd syncprov, 389 DS content sync) and Active Directory's DirSync and
// Show Deleted. Fixture octets are written out by hand from the ASN.1 in each type's doc
// comment (IMPLICIT TAGS for RFC 4533; lengths counted below each one), not produced by the
// encoder under test.

/// Any of the values under test, so that one table holds them all.
enum SyncValue: Sendable, Hashable {
    case request(SyncRequestControl)
    case state(SyncStateControl)
    case done(SyncDoneControl)
    case info(SyncInfoMessage)
    case dirSyncRequest(DirSyncRequestControl)
    case dirSyncResponse(DirSyncResponseControl)

    /// Decodes `bytes` as the same kind of value as `self`.
    func decodeSameKind(_ bytes: [UInt8]?) throws(LDAPDecodingError) -> SyncValue {
        switch self {
        case .request: .request(try SyncRequestControl(controlValue: bytes))
        case .state: .state(try SyncStateControl(controlValue: bytes))
        case .done: .done(try SyncDoneControl(controlValue: bytes))
        case .info: .info(try SyncInfoMessage(value: bytes))
        case .dirSyncRequest: .dirSyncRequest(try DirSyncRequestControl(controlValue: bytes))
        case .dirSyncResponse: .dirSyncResponse(try DirSyncResponseControl(controlValue: bytes))
        }
    }

    var encoded: [UInt8]? {
        switch self {
        case .request(let control): control.controlValue
        case .state(let control): control.controlValue
        case .done(let control): control.controlValue
        case .info(let message): message.value
        case .dirSyncRequest(let control): control.controlValue
        case .dirSyncResponse(let control): control.controlValue
        }
    }
}

struct SyncFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let hex: String
    let value: SyncValue
    /// False when the octets are valid but not canonical (a DEFAULT spelled out, flags sent
    /// as a positive INTEGER): they decode to `value`, which encodes differently.
    var canonical = true
    var testDescription: String { name }
}

/// "rid=000", 7 octets.
private let cookieHex = "72 69 64 3d 30 30 30"
private let cookie = Array("rid=000".utf8)
private let uuidAHex = "59 7a e2 f6 16 a6 10 27 98 f4 d2 8b 53 65 dc 14"
private let uuidA = SyncUUID("597ae2f6-16a6-1027-98f4-d28b5365dc14")!
private let uuidBHex = "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff"
private let uuidB = SyncUUID("00000000-0000-0000-0000-0000000000FF")!

let syncFixtures: [SyncFixture] = [
    // syncRequestValue: ENUMERATED (3) [+ cookie (2 + 7)] [+ BOOLEAN (3)]
    SyncFixture(name: "request refreshOnly", hex: "30 03 0a 01 01", value: .request(.init(mode: .refreshOnly))),
    SyncFixture(
        name: "request refreshAndPersist with cookie", hex: "30 0c 0a 01 03 04 07 \(cookieHex)",
        value: .request(.init(mode: .refreshAndPersist, cookie: cookie))),
    SyncFixture(
        name: "request with cookie and reloadHint", hex: "30 0f 0a 01 01 04 07 \(cookieHex) 01 01 ff",
        value: .request(.init(mode: .refreshOnly, cookie: cookie, reloadHint: true))),
    SyncFixture(
        name: "request with an empty cookie", hex: "30 05 0a 01 01 04 00",
        value: .request(.init(mode: .refreshOnly, cookie: []))),
    SyncFixture(
        name: "request with reloadHint FALSE spelled out", hex: "30 06 0a 01 03 01 01 00",
        value: .request(.init(mode: .refreshAndPersist)), canonical: false),
    SyncFixture(
        name: "request with reloadHint TRUE as 0x01 (BER)", hex: "30 06 0a 01 01 01 01 01",
        value: .request(.init(mode: .refreshOnly, reloadHint: true)), canonical: false),
    // syncStateValue: ENUMERATED (3) + OCTET STRING (2 + 16) [+ cookie (2 + 7)]
    SyncFixture(
        name: "state add", hex: "30 15 0a 01 01 04 10 \(uuidAHex)",
        value: .state(.init(state: .add, entryUUID: uuidA))),
    SyncFixture(
        name: "state modify with cookie", hex: "30 1e 0a 01 02 04 10 \(uuidAHex) 04 07 \(cookieHex)",
        value: .state(.init(state: .modify, entryUUID: uuidA, cookie: cookie))),
    SyncFixture(
        name: "state present", hex: "30 15 0a 01 00 04 10 \(uuidBHex)",
        value: .state(.init(state: .present, entryUUID: uuidB))),
    SyncFixture(
        name: "state delete", hex: "30 15 0a 01 03 04 10 \(uuidBHex)",
        value: .state(.init(state: .delete, entryUUID: uuidB))),
    // syncDoneValue: [cookie (2 + 7)] [BOOLEAN (3)]
    SyncFixture(name: "done without anything (nothing changed)", hex: "30 00", value: .done(.init())),
    SyncFixture(name: "done with cookie", hex: "30 09 04 07 \(cookieHex)", value: .done(.init(cookie: cookie))),
    SyncFixture(
        name: "done with cookie and refreshDeletes", hex: "30 0c 04 07 \(cookieHex) 01 01 ff",
        value: .done(.init(cookie: cookie, refreshDeletes: true))),
    SyncFixture(
        name: "done with refreshDeletes FALSE spelled out", hex: "30 03 01 01 00", value: .done(.init()), canonical: false),
    // syncInfoValue (IMPLICIT TAGS)
    SyncFixture(name: "info newcookie", hex: "80 07 \(cookieHex)", value: .info(.newCookie(cookie))),
    SyncFixture(name: "info newcookie empty", hex: "80 00", value: .info(.newCookie([]))),
    SyncFixture(
        name: "info refreshDelete, done by default", hex: "a1 00", value: .info(.refreshDelete(cookie: nil, refreshDone: true))),
    SyncFixture(
        name: "info refreshDelete with cookie", hex: "a1 09 04 07 \(cookieHex)",
        value: .info(.refreshDelete(cookie: cookie, refreshDone: true))),
    SyncFixture(
        name: "info refreshPresent not done", hex: "a2 0c 04 07 \(cookieHex) 01 01 00",
        value: .info(.refreshPresent(cookie: cookie, refreshDone: false))),
    SyncFixture(
        name: "info refreshPresent with refreshDone TRUE spelled out (as slapd sends it)", hex: "a2 03 01 01 ff",
        value: .info(.refreshPresent(cookie: nil, refreshDone: true)), canonical: false),
    // cookie (2 + 7) + BOOLEAN (3) + SET (2 + 2 × 18 = 0x24): 0x32
    SyncFixture(
        name: "info syncIdSet of deletes", hex: "a3 32 04 07 \(cookieHex) 01 01 ff 31 24 04 10 \(uuidAHex) 04 10 \(uuidBHex)",
        value: .info(.syncIdSet(cookie: cookie, refreshDeletes: true, syncUUIDs: [uuidA, uuidB]))),
    SyncFixture(
        name: "info syncIdSet of presents, no cookie, order kept", hex: "a3 26 31 24 04 10 \(uuidBHex) 04 10 \(uuidAHex)",
        value: .info(.syncIdSet(cookie: nil, refreshDeletes: false, syncUUIDs: [uuidB, uuidA]))),
    SyncFixture(
        name: "info syncIdSet empty", hex: "a3 02 31 00", value: .info(.syncIdSet(cookie: nil, refreshDeletes: false, syncUUIDs: []))),
    // DirSyncRequestValue: INTEGER flags, INTEGER maxBytes, OCTET STRING cookie
    SyncFixture(
        name: "DirSync request, object security, first", hex: "30 09 02 01 01 02 02 03 e8 04 00",
        value: .dirSyncRequest(.init(flags: .objectSecurity, maxBytes: 1000))),
    SyncFixture(
        name: "DirSync request, incremental values is the sign bit", hex: "30 0f 02 04 80 00 00 01 02 01 00 04 04 4d 53 44 53",
        value: .dirSyncRequest(.init(flags: [.incrementalValues, .objectSecurity], cookie: Array("MSDS".utf8)))),
    SyncFixture(
        name: "DirSync request, every flag", hex: "30 0b 02 04 80 00 28 01 02 01 00 04 00",
        value: .dirSyncRequest(.init(flags: [.incrementalValues, .objectSecurity, .ancestorsFirstOrder, .publicDataOnly]))),
    SyncFixture(
        name: "DirSync request, top bit sent as a positive INTEGER", hex: "30 0c 02 05 00 80 00 00 01 02 01 00 04 00",
        value: .dirSyncRequest(.init(flags: [.incrementalValues, .objectSecurity])), canonical: false),
    SyncFixture(
        name: "DirSync response, more to come", hex: "30 0c 02 01 01 02 01 00 04 04 4d 53 44 53",
        value: .dirSyncResponse(.init(moreResults: true, cookie: Array("MSDS".utf8)))),
    SyncFixture(
        name: "DirSync response, done", hex: "30 08 02 01 00 02 01 00 04 00",
        value: .dirSyncResponse(.init(moreResults: false, cookie: []))),
]

struct BadSyncValue: Sendable, CustomTestStringConvertible {
    let name: String
    /// nil: no value at all (the control was sent without one).
    let hex: String?
    /// Which decoder to feed (only its kind matters).
    let kind: SyncValue
    let code: LDAPDecodingError.Code
    var testDescription: String { name }
}

private let request = SyncValue.request(.init(mode: .refreshOnly))
private let state = SyncValue.state(.init(state: .add, entryUUID: uuidA))
private let done = SyncValue.done(.init())
private let info = SyncValue.info(.newCookie([]))
private let dirSync = SyncValue.dirSyncRequest(.init())
private let dirSyncResponse = SyncValue.dirSyncResponse(.init(moreResults: false, cookie: []))

let badSyncValues: [BadSyncValue] = [
    BadSyncValue(name: "request without a value", hex: nil, kind: request, code: .invalidValue),
    BadSyncValue(name: "request empty value", hex: "", kind: request, code: .truncated),
    BadSyncValue(name: "request mode 2 (reserved)", hex: "30 03 0a 01 02", kind: request, code: .invalidValue),
    BadSyncValue(name: "request mode 0 (unused)", hex: "30 03 0a 01 00", kind: request, code: .invalidValue),
    BadSyncValue(name: "request mode as INTEGER", hex: "30 03 02 01 01", kind: request, code: .unexpectedTag),
    BadSyncValue(name: "request truncated", hex: "30 05 0a 01 01", kind: request, code: .truncated),
    BadSyncValue(name: "request cut inside the cookie", hex: "30 0c 0a 01 03 04 07 72 69", kind: request, code: .truncated),
    BadSyncValue(name: "request bytes after the SEQUENCE", hex: "30 03 0a 01 01 00", kind: request, code: .trailingData),
    BadSyncValue(name: "request reloadHint before cookie", hex: "30 08 0a 01 01 01 01 ff 04 00", kind: request, code: .trailingData),
    BadSyncValue(name: "request not a SEQUENCE", hex: "31 03 0a 01 01", kind: request, code: .unexpectedTag),
    BadSyncValue(name: "request constructed cookie", hex: "30 07 0a 01 01 24 02 04 00", kind: request, code: .trailingData),
    BadSyncValue(name: "request indefinite length", hex: "30 80 0a 01 01 00 00", kind: request, code: .indefiniteLength),
    BadSyncValue(name: "request huge length", hex: "30 84 ff ff ff ff 0a 01 01", kind: request, code: .invalidLength),
    BadSyncValue(name: "state without a value", hex: nil, kind: state, code: .invalidValue),
    BadSyncValue(name: "state 4", hex: "30 15 0a 01 04 04 10 \(uuidAHex)", kind: state, code: .invalidValue),
    BadSyncValue(name: "state negative", hex: "30 15 0a 01 ff 04 10 \(uuidAHex)", kind: state, code: .invalidValue),
    BadSyncValue(name: "state without entryUUID", hex: "30 03 0a 01 01", kind: state, code: .truncated),
    BadSyncValue(
        name: "state entryUUID of 15 octets", hex: "30 14 0a 01 01 04 0f 59 7a e2 f6 16 a6 10 27 98 f4 d2 8b 53 65 dc",
        kind: state, code: .invalidValue),
    BadSyncValue(name: "state entryUUID as text", hex: "30 07 0a 01 01 04 02 61 62", kind: state, code: .invalidValue),
    BadSyncValue(name: "state entryUUID constructed", hex: "30 07 0a 01 01 24 02 04 00", kind: state, code: .wrongConstruction),
    BadSyncValue(
        name: "state trailing BOOLEAN", hex: "30 18 0a 01 01 04 10 \(uuidAHex) 01 01 ff", kind: state, code: .trailingData),
    BadSyncValue(name: "done without a value", hex: nil, kind: done, code: .invalidValue),
    BadSyncValue(name: "done BOOLEAN of two octets", hex: "30 04 01 02 ff ff", kind: done, code: .invalidPrimitive),
    BadSyncValue(name: "done BOOLEAN then cookie", hex: "30 05 01 01 ff 04 00", kind: done, code: .trailingData),
    BadSyncValue(name: "done INTEGER instead", hex: "30 03 02 01 01", kind: done, code: .trailingData),
    BadSyncValue(name: "info without a value", hex: nil, kind: info, code: .invalidValue),
    BadSyncValue(name: "info empty value", hex: "", kind: info, code: .truncated),
    BadSyncValue(name: "info choice [4] (unknown)", hex: "a4 00", kind: info, code: .unexpectedTag),
    BadSyncValue(name: "info universal OCTET STRING", hex: "04 00", kind: info, code: .unexpectedTag),
    BadSyncValue(name: "info application tag", hex: "61 00", kind: info, code: .unexpectedTag),
    BadSyncValue(name: "info newcookie constructed", hex: "a0 02 04 00", kind: info, code: .wrongConstruction),
    BadSyncValue(name: "info refreshDelete primitive", hex: "81 00", kind: info, code: .wrongConstruction),
    BadSyncValue(name: "info syncIdSet primitive", hex: "83 00", kind: info, code: .wrongConstruction),
    BadSyncValue(name: "info newcookie truncated", hex: "80 07 72 69", kind: info, code: .truncated),
    BadSyncValue(name: "info two choices", hex: "80 00 a1 00", kind: info, code: .trailingData),
    BadSyncValue(name: "info refreshDelete with two BOOLEANs", hex: "a1 06 01 01 ff 01 01 ff", kind: info, code: .trailingData),
    BadSyncValue(name: "info refreshPresent with an INTEGER", hex: "a2 03 02 01 01", kind: info, code: .trailingData),
    BadSyncValue(name: "info syncIdSet without the SET", hex: "a3 00", kind: info, code: .truncated),
    BadSyncValue(name: "info syncIdSet with a SEQUENCE", hex: "a3 02 30 00", kind: info, code: .unexpectedTag),
    BadSyncValue(
        name: "info syncIdSet UUID of 17 octets", hex: "a3 15 31 13 04 11 \(uuidAHex) 00", kind: info, code: .invalidValue),
    BadSyncValue(name: "info syncIdSet BOOLEAN in the SET", hex: "a3 05 31 03 01 01 ff", kind: info, code: .unexpectedTag),
    BadSyncValue(name: "info syncIdSet after the SET", hex: "a3 05 31 00 01 01 ff", kind: info, code: .trailingData),
    BadSyncValue(name: "info syncIdSet SET cut short", hex: "a3 04 31 12 04 10", kind: info, code: .truncated),
    BadSyncValue(name: "DirSync request without a value", hex: nil, kind: dirSync, code: .invalidValue),
    BadSyncValue(name: "DirSync request without cookie", hex: "30 06 02 01 01 02 01 00", kind: dirSync, code: .truncated),
    BadSyncValue(name: "DirSync flags as OCTET STRING", hex: "30 08 04 01 01 02 01 00 04 00", kind: dirSync, code: .unexpectedTag),
    BadSyncValue(
        name: "DirSync flags beyond 32 bits", hex: "30 0c 02 05 01 00 00 00 00 02 01 00 04 00", kind: dirSync, code: .integerOutOfRange),
    BadSyncValue(
        name: "DirSync maxBytes beyond 32 bits", hex: "30 0c 02 01 01 02 05 00 80 00 00 00 04 00", kind: dirSync,
        code: .integerOutOfRange),
    BadSyncValue(name: "DirSync flags empty INTEGER", hex: "30 07 02 00 02 01 00 04 00", kind: dirSync, code: .invalidPrimitive),
    BadSyncValue(name: "DirSync response missing unused", hex: "30 05 02 01 01 04 00", kind: dirSyncResponse, code: .unexpectedTag),
    BadSyncValue(
        name: "DirSync response trailing", hex: "30 0a 02 01 01 02 01 00 04 00 05 00", kind: dirSyncResponse, code: .trailingData),
]

@Suite("Sync controls")
struct SyncControlTests {
    @Test("decodes to the expected value", arguments: syncFixtures)
    func decodes(fixture: SyncFixture) throws {
        #expect(try fixture.value.decodeSameKind([UInt8](hex: fixture.hex)) == fixture.value)
    }

    @Test("encodes to the expected octets", arguments: syncFixtures.filter(\.canonical))
    func encodes(fixture: SyncFixture) {
        #expect(fixture.value.encoded?.hex == [UInt8](hex: fixture.hex).hex)
    }

    @Test("non-canonical input re-encodes canonically", arguments: syncFixtures.filter { !$0.canonical })
    func canonicalizes(fixture: SyncFixture) throws {
        let decoded = try fixture.value.decodeSameKind([UInt8](hex: fixture.hex))
        let again = try decoded.decodeSameKind(decoded.encoded)
        #expect(again == fixture.value)
        #expect(decoded.encoded != [UInt8](hex: fixture.hex))
    }

    @Test("malformed values are refused with the right code", arguments: badSyncValues)
    func refused(input: BadSyncValue) {
        let bytes = input.hex.map { [UInt8](hex: $0) }
        do {
            let value = try input.kind.decodeSameKind(bytes)
            Issue.record("decoded \(value) from bad input")
        } catch {
            #expect(error.code == input.code, "\(error)")
        }
    }

    @Test("every truncation of every fixture fails cleanly")
    func truncations() {
        for fixture in syncFixtures {
            let bytes = [UInt8](hex: fixture.hex)
            for length in 0..<bytes.count {
                #expect(throws: LDAPDecodingError.self, "\(fixture.name) cut to \(length)") {
                    _ = try fixture.value.decodeSameKind(Array(bytes[..<length]))
                }
            }
        }
    }

    @Test("every single-octet corruption either decodes or throws LDAPDecodingError")
    func corruptions() {
        for fixture in syncFixtures {
            let bytes = [UInt8](hex: fixture.hex)
            for index in bytes.indices {
                for replacement: UInt8 in [0x00, 0x01, 0x04, 0x30, 0x7f, 0x80, 0x81, 0xa3, 0xff] {
                    var corrupt = bytes
                    corrupt[index] = replacement
                    // Typed throws: anything but LDAPDecodingError would not compile; a trap
                    // would end the test run.
                    _ = try? fixture.value.decodeSameKind(corrupt)
                }
            }
        }
    }

    @Test("the typed controls carry their OIDs and decode from the generic control")
    func oids() throws {
        let uuid = try #require(SyncUUID(bytes: Array(0..<16)))
        let controls = [
            LDAPControl(SyncRequestControl(mode: .refreshAndPersist), criticality: true),
            LDAPControl(SyncStateControl(state: .delete, entryUUID: uuid)),
            LDAPControl(SyncDoneControl(cookie: cookie)),
            LDAPControl(DirSyncRequestControl(flags: .objectSecurity), criticality: true),
            LDAPControl(ShowDeletedControl()),
            LDAPControl(ChangeNotificationControl()),
        ]
        #expect(
            controls.map(\.oid) == [
                "1.3.6.1.4.1.4203.1.9.1.1", "1.3.6.1.4.1.4203.1.9.1.2", "1.3.6.1.4.1.4203.1.9.1.3",
                "1.2.840.113556.1.4.841", "1.2.840.113556.1.4.417", "1.2.840.113556.1.4.528",
            ])
        #expect(try controls.first(SyncStateControl.self) == SyncStateControl(state: .delete, entryUUID: uuid))
        #expect(try controls.first(SyncDoneControl.self)?.cookie == cookie)
        #expect(try controls.first(SyncRequestControl.self)?.mode == .refreshAndPersist)
        #expect(try controls.first(DirSyncRequestControl.self)?.flags == .objectSecurity)
        #expect(controls[4].value == nil)
        #expect(try ShowDeletedControl(controls[4]) != nil)
        #expect(try ChangeNotificationControl(controlValue: []) == ChangeNotificationControl())
        #expect(throws: LDAPDecodingError.self) { try ShowDeletedControl(controlValue: [0x05, 0x00]) }
        // The same example as SlapdFixture.persistentSearchControl, built independently.
        #expect(SyncRequestControl(mode: .refreshAndPersist).controlValue == [0x30, 0x03, 0x0A, 0x01, 0x03])
    }

    @Test("a Sync Info message is read from its IntermediateResponse, other names are not")
    func fromIntermediateResponse() throws {
        let message = SyncInfoMessage.refreshDelete(cookie: cookie, refreshDone: true)
        let response = message.intermediateResponse
        #expect(response.name == "1.3.6.1.4.1.4203.1.9.1.4")
        #expect(try SyncInfoMessage(response) == message)
        #expect(try SyncInfoMessage(IntermediateResponse(name: "1.2.3.4", value: message.value)) == nil)
        #expect(try SyncInfoMessage(IntermediateResponse(name: nil, value: message.value)) == nil)
        #expect(throws: LDAPDecodingError.self) { try SyncInfoMessage(IntermediateResponse(name: SyncInfoMessage.oid)) }
        // The intermediate response of LDAPMessageFixtureTests, as it arrives in a PDU.
        let pdu = try LDAPMessage.decode(hex: "302602010b79218018312e332e362e312e342e312e343230332e312e392e312e348105a2030101ff")
        guard case .intermediateResponse(let intermediate) = pdu.protocolOp else {
            Issue.record("not an intermediate response: \(pdu)")
            return
        }
        #expect(try SyncInfoMessage(intermediate) == .refreshPresent(cookie: nil, refreshDone: true))
        #expect(message.cookie == cookie)
        #expect(SyncInfoMessage.newCookie([1]).cookie == [1])
        #expect(SyncInfoMessage.syncIdSet(cookie: nil, refreshDeletes: true, syncUUIDs: []).cookie == nil)
    }

    @Test("slapd's own sync PDUs (Fixtures/CapturedPDUs) decode, and re-encode to the same octets")
    func capturedFromSlapd() throws {
        var seen: [String: Int] = [:]
        var infos: [String: [SyncInfoMessage]] = [:]
        var dones: [String: SyncDoneControl] = [:]
        for pdu in CapturedPDUs.all {
            let message = try pdu.decode()
            for control in message.controls {
                let value: SyncValue
                switch control.oid {
                case SyncRequestControl.oid: value = .request(try SyncRequestControl(controlValue: control.value))
                case SyncStateControl.oid: value = .state(try SyncStateControl(controlValue: control.value))
                case SyncDoneControl.oid:
                    let done = try SyncDoneControl(controlValue: control.value)
                    dones[pdu.scenario] = done
                    value = .done(done)
                default: continue
                }
                #expect(value.encoded == control.value, "\(pdu.testDescription)")
                seen[control.oid, default: 0] += 1
            }
            if case .intermediateResponse(let response) = message.protocolOp, let info = try SyncInfoMessage(response) {
                #expect(info.value == response.value, "\(pdu.testDescription)")
                infos[pdu.scenario, default: []].append(info)
                seen[SyncInfoMessage.oid, default: 0] += 1
            }
        }
        #expect(seen.count == 4, "\(seen)")
        let firstCookie = Array("rid=000,csn=20261123163205.384119Z#000000#000#000000".utf8)
        #expect(dones["sync-refresh-only"] == SyncDoneControl(cookie: firstCookie, refreshDeletes: true))
        #expect(infos["sync-refresh-persist"] == [.refreshDelete(cookie: firstCookie, refreshDone: true)])
        // Resuming from that cookie without a session log: a present phase (the unchanged
        // entry's UUID in a syncIdSet without cookie), the changed entry, then its end.
        let resumed = try #require(infos["sync-refresh-persist-cookie"])
        #expect(resumed.count == 2)
        guard resumed.count == 2, case .syncIdSet(nil, false, let uuids) = resumed[0] else {
            Issue.record("expected a syncIdSet of presents first: \(resumed)")
            return
        }
        #expect(uuids.map(\.description) == ["2990c8e6-7ba7-1041-8e2f-5def947069cf", "2990cca6-7ba7-1041-8e34-5def947069cf"])
        #expect(resumed[1] == .refreshPresent(cookie: Array("rid=000,csn=20261123163206.907447Z#000000#000#000000".utf8), refreshDone: true))
    }

    @Test("SyncUUID: text form, octets, order")
    func syncUUID() throws {
        let text = "597ae2f6-16a6-1027-98f4-d28b5365dc14"
        let uuid = try #require(SyncUUID(text))
        #expect(uuid.bytes == [UInt8](hex: uuidAHex))
        #expect(uuid.description == text)
        #expect(SyncUUID(text.uppercased()) == uuid)
        #expect(SyncUUID(bytes: [UInt8](hex: uuidAHex)) == uuid)
        #expect(SyncUUID(bytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(SyncUUID(bytes: [UInt8](repeating: 0, count: 17)) == nil)
        for bad in [
            "", "597ae2f616a6102798f4d28b5365dc14", "597ae2f6-16a6-1027-98f4-d28b5365dc1", "597ae2f6-16a6-1027-98f4-d28b5365dc1g",
            "597ae2f6-16a6-1027-98f4_d28b5365dc14", "597ae2f6-16a6-1027-98f4-d28b5365dc14 ", "597ae2f6-16a6-1027-98f-4d28b5365dc14",
            "+97ae2f6-16a6-1027-98f4-d28b5365dc14", "597ae2f6-16a6-1027-98f4-d28b5365dcé",
        ] {
            #expect(SyncUUID(bad) == nil, "\(bad)")
        }
        let low = try #require(SyncUUID(bytes: [UInt8](repeating: 0, count: 15) + [1]))
        let high = try #require(SyncUUID(bytes: [1] + [UInt8](repeating: 0, count: 15)))
        let top = try #require(SyncUUID(bytes: [UInt8](repeating: 0xff, count: 16)))
        #expect(low < high && high < top)
        #expect(top.description == "ffffffff-ffff-ffff-ffff-ffffffffffff")
        #expect(Set([low, high, top, low]).count == 3)
    }

    @Test("e-syncRefreshRequired has a name")
    func resultCode() {
        #expect(LDAPResultCode.syncRefreshRequired.rawValue == 4096)
        #expect(LDAPResultCode(4096).description == "e-syncRefreshRequired (4096)")
    }

    // MARK: Random round trips

    static func uuid(_ rng: inout LDAPRandom) -> SyncUUID {
        let octets = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return SyncUUID(bytes: octets)!
    }

    static func randomCookie(_ rng: inout LDAPRandom) -> [UInt8]? {
        LDAPArbitrary.chance(0.3, &rng) ? nil : LDAPArbitrary.bytes(&rng, maxCount: 200)
    }

    static func anyValue(_ rng: inout LDAPRandom) -> SyncValue {
        switch LDAPArbitrary.int(0...8, &rng) {
        case 0:
            return .request(
                .init(
                    mode: LDAPArbitrary.pick([.refreshOnly, .refreshAndPersist], &rng), cookie: randomCookie(&rng),
                    reloadHint: LDAPArbitrary.chance(0.5, &rng)))
        case 1:
            return .state(
                .init(state: LDAPArbitrary.pick([.present, .add, .modify, .delete], &rng), entryUUID: uuid(&rng), cookie: randomCookie(&rng)))
        case 2:
            return .done(.init(cookie: randomCookie(&rng), refreshDeletes: LDAPArbitrary.chance(0.5, &rng)))
        case 3:
            return .info(.newCookie(LDAPArbitrary.bytes(&rng, maxCount: 200)))
        case 4:
            return .info(.refreshDelete(cookie: randomCookie(&rng), refreshDone: LDAPArbitrary.chance(0.5, &rng)))
        case 5:
            return .info(.refreshPresent(cookie: randomCookie(&rng), refreshDone: LDAPArbitrary.chance(0.5, &rng)))
        case 6:
            // Up to 200 UUIDs: past 127 octets the SET needs a long-form length.
            let uuids = (0..<LDAPArbitrary.int(0...200, &rng)).map { _ in uuid(&rng) }
            return .info(.syncIdSet(cookie: randomCookie(&rng), refreshDeletes: LDAPArbitrary.chance(0.5, &rng), syncUUIDs: uuids))
        case 7:
            let flags = DirSyncRequestControl.Flags(rawValue: UInt32.random(in: 0...UInt32.max, using: &rng))
            return .dirSyncRequest(
                .init(
                    flags: flags, maxBytes: LDAPArbitrary.pick(LDAPArbitrary.interestingIntegers, &rng),
                    cookie: LDAPArbitrary.bytes(&rng, maxCount: 300)))
        default:
            return .dirSyncResponse(
                .init(
                    moreResults: LDAPArbitrary.chance(0.5, &rng), cookie: LDAPArbitrary.bytes(&rng, maxCount: 300),
                    unused: LDAPArbitrary.pick(LDAPArbitrary.interestingIntegers, &rng)))
        }
    }

    @Test("random values survive encode → decode → encode")
    func randomRoundTrips() async {
        let generator = Generator { rng in Self.anyValue(&rng) }
        await propertyCheck(count: 500, input: generator) { value in
            let encoded = value.encoded
            let decoded = try value.decodeSameKind(encoded)
            #expect(decoded == value)
            #expect(decoded.encoded == encoded)
        }
    }
}
