extension String {
    /// The string with A–Z folded to a–z and every other byte unchanged (so UTF-8 stays
    /// valid); the string itself, without a copy, when it has no capitals.
    ///
    /// Attribute descriptions and OIDs are ASCII (RFC 4512 §1.4), and their case-insensitive
    /// keys are built for every attribute of every proxied entry: `lowercased()` does full
    /// Unicode case mapping, which cost several percent of a phonebook search.
    public var asciiLowercased: String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return self }
        let count = utf8.count
        return String(unsafeUninitializedCapacity: count) { output in
            var index = 0
            for byte in utf8 {
                output[index] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
                index += 1
            }
            return count
        }
    }
}
