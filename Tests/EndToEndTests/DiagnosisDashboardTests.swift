import Foundation
import Testing

/// "Why is my token rejected?" on the real dashboard: each cause reproduced with a demo fault,
/// then named on screen by the diagnosis, the `d` key's three-way check, the key-set screen and
/// the event log.
@Suite("Diagnoses on the dashboard in a real terminal", .serialized)
struct DiagnosisDashboardTests {
    /// Types a filter that leaves only `client`, so it is selected.
    static func select(_ client: String, in session: TmuxSession) async throws {
        try await session.send("/")
        for character in client { try await session.send(String(character)) }
        try await session.send("Enter")
    }

    /// Presses `d` on the selected client and waits for the check's outcome in the footer and the
    /// cause at the top of the Token tab; returns that screen.
    @discardableResult
    func diagnose(_ client: String, expecting cause: String, in session: TmuxSession) async throws -> String {
        try await session.send("d")
        let screen = try await session.waitForScreen("d to name \(cause)") { screen in
            screen.contains("diagnose \(client): ") && screen.contains(cause)
                && Self.diagnosisLine(in: screen)?.contains("✘ \(cause)") == true
        }
        return screen
    }

    /// The first line of the Token tab's diagnosis.
    static func diagnosisLine(in screen: String) -> String? {
        screen.split(separator: "\n").first { $0.hasPrefix(" Diagnosis ") }.map(String.init)
    }

