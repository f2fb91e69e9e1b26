import Foundation
import Testing
import TokenModel

@testable import Dashboard

@Suite("History")
struct HistoryTests {
    @Test("a fetch that needed a DPoP nonce retry says so")
    func nonceRetry() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let client = ClientSnapshot(
            name: "dpop-client", state: .valid,
            history: [
                FetchRecord(
                    reason: .startup, startedAt: now, latency: .milliseconds(12), error: nil, claimChanges: [],
                    expiresAt: now.addingTimeInterval(3600), nonceRetried: true),
                FetchRecord(
                    reason: .scheduled, startedAt: now.addingTimeInterval(10), latency: .milliseconds(9), error: nil,
                    claimChanges: [], expiresAt: now.addingTimeInterval(3610)),
            ])
        let lines = Renderer.historyLines(client, now: now, glyphs: .unicode).map { $0.map(\.text).joined() }
        #expect(lines.filter { $0.contains("DPoP nonce retried") }.count == 1)
        #expect(lines.contains { $0.contains("fetch: startup") && $0.contains("DPoP nonce retried") })
    }
}
