/// Reads the SRV records out of a DNS response message (RFC 1035 §4.1, RFC 2782). The stub
/// resolver hands us the raw message; this parser is pure so it can be tested with crafted
/// bytes, and bounds-checks everything (the bytes come from the network).
enum DNSSRVAnswer {
    static let typeSRV: UInt16 = 33
    static let classIN: UInt16 = 1

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func records(in message: [UInt8]) throws(Malformed) -> [SRVRecord] {
        var reader = Reader(bytes: message)
        _ = try reader.uint16()  // id
        let flags = try reader.uint16()
        let responseCode = flags & 0x000F
        guard responseCode == 0 else { throw Malformed(description: "the DNS server answered with response code \(responseCode)") }
        let questions = try reader.uint16()
        let answers = try reader.uint16()
        _ = try reader.uint16()  // authority
        _ = try reader.uint16()  // additional
        for _ in 0..<questions {
            _ = try reader.name()
            _ = try reader.uint16()  // type
            _ = try reader.uint16()  // class
        }
        var records: [SRVRecord] = []
        for _ in 0..<answers {
            _ = try reader.name()
            let type = try reader.uint16()
            let recordClass = try reader.uint16()
            _ = try reader.uint32()  // TTL
            let length = Int(try reader.uint16())
            let end = reader.offset + length
            guard end <= message.count else { throw Malformed(description: "a record runs past the end of the message") }
            // Answers may include CNAMEs on the way to the SRV records; skip anything else.
            if type == typeSRV, recordClass == classIN {
                let priority = try reader.uint16()
                let weight = try reader.uint16()
                let port = try reader.uint16()
                let target = try reader.name()
                records.append(SRVRecord(priority: Int(priority), weight: Int(weight), port: Int(port), target: target))
            }
            reader.offset = end
        }
        return records
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func uint16() throws(Malformed) -> UInt16 {
            guard offset + 2 <= bytes.count else { throw Malformed(description: "the message is truncated") }
            defer { offset += 2 }
            return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }

        mutating func uint32() throws(Malformed) -> UInt32 {
            UInt32(try uint16()) << 16 | UInt32(try uint16())
        }

        /// A domain name, following compression pointers (RFC 1035 §4.1.4) with a hop limit so
        /// a pointer loop cannot hang us. Returns it without the trailing dot ("." for the root).
        mutating func name() throws(Malformed) -> String {
            var labels: [String] = []
            var position = offset
            var jumped = false
            var hops = 0
            while true {
                guard position < bytes.count else { throw Malformed(description: "a name runs past the end of the message") }
                let length = Int(bytes[position])
                switch length & 0xC0 {
                case 0xC0:
                    guard position + 1 < bytes.count else { throw Malformed(description: "a name pointer is truncated") }
                    hops += 1
                    guard hops <= 64 else { throw Malformed(description: "a name has a compression loop") }
                    let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                    if !jumped { offset = position + 2 }
                    jumped = true
                    position = target
                case 0x00:
                    if length == 0 {
                        if !jumped { offset = position + 1 }
                        return labels.isEmpty ? "." : labels.joined(separator: ".")
                    }
                    guard position + 1 + length <= bytes.count else { throw Malformed(description: "a label runs past the end of the message") }
                    labels.append(String(decoding: bytes[(position + 1)..<(position + 1 + length)], as: UTF8.self))
                    guard labels.count <= 128 else { throw Malformed(description: "a name has too many labels") }
                    position += 1 + length
                default:
                    throw Malformed(description: "a name uses an unknown label type")
                }
            }
        }
    }
}