    @Test("missing scope on the embedded demo: no-mod-scope's diagnosis names custom_mod, d confirms, the event log has it")
    func missingScope() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the no-mod-scope row degraded") {
            DashboardEndToEndTests.line(of: "no-mod-scope", in: $0)?.contains("▲ degraded") == true
        }
        try await Self.select("no-mod-scope", in: session)
        // The API's 403 is evidence enough: the diagnosis shows before any key is pressed.
        let before = try await session.waitForScreen("the diagnosis on the Token tab") {
            Self.diagnosisLine(in: $0)?.contains("✘ missing_scope") == true
        }
        #expect(before.contains("the token lacks custom_mod, which the API asks for"))
        #expect(before.contains("API: 403 insufficient_scope") && before.contains(#"scope="custom_mod""#))
        try await diagnose("no-mod-scope", expecting: "missing_scope", in: session)

        try await session.send("e")
        let events = try await session.waitForScreen("the event log") { $0.contains("Event log") && $0.contains("you: diagnose") }
        #expect(events.contains("API 403 insufficient_scope"))
        #expect(events.contains("you: diagnose — diagnosis: missing_scope"))
        #expect(events.contains("token fetched (startup"))
        try await session.send("c")
        try await session.waitForScreen("the log of no-mod-scope only") { $0.contains("no-mod-scope only") }
        try await session.send("Escape")
        try await session.waitForScreen("the clients again") { $0.contains("STATUS") && !$0.contains("newest at the bottom") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("an API that expects another audience: d names audience_or_issuer_mismatch with the token's aud")
    func audienceMismatch() async throws {
        let demo = try await DemoServerProcess.start(arguments: ["--resource-expect-audience", "api://orders"])
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("mod-client refused by the API") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("401") == true
        }
        try await Self.select("mod-client", in: session)
        let screen = try await diagnose("mod-client", expecting: "audience_or_issuer_mismatch", in: session)
        #expect(screen.contains("the token's audience is not api://orders"))
        #expect(screen.contains("the token's aud:"))
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    @Test("an authorization server five minutes ahead: d names clock_skew; the event log says which server")
    func clockSkew() async throws {
        let demo = try await DemoServerProcess.start(arguments: ["--clock-offset=300s"])
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("the mod-client row with a verdict") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("pending") == false
        }
        try await Self.select("mod-client", in: session)
        let screen = try await diagnose("mod-client", expecting: "clock_skew", in: session)
        #expect(screen.contains(/\sis (4m5\d|5m0\d)s ahead of this machine/), "the evidence names how far ahead")
        try await session.send("e")
        try await session.waitForScreen("the skew in the event log") {
            $0.contains("clock skew: ") && $0.contains("ahead of this machine")
        }
        try await session.send("q", "q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    @Test("a breaking key rotation: the key-set screen and the event log show the old key leave and the new one come")
    func keyRotation() async throws {
        let demo = try await DemoServerProcess.start(arguments: ["--breaking-rotation"])
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("mod-client ok") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("✔ ok") == true
        }
        try await Self.select("mod-client", in: session)
        try await session.send("K")
        let before = try await session.waitForScreen("the key-set screen") {
            $0.contains("Key sets") && $0.contains("none since tokentop started")
        }
        let oldKey = try #require(before.firstMatch(of: /mod-client's token is signed by "([^"]+)"/).map { String($0.1) })
        #expect(before.contains("RSA 2048") && before.contains("Used by"))

        try await demo.setFaults(#"{"rotate_keys": true}"#)
        // One refresh inside the key set's 30 s refetch floor: the new token names a key newer
        // than the copy, so its verdict waits ("a new key?") and settles by itself once the floor
        // allows the refetch. No second key is pressed.
        try await session.send("r")
        let after = try await session.waitForScreen("the key set fetched again, with no key pressed", timeout: 60) {
            $0.contains("- removed")
        }
        #expect(after.contains("- removed") && after.contains(oldKey), "the old key left: \(after)")
        #expect(after.contains("+ added"))
        let newKey = try #require(after.firstMatch(of: /mod-client's token is signed by "([^"]+)"/).map { String($0.1) })
        #expect(newKey != oldKey)

        try await session.send("e")
        let events = try await session.waitForScreen("the rotation in the event log") { $0.contains("key removed: \(oldKey)") }
        #expect(events.contains("key added: \(newKey)"))
        try await session.send("Escape")
        try await session.waitForScreen("the clients again") { $0.contains("STATUS") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    @Test(
        "a breaking rotation tokentop sees before the API does: key_rotation, a new token fetched by itself, ok again with no key"
    )
    func keyRotationNamed() async throws {
        // A one-second max-age: tokentop looks at the key set again after its 30-second floor.
        let demo = try await DemoServerProcess.start(arguments: ["--breaking-rotation", "--jwks-max-age", "1s"])
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("jwt-client ok") {
            DashboardEndToEndTests.line(of: "jwt-client", in: $0)?.contains("✔ ok") == true
        }
        try await Self.select("jwt-client", in: session)
        // Paused, the client shows its token to no API: only the key set can tell it is spoilt.
        try await session.send("p")
        try await session.waitForScreen("polling paused") { $0.contains("polling paused") }
        try await session.send("K")
        let before = try await session.waitForScreen("the key-set screen") {
            $0.contains("Key sets") && $0.contains("jwt-client's token is signed by")
        }
        let oldKey = try #require(before.firstMatch(of: /jwt-client's token is signed by "([^"]+)"/).map { String($0.1) })
        try await demo.setFaults(#"{"rotate_keys": true}"#)
        let after = try await session.waitForScreen("a new token signed by the new key, fetched by tokentop itself", timeout: 90)
        { screen in
            screen.contains("- removed")
                && screen.firstMatch(of: /jwt-client's token is signed by "([^"]+)"/).map { String($0.1) != oldKey } == true
        }
        #expect(after.contains(oldKey))
        try await session.send("Escape")
        try await session.waitForScreen("jwt-client ok again") {
            DashboardEndToEndTests.line(of: "jwt-client", in: $0)?.contains("✔ ok") == true
        }
        try await session.send("e")
        // Waits for the whole story, not its first line: a capture can catch the log half drawn.
        let events = try await session.waitForScreen("the rotation in the event log") {
            $0.contains("key removed: \(oldKey)") && $0.contains("held token failed verification")
        }
        #expect(events.contains("key rotation: signed by key"), "the verdict went to key_rotation on the way: \(events)")
        #expect(events.contains("held token failed verification"))
        #expect(!events.contains("✘ error"), "no false error on the way")
        try await session.send("q", "q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    @Test("a token revoked behind the dashboard's back: valid here, inactive at the server; d names revoked")
    func revoked() async throws {
        let demo = try await DemoServerProcess.start()
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.acceptClipboard()
        try await session.waitForScreen("mod-client ok") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("✔ ok") == true
        }
        try await Self.select("mod-client", in: session)
        // The held token leaves only through the clipboard (OSC 52), as an operator would copy it.
        try await session.send("y", "y")
        try await session.waitForScreen("the copy") { $0.contains("Token of mod-client copied") }
        let token = try await session.pasteBuffer().trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("eyJ"))
        let revocation = try await runTokentop(["revoke", "--config", demo.configPath, "mod-client", "-"], stdin: token)
        #expect(revocation.status == 0, "\(revocation.stderr)")

        let screen = try await diagnose("mod-client", expecting: "revoked", in: session)
        #expect(screen.contains("introspection: active false at"))
        try await session.send("e")
        try await session.waitForScreen("the introspection in the event log") { $0.contains("introspected: inactive") }
        try await session.send("q", "q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }
}
