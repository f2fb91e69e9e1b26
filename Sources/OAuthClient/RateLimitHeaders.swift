import Foundation
import NIOHTTP1
import TokenModel

/// Reads a rate-limit budget from an answer's header fields, in the three shapes servers send:
/// Okta's `X-Rate-Limit-Limit/-Remaining/-Reset` (epoch seconds), `RateLimit` with
/// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-08 and later: `"default";r=50;t=30`
/// and `"default";q=100;w=60`), and the earlier drafts' `RateLimit-Limit/-Remaining/-Reset`
/// (seconds from now). Every number is the server's: one that is not plain digits, too long,
/// or out of range is ignored, never converted blindly; a field that makes no sense leaves no budget.
public enum RateLimitHeaders {
    /// Longer field values are not read: no real policy list comes close.
    static let maximumFieldLength = 1024
    /// More list members than this are not read.
    static let maximumMembers = 16
    /// A limit above this is not a budget worth watching, and would not print in a column.
    static let largestCount = 1_000_000_000
    /// A reset further than this is a server bug (or a different clock), not a plan.
    static let longestReset: TimeInterval = 86_400

    /// The budget the answer states, for `issuer` and `endpoint`; nil when it states none
    /// readable.
    public static func budget(in headers: HTTPHeaders, issuer: String, endpoint: String, now: Date) -> RateLimitBudget? {
        func field(_ name: String) -> String? {
            guard let value = headers.first(name: name), value.utf8.count <= maximumFieldLength else { return nil }
            return value
        }
        let reading =
            ietf(rateLimit: field("RateLimit"), policy: field("RateLimit-Policy"), now: now)
            ?? ietfFields(
                limit: field("RateLimit-Limit"), remaining: field("RateLimit-Remaining"), reset: field("RateLimit-Reset"),
                now: now)
            ?? okta(
                limit: field("X-Rate-Limit-Limit"), remaining: field("X-Rate-Limit-Remaining"),
                reset: field("X-Rate-Limit-Reset"), now: now)
        guard let reading else { return nil }
        return RateLimitBudget(
            issuer: issuer, endpoint: endpoint, limit: reading.limit, remaining: reading.remaining, resetAt: reading.resetAt,
            window: reading.window, observedAt: now, style: reading.style)
    }

    /// How long until the budget's window starts afresh, at most `ReceivedResponse.maximumRetryAfter`:
    /// the wait a 429 without `Retry-After` calls for. nil when the answer gives no reset.
    public static func waitUntilReset(in headers: HTTPHeaders, now: Date) -> Duration? {
        guard let resetAt = budget(in: headers, issuer: "", endpoint: "", now: now)?.resetAt else { return nil }
        return .seconds(min(max(0, resetAt.timeIntervalSince(now).rounded(.up)), Double(ReceivedResponse.maximumRetryAfter)))
    }

    struct Reading: Equatable {
        var limit: Int
        var remaining: Int
        var resetAt: Date?
        var window: Duration?
        var style: RateLimitBudget.Style
    }

    /// Okta: the reset is an epoch time, kept only within a day of now.
    static func okta(limit: String?, remaining: String?, reset: String?, now: Date) -> Reading? {
        guard let limit = count(limit), let remaining = count(remaining) else { return nil }
        let resetAt = epochSeconds(reset).flatMap { abs($0.timeIntervalSince(now)) <= longestReset ? $0 : nil }
        return reading(limit: limit, remaining: remaining, resetAt: resetAt, window: nil, style: .okta)
    }

    /// The earlier drafts: `RateLimit-Limit: 100` (or `100, 100;w=60`: the first number counts),
    /// `RateLimit-Remaining: 50`, `RateLimit-Reset: 30` (seconds).
    static func ietfFields(limit: String?, remaining: String?, reset: String?, now: Date) -> Reading? {
        guard let limitField = limit, let first = members(limitField).first else { return nil }
        guard let limit = count(first.value), let remaining = count(remaining) else { return nil }
        let window = members(limitField).lazy.compactMap { $0.parameters["w"].flatMap(count).flatMap(seconds) }.first
        return reading(
            limit: limit, remaining: remaining, resetAt: resetTime(reset.flatMap(count), now: now), window: window,
            style: .ietfFields)
    }

