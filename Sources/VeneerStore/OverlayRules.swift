// Format rules of local attribute values, checked before anything touches the database.

enum OverlayRules {
    static let maximumAliasLength = 32
    static let maximumExtensionDigits = 16
    /// Realms and digest usernames are short protocol tokens; this only bounds hostile input.
    static let maximumDigestFieldBytes = 256

    /// 1–32 characters from `[0-9A-Za-z_-]`.
    static func validateAlias(_ alias: String) throws(StoreError) {
        let bytes = alias.utf8
        guard (1...maximumAliasLength).contains(bytes.count), bytes.allSatisfy(isAliasByte) else {
            throw StoreError(
                .constraintViolation,
                "alias \(quoted(alias)) is not allowed: an alias is 1 to \(maximumAliasLength) characters from A-Z, a-z, 0-9, \"_\" and \"-\""
            )
        }
    }

    /// The aliases once each, ignoring case, first spelling kept, after checking each one.
    static func validatedAliases(_ aliases: [String]) throws(StoreError) -> [String] {
        var seen: Set<String> = []
        var result: [String] = []
        for alias in aliases {
            try validateAlias(alias)
            if seen.insert(alias.lowercased()).inserted { result.append(alias) }
        }
        return result
    }

    /// 1–16 decimal digits.
    static func validateExtension(_ number: String) throws(StoreError) {
        let bytes = number.utf8
        guard (1...maximumExtensionDigits).contains(bytes.count), bytes.allSatisfy(isDigit) else {
            throw StoreError(.constraintViolation, "extension \(quoted(number)) is not allowed: an extension is 1 to \(maximumExtensionDigits) digits")
        }
    }

    /// The largest number that fits in 16 digits.
    static let largestExtension = 9_999_999_999_999_999

    static func validateRange(_ range: ClosedRange<Int>) throws(StoreError) {
        guard range.lowerBound >= 0, range.upperBound <= largestExtension else {
            throw StoreError(.constraintViolation, "extension range \(range.lowerBound)…\(range.upperBound) is not allowed: extensions are 0…\(largestExtension)")
        }
    }

    /// The credential with its hashes in lowercase, or a refusal naming the bad field.
    static func validatedDigest(_ credential: DigestCredential) throws(StoreError) -> DigestCredential {
        var credential = credential
        for (name, value) in [("realm", credential.realm), ("username", credential.username)] {
            guard (1...maximumDigestFieldBytes).contains(value.utf8.count),
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw StoreError(
                    .constraintViolation,
                    "digest \(name) \(quoted(value)) is not allowed: 1 to \(maximumDigestFieldBytes) bytes without control characters"
                )
            }
        }
        credential.ha1MD5 = credential.ha1MD5.lowercased()
        credential.ha1SHA256 = credential.ha1SHA256.lowercased()
        // The hashes are secret-equivalent: never quoted in a message.
        guard HexCoding.isLowercaseHex(credential.ha1MD5, count: 32), HexCoding.isLowercaseHex(credential.ha1SHA256, count: 64) else {
            throw StoreError(.constraintViolation, "digest for realm \(quoted(credential.realm)) is malformed: expected 32 hex digits (MD5) and 64 hex digits (SHA-256)")
        }
        return credential
    }

    /// Canonical decimal (no leading zero) of an extension, when it is one: the numbers that
    /// `assignExtension` hands out.
    static func canonicalValue(_ number: String) -> Int? {
        guard let value = Int(number), value >= 0, String(value) == number else { return nil }
        return value
    }

    private static func isAliasByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
