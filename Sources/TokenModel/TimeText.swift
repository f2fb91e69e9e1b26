import Foundation

/// Times and durations written by hand: no formatter in the drawing path, always UTC.
public enum TimeText {
    /// The range these functions print; dates outside it (from hostile claims) print as a
    /// bound instead of trapping in an integer conversion.
    private static let printable: ClosedRange<TimeInterval> = -62_135_596_800...253_402_300_799

    private static func clamped(_ date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else {
            return Date(timeIntervalSince1970: seconds > 0 ? printable.upperBound : printable.lowerBound)
        }
        return Date(timeIntervalSince1970: min(max(seconds, printable.lowerBound), printable.upperBound))
    }

    /// `03:50:07`.
    public static func clock(_ date: Date) -> String {
        let seconds = secondsOfDay(clamped(date))
        return twoDigits(seconds / 3600) + ":" + twoDigits(seconds / 60 % 60) + ":" + twoDigits(seconds % 60)
    }

    /// `2026-11-27 03:50:07`.
    public static func dateTime(_ date: Date) -> String {
        let date = clamped(date)
        let total = Int(floor(date.timeIntervalSince1970))
        let days = Int(floor(Double(total) / 86_400))
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return "\(year)-" + twoDigits(month) + "-" + twoDigits(day) + " " + clock(date)
    }

    /// `2026-11-27T03:50:07Z`: RFC 3339, for machines and logs.
    public static func iso8601(_ date: Date) -> String {
        dateTime(date).replacingOccurrences(of: " ", with: "T") + "Z"
    }

    /// `in 4m12s`, `8s ago`, `now`.
    public static func relative(_ date: Date, now: Date) -> String {
        let seconds = secondsUntil(date, now: now)
        if seconds == 0 { return "now" }
        return seconds > 0 ? "in " + duration(seconds: seconds) : duration(seconds: -seconds) + " ago"
    }

    /// Whole seconds from `now` to `date`, negative when it is past. A time ahead counts the
    /// second it is in (a countdown shows `00:01` through its last second), a time past counts
    /// whole seconds gone. Every time left on screen is counted here, so the table's countdown
    /// and the detail pane never disagree by a second.
    public static func secondsUntil(_ date: Date, now: Date) -> Int {
        let delta = clamped(date).timeIntervalSince(clamped(now))
        return delta > 0 ? Int(delta.rounded(.up)) : -Int((-delta).rounded(.down))
    }

    /// `42s`, `8m12s`, `1h02m`, `3d04h`.
    public static func duration(seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" + twoDigits(seconds % 60) + "s" }
        if seconds < 86_400 { return "\(seconds / 3600)h" + twoDigits(seconds / 60 % 60) + "m" }
        return "\(seconds / 86_400)d" + twoDigits(seconds / 3600 % 24) + "h"
    }

    /// At most five columns for the table: `59:59`, and `99:59` under a hundred minutes, so a
    /// one-hour token counts down in one notation from `60:00`; then `1h42m`, `23h`, `4d`.
    public static func countdown(seconds: Int) -> String {
        let seconds = max(0, seconds)
        if seconds < 6000 { return twoDigits(seconds / 60) + ":" + twoDigits(seconds % 60) }
        if seconds < 36_000 { return "\(seconds / 3600)h" + twoDigits(seconds / 60 % 60) + "m" }
        if seconds < 360_000 { return "\(seconds / 3600)h" }
        return seconds < 1000 * 86_400 ? "\(seconds / 86_400)d" : ">999d"
    }

    /// `12ms`, `1.5s`.
    public static func latency(_ duration: Duration) -> String {
        let milliseconds = Int(
            (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15).rounded())
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let tenths = (milliseconds + 50) / 100
        return tenths % 10 == 0 || milliseconds >= 10_000 ? "\(milliseconds / 1000)s" : "\(tenths / 10).\(tenths % 10)s"
    }

    static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    private static func secondsOfDay(_ date: Date) -> Int {
        let total = Int(floor(date.timeIntervalSince1970))
        return ((total % 86_400) + 86_400) % 86_400
    }

    /// Howard Hinnant's days-to-civil algorithm.
    private static func civilDate(daysSinceEpoch days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
