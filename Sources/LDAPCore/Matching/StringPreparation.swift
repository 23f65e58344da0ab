/// RFC 4518 string preparation, the subset the matching rules need:
///   §2.2 Map: controls and format characters (and U+00AD, U+034F, U+1806, U+180B-180D,
///        U+FE00-FE0F, U+FFFC, U+200B) map to nothing; TAB/LF/VT/FF/CR/NEL and every Zs/Zl/Zp
///        separator map to SPACE; case folding, where the rule asks for it, is Swift's
///        `lowercased()` (full Unicode lowercase mapping, not RFC 3454 table B.2);
///   §2.3 Normalize: NFC via the standard library's normaliser (not NFKC, so compatibility
///        characters such as U+FB01 "fi" stay distinct);
///   §2.4 Prohibit / §2.5 bidi checks are not done;
///   §2.6 Insignificant characters: spaces for the string rules, spaces and hyphens for
///        telephone numbers, all spaces for numeric strings.
/// Input is raw bytes; anything that is not valid UTF-8 (or IA5 for the IA5 rules) gives nil,
/// which the rules report as Undefined.
enum StringPreparation {
    /// Where a substring assertion component sits (RFC 4518 §2.6.1).
    enum SubstringPosition { case initial, any, final }

    /// Mapped, optionally case-folded, NFC-normalised UTF-8; nil if not UTF-8 (or not ASCII
    /// when `ia5Only`).
    static func mapped(_ bytes: [UInt8], caseFold: Bool, ia5Only: Bool = false, removeHyphens: Bool = false) -> [UInt8]? {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return mappedASCII(bytes, caseFold: caseFold, removeHyphens: removeHyphens)
        }
        if ia5Only { return nil }
        guard let string = String(validating: bytes, as: UTF8.self) else { return nil }
        var mappedScalars = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            if removeHyphens && isHyphen(scalar) { continue }
            switch mapping(of: scalar) {
            case .nothing: continue
            case .space: mappedScalars.append(" ")
            case .keep: mappedScalars.append(scalar)
            }
        }
        var result = String(mappedScalars)
        if caseFold { result = result.lowercased() }
        return result._nfcCodeUnits
    }

    /// ASCII fast path of `mapped`, producing exactly what the general path would.
    private static func mappedASCII(_ bytes: [UInt8], caseFold: Bool, removeHyphens: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case 0x09...0x0D: out.append(0x20)
            case 0x00...0x08, 0x0E...0x1F, 0x7F: continue
            case UInt8(ascii: "-") where removeHyphens: continue
            case 0x41...0x5A where caseFold: out.append(byte + 0x20)
            default: out.append(byte)
            }
        }
        return out
    }

    private enum Mapping { case nothing, space, keep }

    private static func mapping(of scalar: Unicode.Scalar) -> Mapping {
        switch scalar.value {
        case 0x09...0x0D, 0x85: return .space
        case 0x00...0x08, 0x0E...0x1F, 0x7F...0x84, 0x86...0x9F: return .nothing
        case 0xAD, 0x34F, 0x6DD, 0x70F, 0x1806, 0x180B...0x180E, 0x200B...0x200F, 0x202A...0x202E,
            0x2060...0x2063, 0x206A...0x206F, 0xFE00...0xFE0F, 0xFEFF, 0xFFF9...0xFFFC,
            0x1D173...0x1D17A, 0xE0001, 0xE0020...0xE007F:
            return .nothing
        default:
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return .space
            default: return .keep
            }
        }
    }

    /// RFC 4518 §2.6.2's hyphens.
    private static func isHyphen(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x58A, 0x2010, 0x2011, 0x2212, 0xFE63, 0xFF0D: return true
        default: return false
        }
    }

    /// `mapped` followed by `collapsingSpaces`: the equality form of the string rules. ASCII
    /// input (the common case) is done in one pass without intermediate arrays.
    static func equalityForm(_ bytes: [UInt8], caseFold: Bool, ia5Only: Bool = false) -> [UInt8]? {
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            if ia5Only { return nil }
            return mapped(bytes, caseFold: caseFold).map(collapsingSpaces)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            var mappedByte = byte
            switch byte {
            case 0x09...0x0D, 0x20:
                pendingSpace = !out.isEmpty
                continue
            case 0x00...0x08, 0x0E...0x1F, 0x7F:
                continue
            case 0x41...0x5A where caseFold:
                mappedByte = byte + 0x20
            default:
                break
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(mappedByte)
        }
        return out
    }

    // MARK: Insignificant space handling (§2.6.1)

    /// The space-separated words of a mapped string.
    private static func words(_ mapped: [UInt8]) -> [ArraySlice<UInt8>] {
        mapped.split(separator: 0x20, omittingEmptySubsequences: true)
    }

    /// Equality form: trimmed, inner runs of spaces collapsed to one. Equivalent to §2.6.1's
    /// "one space at each end, two between words" for equality and ordering, and readable.
    static func collapsingSpaces(_ mapped: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(mapped.count)
        for word in words(mapped) {
            if !out.isEmpty { out.append(0x20) }
            out.append(contentsOf: word)
        }
        return out
    }

    /// §2.6.1 form of an attribute value for substring matching: one space at each end, two
    /// between words, exactly two spaces if there is no word. The doubling is what lets an
    /// assertion component ending or starting with a space match only at a word boundary.
    static func substringValueForm(_ mapped: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x20]
        for (index, word) in words(mapped).enumerated() {
            if index > 0 { out.append(contentsOf: [0x20, 0x20]) }
            out.append(contentsOf: word)
        }
        out.append(0x20)
        return out
    }

    /// §2.6.1 form of a substring assertion component.
    static func substringComponentForm(_ mapped: [UInt8], position: SubstringPosition) -> [UInt8] {
        let parts = words(mapped)
        guard !parts.isEmpty else { return [0x20] }
        let leading = mapped.first == 0x20
        let trailing = mapped.last == 0x20
        var out: [UInt8] = []
        if position == .initial || leading { out.append(0x20) }
        for (index, word) in parts.enumerated() {
            if index > 0 { out.append(contentsOf: [0x20, 0x20]) }
            out.append(contentsOf: word)
        }
        if position == .final || trailing { out.append(0x20) }
        return out
    }

    /// Removes every SPACE (telephone numbers and numeric strings, §2.6.2/§2.6.3).
    static func removingSpaces(_ mapped: [UInt8]) -> [UInt8] {
        mapped.filter { $0 != 0x20 }
    }
}
