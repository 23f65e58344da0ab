// Where a `SecretKey` comes from: a key file (checked for its mode) or an environment
// variable. Messages name the file or variable, never the key.
import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum SecretKeySources {
    static let byteCount = 32
    /// Anything longer is not a key file (a key is at most 64 hex digits plus a newline).
    private static let maximumFileSize = 1024

    /// 32 raw bytes (only when the text is exactly that long), else after trimming whitespace
    /// 64 hex digits or base64 of 32 bytes.
    static func decode(_ bytes: [UInt8], rawAllowed: Bool) -> [UInt8]? {
        if rawAllowed && bytes.count == byteCount { return bytes }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.utf8.count == 2 * byteCount, let decoded = HexCoding.decode(text) { return decoded }
        if let decoded = Data(base64Encoded: text), decoded.count == byteCount { return Array(decoded) }
        return nil
    }

    static func readKeyFile(_ file: String) throws(StoreError) -> [UInt8] {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError(.secretsUnavailable, "cannot open the secret key file \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // fstat on the open descriptor: the mode checked is the mode of the file read.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StoreError(.secretsUnavailable, "cannot inspect the secret key file \(file): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw StoreError(.secretsUnavailable, "the secret key file \(file) is not a regular file")
        }
        let permissions = status.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw StoreError(
                .secretsUnavailable,
                "the secret key file \(file) is readable or writable by group or others (mode \(String(permissions, radix: 8))); run chmod 600 \(file)"
            )
        }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while contents.count <= maximumFileSize {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.secretsUnavailable, "cannot read the secret key file \(file): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            contents.append(contentsOf: buffer[0..<count])
        }
        guard contents.count <= maximumFileSize, let key = decode(contents, rawAllowed: true) else {
            throw StoreError(
                .secretsUnavailable,
                "the secret key file \(file) does not hold a key: expected 32 raw bytes, 64 hex digits or base64 of 32 bytes"
            )
        }
        return key
    }

    /// Writes 32 random bytes as hex. The file is created by open(2) with O_EXCL and mode 0600,
    /// so it never exists with wider permissions and an existing file is never overwritten.
    static func createKeyFile(_ file: String) throws(StoreError) -> [UInt8] {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            let reason = errno == EEXIST ? "it already exists (not overwritten)" : String(cString: strerror(errno))
            throw StoreError(.secretsUnavailable, "cannot create the secret key file \(file): \(reason)")
        }
        var written = false
        defer {
            close(descriptor)
            if !written { unlink(file) }
        }
        let text = Array((key.lowercaseHex + "\n").utf8)
        var offset = 0
        while offset < text.count {
            let count = text[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.secretsUnavailable, "cannot write the secret key file \(file): \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        guard fsync(descriptor) == 0 else {
            throw StoreError(.secretsUnavailable, "cannot write the secret key file \(file): \(String(cString: strerror(errno)))")
        }
        written = true
        return key
    }

    static func fromEnvironment(_ name: String) throws(StoreError) -> [UInt8] {
        guard let value = ProcessInfo.processInfo.environment[name] else {
            throw StoreError(.secretsUnavailable, "the environment variable \(name) is not set")
        }
        guard let key = decode(Array(value.utf8), rawAllowed: false) else {
            throw StoreError(.secretsUnavailable, "the environment variable \(name) does not hold a key: expected 64 hex digits or base64 of 32 bytes")
        }
        return key
    }
}
