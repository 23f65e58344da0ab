import Foundation

/// One row of `veneer digest import`'s CSV, checked for shape (the person is looked up later).
/// Secrets are never quoted back in messages.
struct DigestImportRow {
    enum Secret {
        case password(String)
        case hashes(md5: String, sha256: String)
        case generate
    }

    var line: Int
    var login: String
    var realm: String?
    var userName: String?
    var secret: Secret

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ text: String, generate: Bool) throws -> [DigestImportRow] {
        let records = try CSVReader.records(text)
        guard let header = records.first else { throw Problem(description: "empty: the first line names the columns (login,realm,password)") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known: Set<String> = ["login", "realm", "username", "password", "ha1_md5", "ha1_sha256"]
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw Problem(description: "line \(header.line): unknown column \"\(unknown)\" (known: login, realm, username, password, ha1_md5, ha1_sha256)")
        }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let login = column("login") else { throw Problem(description: "line \(header.line): no login column") }
        let password = column("password")
        let md5 = column("ha1_md5")
        let sha256 = column("ha1_sha256")
        if generate {
            guard password == nil && md5 == nil && sha256 == nil else {
                throw Problem(description: "--generate makes the passwords: the file must not have password or ha1 columns")
            }
        } else if (password != nil) == (md5 != nil && sha256 != nil) || (md5 == nil) != (sha256 == nil) {
            throw Problem(description: "line \(header.line): give a password column, or both ha1_md5 and ha1_sha256 (or use --generate)")
        }
        var rows: [DigestImportRow] = []
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw Problem(description: "line \(record.line): \(record.fields.count) field(s), the header names \(names.count)")
            }
            func value(_ index: Int?) -> String? {
                guard let index else { return nil }
                let text = record.fields[index]
                return text.isEmpty ? nil : text
            }
            guard let name = value(login)?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                throw Problem(description: "line \(record.line): the login is empty")
            }
            let secret: Secret
            if generate {
                secret = .generate
            } else if password != nil {
                guard let given = value(password) else { throw Problem(description: "line \(record.line): the password is empty") }
                secret = .password(given)
            } else {
                let pair = (value(md5)?.lowercased() ?? "", value(sha256)?.lowercased() ?? "")
                guard isHex(pair.0, count: 32), isHex(pair.1, count: 64) else {
                    throw Problem(description: "line \(record.line): ha1_md5 must be 32 hex digits and ha1_sha256 64")
                }
                secret = .hashes(md5: pair.0, sha256: pair.1)
            }
            rows.append(DigestImportRow(line: record.line, login: name, realm: value(column("realm")), userName: value(column("username")), secret: secret))
        }
        return rows
    }

    private static func isHex(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// 20 characters from 56 unambiguous letters and digits (about 116 bits), from the system's
    /// cryptographic generator.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
