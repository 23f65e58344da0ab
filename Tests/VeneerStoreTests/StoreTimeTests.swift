import Foundation
import Testing

@testable import VeneerStore

@Suite("Stored time text")
struct StoreTimeTests {
    @Test("the text form agrees with an ISO 8601 formatter, single digits, midnight, year ends and before 1970 included; it parses back")
    func agreesWithFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        for seconds in [0, 1_738_326_896.789, 946_684_799.875, 946_684_800, 1_800_000_000.125, 86_399.5, -1.5, 4_102_444_799.75] {
            let date = Date(timeIntervalSince1970: seconds)
            let text = StoreTime.text(date)
            #expect(text == formatter.string(from: date), "\(seconds)")
            #expect(StoreTime.date(text).map { abs($0.timeIntervalSince1970 - seconds) < 0.001 } == true, "\(text)")
        }
    }
}
