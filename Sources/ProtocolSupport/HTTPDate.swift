import Foundation

/// HTTP dates (RFC 9110 §5.6.7): the one reader and writer of `Date` and `Retry-After` times.
public enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT`: the IMF-fixdate servers must send. Written by hand
    /// (no formatter: it runs on every answer the demo sends, on any thread), years 1...9999.
    public static func format(_ date: Date) -> String {
        let time = CivilTime(date)
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        return "\(weekdays[time.weekday]), \(digits(time.day, 2)) \(months[time.month - 1]) \(digits(time.year, 4)) "
            + "\(digits(time.hour, 2)):\(digits(time.minute, 2)):\(digits(time.second, 2)) GMT"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// An IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must accept; nil for
    /// anything else (an empty or hostile header is ignored, never guessed at).
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // An HTTP date is printable ASCII (RFC 9110 §5.6.7). Anything else never reaches the
        // formatter: Foundation's DateFormatter traps ("Incorrect range CFRange") on some
        // non-ASCII text, found by the http-fields fuzz target.
        guard !trimmed.isEmpty, PrintableASCII.holds(trimmed, atMost: 64) else { return nil }
        // Every answer polled carries one: read the form servers send by hand, since a
        // DateFormatter is an ICU formatter made afresh (it is not safe to share across threads).
        if let date = fixdate(trimmed) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for pattern in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, read by position; nil when it is not exactly that form
    /// (the weekday is not checked against the date, as the formatter does not).
    public static func fixdate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20, bytes[7] == 0x20, bytes[11] == 0x20,
            bytes[16] == 0x20, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25] == 0x20,
            String(decoding: bytes[26...], as: UTF8.self) == "GMT",
            weekdays.contains(String(decoding: bytes[0..<3], as: UTF8.self)),
            let monthIndex = months.firstIndex(of: String(decoding: bytes[8..<11], as: UTF8.self)),
            let day = number(bytes[5..<7]), let year = number(bytes[12..<16]), let hour = number(bytes[17..<19]),
            let minute = number(bytes[20..<22]), let second = number(bytes[23..<25]),
            year >= 1, day >= 1, day <= CivilTime.daysIn(month: monthIndex + 1, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let days = CivilTime.daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    /// Decimal digits only; at most four, so the value is small.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            value = value * 10 + Int(digit - 0x30)
        }
        return value
    }
}
