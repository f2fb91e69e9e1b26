import Foundation
import NIOHTTP1
import Synchronization
import Testing
import TokenConfig
import TokenModel

@testable import OAuthClient

@Suite("Reading the token endpoint's rate-limit budget from its answers")
struct RateLimitHeadersTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func budget(_ fields: [(String, String)]) -> RateLimitBudget? {
        RateLimitHeaders.budget(
            in: HTTPHeaders(fields), issuer: "https://idp.test/oauth2/default",
            endpoint: "https://idp.test/oauth2/default/v1/token",
            now: now)
    }

    @Test("Okta's X-Rate-Limit-Limit, -Remaining and -Reset (epoch seconds)")
    func okta() throws {
        let read = try #require(
            budget([("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "412"), ("X-Rate-Limit-Reset", "1800000038")]))
        #expect(read.style == .okta)
        #expect(read.limit == 600 && read.remaining == 412)
        #expect(read.resetAt == Date(timeIntervalSince1970: 1_800_000_038))
        #expect(read.issuer == "https://idp.test/oauth2/default" && read.observedAt == now)
        #expect(read.text(at: now) == "token endpoint: 412/600 left, resets in 38s")
    }

    @Test("the current draft's RateLimit and RateLimit-Policy: the policy with the least left counts")
    func ietfCurrent() throws {
        let read = try #require(
            budget([
                ("RateLimit-Policy", #""burst";q=100;w=60, "daily";q=1000;w=86400"#),
                ("RateLimit", #""burst";r=50;t=30, "daily";r=20;t=3600"#),
            ]))
        #expect(read.style == .ietf)
        #expect(read.limit == 1000 && read.remaining == 20)
        #expect(read.resetAt == now.addingTimeInterval(3600))
        #expect(read.window == .seconds(86_400))
    }

    @Test("a RateLimit member whose policy is not given has no known limit and is skipped")
    func ietfWithoutPolicy() {
        #expect(budget([("RateLimit", #""default";r=5;t=10"#)]) == nil)
        #expect(budget([("RateLimit", #""other";r=5;t=10"#), ("RateLimit-Policy", #""default";q=10"#)]) == nil)
    }

    @Test("the earlier drafts' RateLimit-Limit, -Remaining and -Reset (seconds from now)")
    func ietfFields() throws {
        let read = try #require(
            budget([("RateLimit-Limit", "100, 100;w=60"), ("RateLimit-Remaining", "7"), ("RateLimit-Reset", "38")]))
        #expect(read.style == .ietfFields)
        #expect(read.limit == 100 && read.remaining == 7)
        #expect(read.resetAt == now.addingTimeInterval(38))
        #expect(read.window == .seconds(60))
        #expect(read.isLow(at: now))
    }

    @Test(
        "garbage is ignored, never a trap or a wrong budget",
        arguments: [
            [("X-Rate-Limit-Limit", "-5"), ("X-Rate-Limit-Remaining", "1")],
            [("X-Rate-Limit-Limit", "0"), ("X-Rate-Limit-Remaining", "0")],
            [("X-Rate-Limit-Limit", "1e3"), ("X-Rate-Limit-Remaining", "1")],
            [("X-Rate-Limit-Limit", "99999999999999999999999"), ("X-Rate-Limit-Remaining", "1")],
            [("X-Rate-Limit-Limit", "NaN"), ("X-Rate-Limit-Remaining", "1")],
            [("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "")],
            [("X-Rate-Limit-Limit", "٣٠٠"), ("X-Rate-Limit-Remaining", "1")],
            [("RateLimit", #""a;r=1"#), ("RateLimit-Policy", #""a";q=1"#)],
            [("RateLimit", "a;r=-1"), ("RateLimit-Policy", "a;q=10")],
            [("RateLimit-Limit", ";;;,,,"), ("RateLimit-Remaining", "1")],
        ])
    func garbage(fields: [(String, String)]) {
        #expect(budget(fields) == nil)
    }

    @Test("a reset that is not within a day of now is dropped, the counts kept")
    func implausibleReset() throws {
        let far = try #require(
            budget([("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "1"), ("X-Rate-Limit-Reset", "9999999999")]))
        #expect(far.resetAt == nil && far.remaining == 1)
        let delta = try #require(
            budget([("RateLimit-Limit", "10"), ("RateLimit-Remaining", "1"), ("RateLimit-Reset", "999999999")]))
        #expect(delta.resetAt == nil)
    }

    @Test("more remaining than the limit is read as the limit")
    func remainingAboveLimit() throws {
        let read = try #require(budget([("X-Rate-Limit-Limit", "10"), ("X-Rate-Limit-Remaining", "50")]))
        #expect(read.remaining == 10)
    }

    @Test("a 429 without Retry-After waits until the reset; Retry-After wins when given")
    func tooManyRequestsWaitsForReset() {
        var headers = HTTPHeaders([
            ("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "0"), ("X-Rate-Limit-Reset", "1800000038"),
        ])
        let body = Data(#"{"error":"rate_limit_exceeded"}"#.utf8)
        let error = TokenResponseParser.parseError(
            ReceivedResponse(status: 429, headers: headers, body: body, latency: .zero), endpoint: "https://idp.test/token",
            now: now)
        #expect(error.retryAfter == .seconds(38))
        #expect(error.isRateLimited)
        headers.add(name: "Retry-After", value: "5")
        let told = TokenResponseParser.parseError(
            ReceivedResponse(status: 429, headers: headers, body: body, latency: .zero), endpoint: "https://idp.test/token",
            now: now)
        #expect(told.retryAfter == .seconds(5))
        // Another status is not made to wait by the budget's reset.
        let refused = TokenResponseParser.parseError(
            ReceivedResponse(
                status: 400, headers: HTTPHeaders([("X-Rate-Limit-Reset", "1800000038")]), body: body, latency: .zero),
            endpoint: nil, now: now)
        #expect(refused.retryAfter == nil)
    }

    @Test(
        "the client keeps the budget of its token endpoint's latest answer, in each header style, on a success and on a 429",
        arguments: [
            (
                [("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "412"), ("X-Rate-Limit-Reset", "EPOCH")],
                RateLimitBudget.Style.okta
            ),
            ([("RateLimit-Policy", #""default";q=600;w=60"#), ("RateLimit", #""default";r=412;t=38"#)], .ietf),
            ([("RateLimit-Limit", "600"), ("RateLimit-Remaining", "412"), ("RateLimit-Reset", "38")], .ietfFields),
        ])
    func clientKeepsTheBudget(fields: [(String, String)], style: RateLimitBudget.Style) async throws {
        // The client's clock is injected: the reset is 38 s from its now, however slow the machine.
        let headers = fields.map { ($0.0, $0.1.replacingOccurrences(of: "EPOCH", with: "1800000038")) }
        let refusing = Mutex(false)
        let server = try await ScriptedServer.start { _ in
            if refusing.withLock({ $0 }) {
                let drained = headers.map { ($0.0, $0.1.replacingOccurrences(of: "412", with: "0")) }
                return .init(
                    status: .tooManyRequests, headers: [("Content-Type", "application/json")] + drained,
                    body: #"{"error":"rate_limit_exceeded"}"#)
            }
            return .init(headers: [("Content-Type", "application/json")] + headers, body: AuthorizationClientTests.tokenBody)
        }
        let transport = HTTPTransport(environment: [:])
        let configuration = ClientConfiguration(
            name: "mod-client", tokenURI: server.baseURL.appendingPathComponent("token"), clientID: "mod-client",
            clientSecret: .inline("secret"), timeout: .seconds(5))
        let now = self.now
        let client = AuthorizationClient(configuration: configuration, transport: transport, now: { now })
        _ = try await client.requestToken()
        let budget = try #require(await client.diagnostics().tokenEndpointBudget)
        #expect(budget.style == style && budget.limit == 600 && budget.remaining == 412)
        #expect(budget.endpoint == configuration.tokenURI?.absoluteString)
        #expect(budget.resetAt == now.addingTimeInterval(38))

        refusing.withLock { $0 = true }
        do throws(OAuthError) {
            _ = try await client.requestToken()
            Issue.record("the 429 was not an error")
        } catch {
            #expect(error.isRateLimited)
            #expect(error.retryAfter == .seconds(38))
        }
        #expect(await client.diagnostics().tokenEndpointBudget?.remaining == 0)
        await transport.shutdown()
        await server.stop()
    }
}
