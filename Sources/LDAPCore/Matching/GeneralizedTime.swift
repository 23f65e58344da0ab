/// RFC 4517 §3.3.13 GeneralizedTime, reduced to an instant for generalizedTimeMatch and
/// generalizedTimeOrderingMatch (`modifyTimestamp`, AD `whenChanged`, ...).
struct GeneralizedTime: Comparable {
    /// Seconds since 0000-03-01T00:00:00Z in the proleptic Gregorian calendar (negative only
    /// for the first hours of year 0).
    var seconds: Int64
    /// Decimal digits of the fraction of a second, without trailing zeros.
    var fraction: [UInt8]

    /// Longest fraction accepted; bounds the arithmetic on hostile input.
    static let maximumFractionDigits = 64

    /// `century year month day hour [minute [second / leap-second]] [fraction] g-time-zone`.
    init?(_ bytes: [UInt8]) {
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard IntegerSyntax.isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += width
            return value
        }
        func nextIsDigit() -> Bool { index < bytes.count && IntegerSyntax.isDigit(bytes[index]) }

        guard let year = number(4), let month = number(2), (1...12).contains(month),
            let day = number(2), day >= 1, day <= Self.daysInMonth(month, year: year),
            let hour = number(2), hour <= 23
        else { return nil }
        var minute = 0
        var second = 0
        var fractionUnit: Int64 = 3600
        if nextIsDigit() {
            guard let value = number(2), value <= 59 else { return nil }
            minute = value
            fractionUnit = 60
            if nextIsDigit() {
                guard let value = number(2), value <= 60 else { return nil }
                second = value
                fractionUnit = 1
            }
        }
        var fractionDigits: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            while nextIsDigit() {
                fractionDigits.append(bytes[index] - 0x30)
                index += 1
            }
            guard !fractionDigits.isEmpty, fractionDigits.count <= Self.maximumFractionDigits else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
            guard let offsetHour = number(2), offsetHour <= 23 else { return nil }
            var offsetMinute = 0
            if index < bytes.count {
                guard let value = number(2), value <= 59 else { return nil }
                offsetMinute = value
            }
            offsetSeconds = sign * Int64(offsetHour * 3600 + offsetMinute * 60)
        default:
            return nil
        }
        guard index == bytes.count else { return nil }

        // fraction × unit seconds, split into whole seconds and a decimal fraction.
        var scaled: [UInt8] = []
        var carry: Int64 = 0
        for digit in fractionDigits.reversed() {
            let product = Int64(digit) * fractionUnit + carry
            scaled.append(UInt8(product % 10))
            carry = product / 10
        }
        // `scaled` holds the low `fractionDigits.count` digits, `carry` the whole seconds.
        let wholeFromFraction = carry
        scaled.reverse()
        while scaled.last == 0 { scaled.removeLast() }

        let days = Self.daysSinceMarch1Year0(year: year, month: month, day: day)
        seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) + wholeFromFraction - offsetSeconds
        fraction = scaled
    }

    static func < (lhs: GeneralizedTime, rhs: GeneralizedTime) -> Bool {
        if lhs.seconds != rhs.seconds { return lhs.seconds < rhs.seconds }
        return lhs.fraction.lexicographicallyPrecedes(rhs.fraction)
    }

    /// The instant as a GeneralizedTime in UTC with seconds, `YYYYMMDDHHMMSS[.f]Z`; being valid
    /// syntax itself, it is a fixed point and cannot collide with an invalid value compared as
    /// bytes. Instants a time-zone offset pushes outside years 0...9999 fall back to
    /// `<seconds>[.f]` since year 0.
    var canonical: [UInt8] {
        var out: [UInt8] = []
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilDate(daysSinceMarch1Year0: days)
        if (0...9999).contains(year) {
            for (value, width) in [(year, 4), (Int64(month), 2), (Int64(day), 2), (secondOfDay / 3600, 2),
                                   (secondOfDay / 60 % 60, 2), (secondOfDay % 60, 2)] {
                let digits = Array(String(value).utf8)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - digits.count)))
                out.append(contentsOf: digits)
            }
        } else {
            out.append(contentsOf: String(seconds).utf8)
        }
        if !fraction.isEmpty {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: fraction.map { $0 + 0x30 })
        }
        if (0...9999).contains(year) { out.append(UInt8(ascii: "Z")) }
        return out
    }

    /// Inverse of `daysSinceMarch1Year0` (H. Hinnant's civil_from_days).
    private static func civilDate(daysSinceMarch1Year0 days: Int64) -> (year: Int64, month: Int, day: Int) {
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 0000-03-01 (H. Hinnant's days_from_civil with the era origin kept).
    private static func daysSinceMarch1Year0(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthIndex = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthIndex + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra
    }
}
