import Testing
import TokenModel

@Suite("Durations in the configuration")
struct DurationTests {
    @Test(
        "units, combinations and bare seconds are read",
        arguments: [
            ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
            ("1h30m", .seconds(5400)), ("2m30s", .seconds(150)), ("90", .seconds(90)), ("1.5s", .milliseconds(1500)),
            ("0.25", .milliseconds(250)), (" 10s ", .seconds(10)), ("1h0m5s", .seconds(3605)),
        ])
    func parses(text: String, expected: Duration) {
        #expect(Duration(configText: text) == expected)
    }

    @Test(
        "text that is not a duration is rejected",
        arguments: [
            "ten", "10x", "s", "", "1h30", "1.s", ".5s", "--5s", "10 s", "5M", "1e3", "99999999999h",
        ])
    func rejects(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test("a leading minus parses, so the loader can say it must be positive")
    func negative() {
        #expect(Duration(configText: "-5s") == .seconds(-5))
    }

    @Test(
        "durations are written back the way a user writes them",
        arguments: [
            (Duration.seconds(10), "10s"), (.seconds(90), "1m30s"), (.milliseconds(500), "500ms"),
            (.milliseconds(1500), "1.5s"), (.seconds(3600), "1h"), (.seconds(5400), "1h30m"), (.zero, "0s"),
            (.seconds(3605), "1h5s"), (.milliseconds(61_250), "1m1.25s"), (.seconds(-30), "-30s"),
        ])
    func formats(duration: Duration, expected: String) {
        #expect(duration.configText == expected)
        #expect(Duration(configText: expected) == duration)
    }
}