    /// The current draft: the `RateLimit` member with the least left, its quota from the
    /// `RateLimit-Policy` member of the same name. A member whose policy is not given has no
    /// known limit and is skipped.
    static func ietf(rateLimit: String?, policy: String?, now: Date) -> Reading? {
        guard let rateLimit, let policy else { return nil }
        let policies = Dictionary(members(policy).map { ($0.value, $0.parameters) }, uniquingKeysWith: { first, _ in first })
        var best: Reading?
        for member in members(rateLimit) {
            guard let remaining = member.parameters["r"].flatMap(count), let quota = policies[member.value],
                let limit = quota["q"].flatMap(count)
            else { continue }
            let window = quota["w"].flatMap(count).flatMap(seconds)
            guard
                let candidate = reading(
                    limit: limit, remaining: remaining, resetAt: resetTime(member.parameters["t"].flatMap(count), now: now),
                    window: window, style: .ietf)
            else { continue }
            if best.map({ share(candidate) < share($0) }) ?? true { best = candidate }
        }
        return best
    }

    private static func share(_ reading: Reading) -> Double {
        Double(reading.remaining) / Double(reading.limit)
    }

    private static func reading(limit: Int, remaining: Int, resetAt: Date?, window: Duration?, style: RateLimitBudget.Style)
        -> Reading?
    {
        guard limit > 0 else { return nil }
        return Reading(limit: limit, remaining: min(remaining, limit), resetAt: resetAt, window: window, style: style)
    }

    private static func resetTime(_ seconds: Int?, now: Date) -> Date? {
        guard let seconds, Double(seconds) <= longestReset else { return nil }
        return now.addingTimeInterval(Double(seconds))
    }

    private static func seconds(_ count: Int) -> Duration? {
        count > 0 && Double(count) <= longestReset ? .seconds(count) : nil
    }

    /// A count: plain ASCII digits, no sign, at most `largestCount`. Anything else is nil.
    static func count(_ text: String?) -> Int? {
        guard let text else { return nil }
        let digits = text.trimmingCharacters(in: .whitespaces)
        // Ten digits at most: `Int(_:)` cannot overflow, and the bound is checked after.
        guard !digits.isEmpty, digits.utf8.count <= 10, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let value = Int(digits), value <= largestCount
        else { return nil }
        return value
    }

    /// A Unix time in whole seconds: plain ASCII digits, ten at most (until the year 2286).
    static func epochSeconds(_ text: String?) -> Date? {
        guard let digits = text?.trimmingCharacters(in: .whitespaces), !digits.isEmpty, digits.utf8.count <= 10,
            digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(digits)
        else { return nil }
        return Date(timeIntervalSince1970: Double(value))
    }

    /// One member of a structured-field list (RFC 9651 §3.1, read leniently): its value (a
    /// token, a quoted string unquoted, or a number) and its `;key=value` parameters.
    struct Member: Equatable {
        var value: String
        var parameters: [String: String]
    }

    /// The members of a list field, split at commas and semicolons outside quoted strings.
    static func members(_ field: String) -> [Member] {
        var members: [Member] = []
        for item in split(field, at: ",").prefix(maximumMembers) {
            let parts = split(item, at: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, !first.isEmpty else { continue }
            var parameters: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, parameters[pair[0]] == nil else { continue }
                parameters[pair[0]] = pair[1]
            }
            members.append(Member(value: unquoted(first), parameters: parameters))
        }
        return members
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return text }
        return String(text.dropFirst().dropLast())
    }

    /// `text` split at `separator`, except inside double quotes (where `\` escapes the next character).
    private static func split(_ text: String, at separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if quoted, character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == separator, !quoted {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}
