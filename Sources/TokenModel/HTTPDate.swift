import Foundation

/// HTTP dates (RFC 9110 §5.6.7): the one reader and writer of `Date` and `Retry-After` times.
public enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT`: the IMF-fixdate servers must send. Written by hand from
    /// `TimeText.dateTime` (no formatter: it runs on every answer the demo sends, on any thread).
    public static func format(_ date: Date) -> String {
        let text = TimeText.dateTime(date)  // 1994-11-06 08:49:37, clamped to years 1...9999
        let parts = text.split(separator: " ")
        let day = parts[0].split(separator: "-")
        let raw = date.timeIntervalSince1970
        let seconds = raw.isFinite ? min(max(raw, -62_135_596_800), 253_402_300_799) : (raw > 0 ? 253_402_300_799 : -62_135_596_800)
        let days = Int(floor(seconds / 86_400))
        let weekday = weekdays[((days % 7) + 7 + 4) % 7]  // 1970-01-01 was a Thursday
        let month = months[(Int(day[1]) ?? 1) - 1]
        return "\(weekday), \(day[2]) \(month) \(day[0]) \(parts[1]) GMT"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// An IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must accept; nil for
    /// anything else (an empty or hostile header is ignored, never guessed at).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64 else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for pattern in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
