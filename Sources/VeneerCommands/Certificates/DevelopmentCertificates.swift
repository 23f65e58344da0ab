import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway certificate authority and one server certificate signed by it, for development
/// and tests: clients trust `ca.pem`, the server presents `cert.pem` with `key.pem`. The CA's
/// own key is discarded once the certificate is signed, so this CA can never issue another.
public struct DevelopmentCertificates: Sendable {
    public var caPEM: String
    public var certificatePEM: String
    public var privateKeyPEM: String

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// - Parameters:
    ///   - hosts: names and IP addresses the server is reached by; each becomes a subject
    ///     alternative name (IP literals as IP SANs, which is what clients check for them).
    ///   - days: validity of the server certificate (the CA gets ten years more than that).
    public static func generate(hosts: [String], days: Int = 365, now: Date = Date()) throws -> DevelopmentCertificates {
        guard let first = hosts.first else { throw Failure(description: "at least one --host is needed") }
        guard (1...3650).contains(days) else { throw Failure(description: "--days must be between 1 and 3650") }
        var names: [GeneralName] = []
        for host in hosts {
            if let bytes = HostSyntax.ipAddressBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
            } else if HostSyntax.isHostName(host) || (host.hasPrefix("*.") && HostSyntax.isHostName(String(host.dropFirst(2)))) {
                names.append(.dnsName(host))
            } else {
                throw Failure(description: "\"\(host)\" is not a host name or an IP address")
            }
        }

        // Backdated a little so a client whose clock lags slightly still accepts it.
        let notBefore = now.addingTimeInterval(-3600)
        let caKey = P256.Signing.PrivateKey()
        let caPrivateKey = Certificate.PrivateKey(caKey)
        let caName = try DistinguishedName {
            OrganizationName("Veneer development")
            CommonName("Veneer development CA \(Int(now.timeIntervalSince1970))")
        }
        let caCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caPrivateKey.publicKey,
            notValidBefore: notBefore, notValidAfter: now.addingTimeInterval(Double(days + 3650) * 86_400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caPrivateKey.publicKey)
            },
            issuerPrivateKey: caPrivateKey)

        let serverKey = P256.Signing.PrivateKey()
        let serverPrivateKey = Certificate.PrivateKey(serverKey)
        let serverCertificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: serverPrivateKey.publicKey,
            notValidBefore: notBefore, notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: caName,
            subject: try DistinguishedName {
                OrganizationName("Veneer development")
                CommonName(first)
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: serverPrivateKey.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPrivateKey.publicKey).keyIdentifier)
            },
            issuerPrivateKey: caPrivateKey)

        return DevelopmentCertificates(
            caPEM: try caCertificate.serializeAsPEM().pemString + "\n",
            certificatePEM: try serverCertificate.serializeAsPEM().pemString + "\n",
            privateKeyPEM: serverKey.pemRepresentation + "\n")
    }

    public struct WrittenFiles: Sendable {
        public var ca: String
        public var certificate: String
        public var privateKey: String
    }

    /// Writes `ca.pem`, `cert.pem` and `key.pem` (mode 0600) into `directory`, creating it.
    /// Refuses to replace any existing file unless `overwrite`; checks all three first, so
    /// it never leaves a mismatched set behind.
    public func write(to directory: String, overwrite: Bool) throws -> WrittenFiles {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let files = WrittenFiles(ca: "\(base)/ca.pem", certificate: "\(base)/cert.pem", privateKey: "\(base)/key.pem")
        if !overwrite {
            let existing = [files.ca, files.certificate, files.privateKey].filter(FileAccess.exists)
            guard existing.isEmpty else {
                throw Failure(description: "\(existing.joined(separator: ", ")) already exist\(existing.count == 1 ? "s" : ""); pass --force to replace")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create \(base): \(error.localizedDescription)")
        }
        try Self.writeFile(files.privateKey, privateKeyPEM, mode: 0o600)
        try Self.writeFile(files.certificate, certificatePEM, mode: 0o644)
        try Self.writeFile(files.ca, caPEM, mode: 0o644)
        return files
    }

    /// Creates or truncates `path` with `mode`, then forces the mode (umask and an existing
    /// file's mode must not leave a private key readable by others).
    private static func writeFile(_ path: String, _ text: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else {
            throw Failure(description: "cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            bytes = bytes.dropFirst(written)
        }
    }
}

/// write(2), out of reach of `DevelopmentCertificates.write(to:overwrite:)`'s name.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
