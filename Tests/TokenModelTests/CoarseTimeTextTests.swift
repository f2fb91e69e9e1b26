import Foundation
import Testing
import TokenModel

/// The coarse words that keep a healthy row still for a minute at a time: a fresh answer's age
/// and a healthy token's time left (issue 23, "an age … moves in coarse steps").
@Suite("Times in coarse steps")
struct CoarseTimeTextTests {
    @Test("time left: to the second under ten minutes, whole minutes up to an hour, then as duration writes it")
    func coarseDuration() {
        let cases: [(Int, String)] = [
            (0, "0s"), (59, "59s"), (599, "9m59s"), (600, "10m"), (659, "10m"), (3599, "59m"), (3600, "1h00m"),
            (86_399, "23h59m"), (90_000, "1d01h"),
        ]
        for (seconds, text) in cases {
            #expect(TimeText.coarseDuration(seconds: seconds) == text, "\(seconds) s")
        }
    }

    @Test("an age: under a minute, then minutes, hours and days, changing at each step and not between")
    func coarseAge() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let cases: [(TimeInterval, String)] = [
            (0, "<1m ago"), (59.9, "<1m ago"), (60, "1m ago"), (3599, "59m ago"), (3600, "1h ago"), (86_399, "23h ago"),
            (86_400, "1d ago"), (-30, "<1m ago"),
        ]
        for (age, text) in cases {
            #expect(TimeText.coarseAge(now.addingTimeInterval(-age), now: now) == text, "\(age) s ago")
        }
    }

    @Test("dates no calendar holds (from hostile claims or a broken clock) give words, not a trap")
    func hostileDates() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for date in [Date.distantPast, .distantFuture, Date(timeIntervalSince1970: .nan), Date(timeIntervalSince1970: -1e300)] {
            #expect(TimeText.coarseAge(date, now: now).hasSuffix(" ago"))
        }
        #expect(TimeText.coarseDuration(seconds: Int.max).hasSuffix("h"))
    }
}
