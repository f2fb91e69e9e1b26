import Foundation
import NIOHTTP1
import OAuthClient
import TokenModel

extension FuzzTarget {
    /// A token endpoint's rate-limit fields in all three shapes (Okta's `X-Rate-Limit-*`, the IETF
    /// `RateLimit` with `RateLimit-Policy`, the earlier `RateLimit-*` trio), on a 429 and a 200.
    /// Input: `x-limit\0x-remaining\0x-reset\0ratelimit\0ratelimit-policy\0limit\0remaining\0reset`.
    static let rateLimitHeaders = FuzzTarget("rate-limit-headers", "X-Rate-Limit-*, RateLimit and RateLimit-Policy") {
        data throws(PropertyViolation) in
        let name = "rate-limit-headers"
        let parts = fields(data, count: 8)
        let names = [
            "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "RateLimit", "RateLimit-Policy",
            "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
        ]
        var headers = HTTPHeaders()
        for (field, part) in zip(names, parts) where !part.isEmpty { headers.add(name: field, value: text(part)) }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        if let budget = RateLimitHeaders.budget(
            in: headers, issuer: "https://as.test", endpoint: "https://as.test/token", now: now)
        {
            try Expect.that(
                budget.limit >= 1 && (0...budget.limit).contains(budget.remaining), "a budget's remaining is within its limit",
                found: "\(budget.remaining)/\(budget.limit)", target: name)
            try Expect.that(
                budget.resetAt.map { abs($0.timeIntervalSince(now)) <= 86_400 } ?? true, "a reset is within a day of now",
                found: "\(String(describing: budget.resetAt))", target: name)
            try Expect.that(
                budget.window.map { $0 > .zero && $0 <= .seconds(86_400) } ?? true, "a window is at most a day",
                found: "\(String(describing: budget.window))", target: name)
            try Expect.printable(budget.text(at: now), "the budget's text", target: name)
            try Expect.printable(budget.warning(at: now), "the budget's warning", target: name)
        }
        let response = ReceivedResponse(status: 429, headers: headers, body: Data(), latency: .milliseconds(3))
        let error = TokenResponseParser.parseError(response, endpoint: "https://as.test/token", now: now)
        if let retryAfter = error.retryAfter {
            try Expect.that(
                retryAfter >= .zero && retryAfter <= .seconds(ReceivedResponse.maximumRetryAfter),
                "a 429's wait is between now and the cap", found: "\(retryAfter)", target: name)
        }
    }
}
