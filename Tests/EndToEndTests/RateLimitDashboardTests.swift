import Foundation
import Testing

/// The token endpoint's budget on the real binary's screen, against `demo-server --rate-limit`.
@Suite("The token endpoint's budget in a real terminal", .serialized)
struct RateLimitDashboardTests {
    @Test(
        "the Token tab shows the shared budget; refreshes drain it until it is low in words, naming the heaviest client; the key-set screen shows it"
    )
    func budgetOnScreen() async throws {
        // A day's window (reset at midnight UTC); the six demo clients' first requests leave about 2 of 8.
        let demo = try await DemoServerProcess.start(arguments: ["--rate-limit", "8/24h"])
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("mod-client ok") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("✔ ok") == true
        }
        try await session.send("/", "m", "o", "d", "-", "c", "Enter", "1")
        try await session.waitForScreen("the budget on the Token tab") { Self.remaining(in: $0) != nil }

        // Manual refreshes spend the rest (eight at most: the bucket holds eight), each seen to take one.
        for _ in 0..<8 {
            guard let left = Self.remaining(in: try await session.screen()), left > 0 else { break }
            #expect(!(try await session.screen()).contains("budget low"))
            try await session.send("r")
            try await session.waitForScreen("one request fewer than \(left)") { (Self.remaining(in: $0) ?? left) < left }
        }
        let drained = try await session.waitForScreen("the low budget in words") { screen in
            screen.contains("token endpoint: 0/8 left, resets in") && screen.contains("low: under 10 %")
                && screen.contains("most requests: ")
        }
        #expect(DashboardEndToEndTests.line(of: "mod-client", in: drained)?.contains("▲ degraded") == true, "\(drained)")

        try await session.send("K")
        try await session.waitForScreen("the budget in the issuer's header on the key-set screen") { screen in
            screen.contains("Used by") && screen.contains("Key set")
                && screen.split(separator: "\n").contains {
                    $0.contains("Budget") && $0.contains("token endpoint: 0/8 left, resets in")
                }
        }
        try await session.send("Escape")
        try await session.waitForScreen("back on the list") { !$0.contains("Used by") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    /// The requests left on the Token tab's budget line, `token endpoint: N/8 left`.
    static func remaining(in screen: String) -> Int? {
        screen.firstMatch(of: /token endpoint: (\d+)\/8 left, resets in/).flatMap { Int($0.1) }
    }
}
