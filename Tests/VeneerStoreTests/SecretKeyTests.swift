import Foundation
import Testing

@testable import VeneerStore

@Suite("Secret keys")
struct SecretKeyTests {
    static let bytes = (0..<32).map { UInt8($0 * 7 + 1) }
    static var hex: String { bytes.lowercaseHex }
    static var base64: String { Data(bytes).base64EncodedString() }

    func raw(_ key: SecretKey) -> [UInt8] { key.symmetricKey.withUnsafeBytes { Array($0) } }

    func write(_ contents: [UInt8], to path: String, mode: Int = 0o600) throws {
        try Data(contents).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test("key files: raw bytes, hex (either case) and base64, surrounding whitespace trimmed")
    func loadForms() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let forms: [[UInt8]] = [
            Self.bytes, Array(Self.hex.utf8), Array((Self.hex.uppercased() + "\n").utf8), Array("  \(Self.base64)\r\n".utf8),
        ]
        for (index, contents) in forms.enumerated() {
            let path = directory.file("key\(index)")
            try write(contents, to: path, mode: index % 2 == 0 ? 0o600 : 0o400)
            #expect(raw(try SecretKey.load(file: path)) == Self.bytes, "form \(index)")
        }
    }

    @Test("key files that are not keys are refused without showing their contents")
    func badContents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let contents = ["", "abc", String(Self.hex.dropLast()), Self.hex + "00", Data(Self.bytes.dropLast()).base64EncodedString(), String(repeating: "a", count: 5000)]
        for (index, text) in contents.enumerated() {
            let path = directory.file("bad\(index)")
            try write(Array(text.utf8), to: path)
            let error = storeError { _ = try SecretKey.load(file: path) }
            #expect(error?.kind == .secretsUnavailable)
            #expect(error?.message.contains(path) == true)
            if text.count > 3 { #expect(error?.message.contains(String(text.prefix(16))) == false) }
        }
        let missing = storeError { _ = try SecretKey.load(file: directory.file("missing")) }
        #expect(missing?.kind == .secretsUnavailable && missing?.message.contains("missing") == true)
        let notAFile = storeError { _ = try SecretKey.load(file: directory.path) }
        #expect(notAFile?.kind == .secretsUnavailable)
    }

    @Test("a key file readable or writable by group or others is refused, saying chmod 600", arguments: [0o640, 0o604, 0o620, 0o644, 0o666, 0o602])
    func permissions(_ mode: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("key")
        try write(Array(Self.hex.utf8), to: path, mode: mode)
        let error = storeError { _ = try SecretKey.load(file: path) }
        #expect(error?.kind == .secretsUnavailable)
        #expect(error?.message.contains("chmod 600 \(path)") == true, "\(String(describing: error))")
        #expect(error?.message.contains(Self.hex) == false)
    }

    @Test("create writes 32 random bytes as hex with mode 0600 and never overwrites")
    func create() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("new.key")
        let key = try SecretKey.create(file: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        #expect(HexCoding.decode(text.dropLast()) == raw(key))
        #expect(raw(try SecretKey.load(file: path)) == raw(key))
        #expect(raw(try SecretKey.create(file: directory.file("other.key"))) != raw(key))

        // O_EXCL: an existing file (or a symlink planted in its place) is left alone.
        let error = storeError { _ = try SecretKey.create(file: path) }
        #expect(error?.kind == .secretsUnavailable && error?.message.contains("already exists") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.key"), withDestinationPath: directory.file("target"))
        #expect(storeError { _ = try SecretKey.create(file: directory.file("link.key")) }?.kind == .secretsUnavailable)
        #expect(!FileManager.default.fileExists(atPath: directory.file("target")))
        #expect(storeError { _ = try SecretKey.create(file: directory.file("no/such/dir/key")) }?.kind == .secretsUnavailable)
    }

    @Test("environment: hex or base64; missing or malformed is refused naming the variable")
    func environment() throws {
        let name = "VENEER_STORE_TEST_KEY_\(UUID().uuidString.prefix(8))"
        defer { unsetenv(name) }
        #expect(storeError { _ = try SecretKey.fromEnvironment(name) }?.message.contains(name) == true)
        for value in [Self.hex, Self.base64, " \(Self.hex)\n"] {
            setenv(name, value, 1)
            #expect(raw(try SecretKey.fromEnvironment(name)) == Self.bytes)
        }
        setenv(name, String(decoding: Self.bytes, as: UTF8.self), 1)  // raw bytes are not accepted from the environment
        let error = storeError { _ = try SecretKey.fromEnvironment(name) }
        #expect(error?.kind == .secretsUnavailable && error?.message.contains(name) == true)
    }

    @Test("init(bytes:) takes exactly 32 bytes; description hides the key")
    func bytesInit() throws {
        #expect(storeError { _ = try SecretKey(bytes: [1, 2, 3]) }?.kind == .secretsUnavailable)
        let key = try SecretKey(bytes: Self.bytes)
        #expect(!"\(key)".contains(Self.hex) && "\(key)" == "SecretKey(<redacted>)")
    }
}
