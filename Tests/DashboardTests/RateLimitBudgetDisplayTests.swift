import DashboardCaptures
import Foundation
import Testing
import TokenModel

@testable import Dashboard

/// Where the dashboard shows the token endpoint's budget: the Token tab and the key-set
/// screen's issuer header, its countdown drawn from the frame's `now`.
@Suite("The token endpoint's budget on screen")
struct RateLimitBudgetDisplayTests {
    static func budget(remaining: Int, heaviest: String? = nil) -> RateLimitBudget {
        RateLimitBudget(
            issuer: "https://idp.test/oauth2/default", endpoint: "https://idp.test/oauth2/default/v1/token", limit: 600,
            remaining: remaining, resetAt: Fixtures.at(38), observedAt: Fixtures.at(-2), style: .okta,
            heaviestClient: heaviest, heaviestClientRequests: heaviest == nil ? 0 : 540)
    }

    static func client(_ budget: RateLimitBudget) -> ClientSnapshot {
        var client = ClientSnapshot(name: "mod-client", state: .valid, keySet: Fixtures.diagnosis.rotatedKeySet())
        client.tokenEndpointBudget = budget
        return client
    }

    func tokenTab(_ client: ClientSnapshot, now: Date) -> [String] {
        Renderer.tokenLines(client, width: 140, now: now, context: Fixtures.context()).map { $0.map(\.text).joined() }
    }

    @Test("the Token tab shows the budget with a countdown that runs between answers")
    func tokenTab() throws {
        let client = Self.client(Self.budget(remaining: 412))
        let line = try #require(tokenTab(client, now: Fixtures.now).first { $0.hasPrefix("Budget") })
        #expect(line.hasSuffix("token endpoint: 412/600 left, resets in 38s"), "\(line)")
        let later = try #require(tokenTab(client, now: Fixtures.at(30)).first { $0.hasPrefix("Budget") })
        #expect(later.hasSuffix("resets in 8s"), "\(later)")
    }

    @Test("a low budget says so in words, not colour alone, and names the client that spends it most")
    func lowBudget() throws {
        let line = try #require(
            tokenTab(Self.client(Self.budget(remaining: 12, heaviest: "noisy")), now: Fixtures.now).first {
                $0.hasPrefix("Budget")
            })
        #expect(
            line.contains(
                "token endpoint: 12/600 left, resets in 38s  low: under 10 %  most requests: noisy (540 in the last minute)"),
            "\(line)")
    }

    @Test("no budget line for a token endpoint that states none")
    func noBudget() {
        let client = ClientSnapshot(name: "mod-client", state: .valid)
        #expect(!tokenTab(client, now: Fixtures.now).contains { $0.hasPrefix("Budget") })
    }

    @Test("the key-set screen's issuer header shows the budget its clients share")
    func keySetHeader() throws {
        var snapshot = Fixtures.diagnosis.snapshot()
        snapshot.clients = [Self.client(Self.budget(remaining: 412))]
        var state = ViewState(selectedClient: "mod-client")
        state.screen = .keySets
        let frame = Renderer().render(
            snapshot, state: state, size: TerminalSize(columns: 120, rows: 40), now: Fixtures.now, context: Fixtures.context())
        let line = try #require((0..<frame.height).map { frame.text(ofRow: $0) }.first { $0.hasPrefix(" Budget") })
        #expect(line.contains("token endpoint: 412/600 left, resets in 38s"), "\(line)")
    }
}
