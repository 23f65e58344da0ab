import Foundation

/// The times `veneer audit --since/--until` accept: a UTC date, date and time, or an age.
enum AuditTime {
    static func parse(_ text: String, now: Date) -> Date? {
        if let age = age(text) { return now.addingTimeInterval(-age) }
        var text = text
        if text.hasSuffix("Z") || text.hasSuffix("z") { text.removeLast() }
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// "90s", "15m", "2h", "7d" in seconds.
    private static func age(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Double(text.dropLast()), count >= 0 else { return nil }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3600
        case "d": return count * 86_400
        default: return nil
        }
    }
}
