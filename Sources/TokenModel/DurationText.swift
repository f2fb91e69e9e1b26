import Foundation

/// The one syntax for durations everywhere (configuration, flags, the demo's files): `500ms`,
/// `30s`, `5m`, `1h`, `1h30m`, `1.5s`, or a bare number meaning seconds; at most a century.
extension Duration {
    /// The longest duration any text may name: beyond it, date arithmetic would overflow.
    public static let longestConfigurable: Duration = .seconds(100 * 365 * 24 * 3600)

    /// A duration from a number of seconds that came from outside (a server's `expires_in`, a
    /// claim, a header): nil for NaN, infinity, negatives and anything over `limit`, so no
    /// conversion can trap.
    public init?(untrustedSeconds seconds: Double, limit: Duration = .longestConfigurable) {
        guard seconds.isFinite, seconds >= 0, seconds <= limit.timeInterval else { return nil }
        self = .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Parses a configuration duration: `500ms`, `30s`, `5m`, `1h`, `1h30m`, `1.5s`, `14d`, or a bare
    /// number meaning seconds. A leading `-` is accepted so that callers can say "must be positive"
    /// rather than "malformed". Nil when the text is not a duration or is longer than a century.
    public init?(configText: String) {
        var text = Substring(configText.trimmingCharacters(in: .whitespaces))
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        guard !text.isEmpty else { return nil }
        var seconds = 0.0
        if let bare = Self.number(text), bare.count == text.count, let value = Double(bare) {
            seconds = value
        } else {
            while !text.isEmpty {
                guard let digits = Self.number(text), let value = Double(digits) else { return nil }
                text = text.dropFirst(digits.count)
                let unit = text.prefix { $0.isLetter }
                text = text.dropFirst(unit.count)
                switch unit {
                case "ms": seconds += value / 1000
                case "s": seconds += value
                case "m": seconds += value * 60
                case "h": seconds += value * 3600
                // Days, for windows such as `credential-warning: 14d`.
                case "d": seconds += value * 86_400
                default: return nil
                }
            }
        }
        guard seconds.isFinite, seconds <= Self.longestConfigurable.timeInterval else { return nil }
        let milliseconds = (seconds * 1000).rounded()
        self = .milliseconds(Int64(negative ? -milliseconds : milliseconds))
    }

    /// How the configuration writes this duration: `10s`, `1m30s`, `500ms`, `1.5s`, `2h`.
    /// Sub-millisecond parts are rounded away. `Duration(configText:)` reads it back.
    public var configText: String {
        let (seconds, attoseconds) = components
        var milliseconds = seconds * 1000 + Int64((Double(attoseconds) / 1e15).rounded())
        guard milliseconds != 0 else { return "0s" }
        var text = milliseconds < 0 ? "-" : ""
        milliseconds = abs(milliseconds)
        let hours = milliseconds / 3_600_000
        let minutes = milliseconds / 60_000 % 60
        let wholeSeconds = milliseconds / 1000 % 60
        let fraction = milliseconds % 1000
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if fraction > 0 && hours == 0 && minutes == 0 && wholeSeconds == 0 {
            text += "\(fraction)ms"
        } else if fraction > 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "\(wholeSeconds).\(digits)s"
        } else if wholeSeconds > 0 {
            text += "\(wholeSeconds)s"
        }
        return text
    }

    /// The leading `123` or `1.5` of `text`, if it starts with one.
    private static func number(_ text: Substring) -> Substring? {
        let whole = text.prefix { $0.isASCII && $0.isNumber }
        guard !whole.isEmpty else { return nil }
        let rest = text.dropFirst(whole.count)
        guard rest.first == "." else { return whole }
        let fraction = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
        guard !fraction.isEmpty else { return nil }
        return text.prefix(whole.count + 1 + fraction.count)
    }
}

extension Duration {
    /// Whole seconds, rounded down.
    public var wholeSeconds: Int { Int(components.seconds) }

    /// `1.5s`, `250ms`: short and exact enough for status lines.
    public var formattedSeconds: String {
        let milliseconds = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if milliseconds < 1000 { return "\(Int(milliseconds.rounded()))ms" }
        let seconds = milliseconds / 1000
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }

    /// The duration as a TimeInterval, for date arithmetic.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
