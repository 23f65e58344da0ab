// A throw-away CA and a server certificate signed by it, made with the `openssl` command line
// tool (no crypto code of our own in tests). EC P-256 keys: generating them takes milliseconds,
// RSA keys would dominate a fixture's start-up time.
import Foundation

public struct SlapdCertificates: Sendable {
    /// PEM of the CA certificate clients should trust.
    public let caFile: String
    public let certificateFile: String
    /// Private key of the server certificate, mode 0600.
    public let keyFile: String

    /// Creates `ca.pem`, `ca.key`, `server.pem` and `server.key` in `directory`. The server
    /// certificate's SANs are `subjectAltNames`: IPv4 literals become IP SANs, the rest DNS SANs.
    public static func make(
        in directory: String, subjectAltNames: [String] = ["127.0.0.1", "localhost"]
    ) async throws -> SlapdCertificates {
        let openssl = try TestProcess.findExecutable("openssl")
        let caKey = "\(directory)/ca.key"
        let caFile = "\(directory)/ca.pem"
        let key = "\(directory)/server.key"
        let request = "\(directory)/server.csr"
        let certificate = "\(directory)/server.pem"
        let extensions = "\(directory)/server-ext.cnf"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        try await TestProcess.runChecked(
            openssl,
            ["req", "-x509"] + curve + [
                "-keyout", caKey, "-out", caFile, "-days", "30", "-subj", "/CN=Veneer Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try await TestProcess.runChecked(
            openssl, ["req"] + curve + ["-keyout", key, "-out", request, "-subj", "/CN=\(subjectAltNames.first ?? "localhost")"])

        let sans = subjectAltNames.map { isIPv4Literal($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
        let extensionText = """
            subjectAltName=\(sans)
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth

            """
        try extensionText.write(toFile: extensions, atomically: true, encoding: .utf8)
        try await TestProcess.runChecked(
            openssl,
            [
                "x509", "-req", "-in", request, "-CA", caFile, "-CAkey", caKey,
                "-set_serial", "0x\(String(UInt64.random(in: 1...UInt64.max), radix: 16))",
                "-out", certificate, "-days", "30", "-extfile", extensions,
            ])
        for file in [caKey, key] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
        return SlapdCertificates(caFile: caFile, certificateFile: certificate, keyFile: key)
    }

    static func isIPv4Literal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil }
    }
}
