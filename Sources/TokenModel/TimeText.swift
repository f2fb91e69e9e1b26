import Foundation
import ProtocolSupport

/// Times and durations written by hand: no formatter in the drawing path, always UTC.
public enum TimeText {
    /// Dates outside years 1...9999 (from hostile claims) print as a bound instead of trapping.
    private static func clamped(_ date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        let bounds = CivilTime.representable
        guard seconds.isFinite else { return Date(timeIntervalSince1970: seconds > 0 ? bounds.upperBound : bounds.lowerBound) }
        return Date(timeIntervalSince1970: min(max(seconds, bounds.lowerBound), bounds.upperBound))
    }

    /// `03:50:07`.
    public static func clock(_ date: Date) -> String {
        let time = CivilTime(date)
        return twoDigits(time.hour) + ":" + twoDigits(time.minute) + ":" + twoDigits(time.second)
    }

    /// `2026-11-27 03:50:07`.
    public static func dateTime(_ date: Date) -> String {
        let time = CivilTime(date)
        return "\(time.year)-" + twoDigits(time.month) + "-" + twoDigits(time.day) + " " + clock(date)
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

    /// `50m`, `1h59m`: `duration` without its seconds from ten minutes up, for a time whose
    /// seconds do not matter (a healthy token's time left), so the words stay the same for a
    /// minute instead of changing every second; `9m57s` under ten minutes, when they start to.
    public static func coarseDuration(seconds: Int) -> String {
        (600..<3600).contains(seconds) ? "\(seconds / 60)m" : duration(seconds: seconds)
    }

    /// `<1m ago`, `12m ago`, `3h ago`, `2d ago`: an age in steps, for an age whose seconds do
    /// not matter (a fresh answer that succeeded), so it changes once a minute at most.
    public static func coarseAge(_ date: Date, now: Date) -> String {
        let seconds = -secondsUntil(date, now: now)
        if seconds < 60 { return "<1m ago" }
        if seconds < 3600 { return "\(seconds / 60)m ago" }
        if seconds < 86_400 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86_400)d ago"
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
}
