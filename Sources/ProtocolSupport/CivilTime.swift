import Foundation

/// A date as its UTC calendar fields, computed without a formatter (no ICU, safe on any
/// thread, cheap enough for every answer): the one calendar arithmetic that `TimeText` and
/// `HTTPDate` share. Dates outside years 1...9999 (from hostile claims or headers) are held at
/// the bound rather than trapping in an integer conversion.
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 0 for Sunday.
    public var weekday: Int

    /// Seconds since 1970 of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z.
    public static let representable: ClosedRange<TimeInterval> = -62_135_596_800...253_402_300_799

    public init(_ date: Date) {
        let raw = date.timeIntervalSince1970
        let seconds =
            raw.isFinite
            ? min(max(raw, Self.representable.lowerBound), Self.representable.upperBound)
            : (raw > 0 ? Self.representable.upperBound : Self.representable.lowerBound)
        let total = Int(floor(seconds))
        let days = Int(floor(Double(total) / 86_400))
        let secondOfDay = total - days * 86_400
        (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        weekday = ((days % 7) + 7 + 4) % 7 // 1970-01-01 was a Thursday
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 28 to 31.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's civil_from_days.
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
