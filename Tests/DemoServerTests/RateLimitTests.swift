import DemoServer
import Foundation
import Logging
import OAuthClient
import Testing
import TokenModel
import TokenTesting

@Suite("The demo token endpoint's rate limit (--rate-limit)")
struct RateLimitTests {
    @Test(
        "--rate-limit takes a count per window",
        arguments: [
            ("600/min", 600, 60), ("10/s", 10, 1), ("5000/h", 5000, 3600), ("100/30s", 100, 30), ("1/24h", 1, 86_400),
        ])
    func parsing(text: String, limit: Int, seconds: Int64) throws {
        let rate = try #require(DemoRateLimit(text: text))
        #expect(rate.limit == limit && rate.window == .seconds(seconds))
    }

    @Test(
        "a malformed or absurd --rate-limit is refused",
        arguments: [
            "600", "/min", "0/min", "-1/min", "600/fortnight", "600/0s", "600/2d", "99999999/min", "6e2/min", "600/min/s",
        ])
    func refused(text: String) {
        #expect(DemoRateLimit(text: text) == nil)
    }

    @Test(
        "one bucket for every client: Okta's headers on every answer, a 429 with no Retry-After past it, full again in the next window"
    )
    func sharedBucket() async throws {
        // 20 s into its minute: the window ends at 1_800_000_060.
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_020))
        var options = DemoServerOptions(clock: clock)
        options.rateLimit = try #require(DemoRateLimit(text: "3/min"))
        try await withDemo(options) { demo in
            func request(_ name: String, secret: String? = nil) async throws -> Answer {
                let client = demo.client(name)
                return try await HTTP.postForm(
                    demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, secret ?? client.secret!)
                )
            }
            let first = try await request("mod-client")
            #expect(first.status == 200)
            #expect(first.header("X-Rate-Limit-Limit") == "3")
            #expect(first.header("X-Rate-Limit-Remaining") == "2")
            #expect(first.header("X-Rate-Limit-Reset") == "1800000060")
            // A refused request counts too, and says so.
            let refused = try await request("short-lived", secret: "wrong")
            #expect(refused.status == 401)
            #expect(refused.header("X-Rate-Limit-Remaining") == "1")
            let last = try await request("mod-client")
            #expect(last.status == 200 && last.header("X-Rate-Limit-Remaining") == "0")
            let limited = try await request("no-mod-scope")
            #expect(limited.status == 429)
            #expect(limited.header("X-Rate-Limit-Remaining") == "0")
            #expect(limited.header("X-Rate-Limit-Reset") == "1800000060")
            #expect(limited.header("Retry-After") == nil)
            clock.advance(to: Date(timeIntervalSince1970: 1_800_000_060))
            let next = try await request("mod-client")
            #expect(next.status == 200)
            #expect(next.header("X-Rate-Limit-Remaining") == "2")
            #expect(next.header("X-Rate-Limit-Reset") == "1800000120")
        }
    }

    @Test("tokentop's client reads the demo's budget, and its 429 waits until the reset")
    func clientReadsTheBudget() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_800_000_020))
        var options = DemoServerOptions(clock: clock)
        options.rateLimit = try #require(DemoRateLimit(text: "1/min"))
        try await withDemo(options) { demo in
            let transport = HTTPTransport()
            defer { Task { await transport.shutdown() } }
            let configuration = try #require(try demo.configuration().clients.first { $0.name == "mod-client" })
            let client = AuthorizationClient(
                configuration: configuration, transport: transport, logger: Logger(label: "test"), now: { clock.now() })
            _ = try await client.requestToken()
            let budget = try #require(await client.diagnostics().tokenEndpointBudget)
            #expect(budget.limit == 1 && budget.remaining == 0 && budget.style == .okta)
            #expect(budget.resetAt == Date(timeIntervalSince1970: 1_800_000_060))
            #expect(budget.endpoint == demo.tokenEndpoint.absoluteString)
            #expect(budget.issuer == demo.issuer.absoluteString)
            do throws(OAuthError) {
                _ = try await client.requestToken()
                Issue.record("a request past the budget was answered")
            } catch {
                #expect(error.httpStatus == 429 && error.isRateLimited)
                #expect(error.retryAfter == .seconds(40))
            }
        }
    }
}
