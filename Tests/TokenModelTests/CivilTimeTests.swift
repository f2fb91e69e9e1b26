import Foundation
import ProtocolSupport
import Testing

/// `CivilTime` is the calendar arithmetic behind every date tokentop writes by hand (`TimeText`,
/// `HTTPDate`): it must agree with Foundation's Gregorian calendar, and hold absurd dates at a bound.
@Suite("Calendar fields without a formatter")
struct CivilTimeTests {
    @Test(
        "agrees with Foundation's Gregorian calendar in UTC (from 1583, where Foundation stops being Julian) and with its own inverse, over 2,000 seeded dates"
    )
    func agreesWithFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let range = CivilTime.representable
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let fraction = Double(state >> 11) / Double(1 << 53)
            let date = Date(
                timeIntervalSince1970: (range.lowerBound + fraction * (range.upperBound - range.lowerBound)).rounded(.down))
            let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let time = CivilTime(date)
            // Foundation's Gregorian calendar is Julian before October 1582; tokentop's, like RFC 3339's, is proleptic.
            #expect(
                time.year < 1583
                    || [time.year, time.month, time.day, time.hour, time.minute, time.second, time.weekday + 1]
                        == [
                            expected.year, expected.month, expected.day, expected.hour, expected.minute, expected.second,
                            expected.weekday,
                        ],
                "\(date.timeIntervalSince1970)")
            #expect(
                CivilTime.daysSinceEpoch(year: time.year, month: time.month, day: time.day) * 86_400
                    + time.hour * 3600 + time.minute * 60 + time.second == Int(date.timeIntervalSince1970))
        }
    }

    @Test("a date past year 9999, before year 1, infinite or NaN is held at the bound")
    func absurdDatesAreBounded() {
        #expect(CivilTime(Date(timeIntervalSince1970: 1e300)).year == 9999)
        #expect(CivilTime(Date(timeIntervalSince1970: .infinity)) == CivilTime(Date(timeIntervalSince1970: 1e300)))
        #expect(CivilTime(Date(timeIntervalSince1970: -1e300)).year == 1)
        #expect(CivilTime(Date(timeIntervalSince1970: .nan)).year == 1)
    }
}
