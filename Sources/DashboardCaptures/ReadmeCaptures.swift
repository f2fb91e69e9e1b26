import Dashboard
import Foundation
import TokenModel

/// README's terminal pictures, drawn by the real renderer from `CaptureFixtures`: `make captures`
/// writes them between their markers, and a test fails when README's differ from what it writes.
///
/// A picture in README is a fenced block between `<!-- capture: NAME -->` and `<!-- /capture -->`.
public enum ReadmeCaptures {
    /// One picture: a frame of a fixture, whole or some of its rows.
    public struct Capture: Sendable {
        public let name: String
        let snapshot: @Sendable () -> ManagerSnapshot
        let state: ViewState
        let size: TerminalSize
        /// What the header names as the configuration.
        let source: String
        /// The rows shown, all when nil: an excerpt keeps what the text around it talks about.
        let rows: [Int]?
    }

    static func state(selected: String, grouped: Bool = false) -> ViewState {
        var state = ViewState(selectedClient: selected)
        state.isGrouped = grouped
        return state
    }

    /// The clients with one diagnosis each, at the captures' instant.
    static let diagnosis = DiagnosisFixtures(now: CaptureFixtures.now)

    /// The screen right after `d` on `client`: the footer gives the check's outcome as the
    /// manager words it.
    static func diagnosed(_ client: String, in snapshot: ManagerSnapshot, filter: String, screen: DashboardScreen = .clients)
        -> ViewState
    {
        var state = ViewState(selectedClient: client)
        state.filterText = filter
        state.screen = screen
        let outcome = snapshot.clients.first { $0.name == client }.map { $0.diagnosisOutcome(at: CaptureFixtures.now) } ?? ""
        state.footerMessage = FooterMessage(outcomes: [
            ActionRecord(
                action: .diagnose, client: client, at: CaptureFixtures.now, succeeded: true, outcome: outcome)
        ])
        state.footerMessageShownAt = CaptureFixtures.now
        return state
    }

    /// mod-client's token copied with `y` a minute ago (the dashboard's note of it stays in the
    /// log), revoked elsewhere, then `d`; the log filtered to it.
    static var copiedThenDiagnosed: ViewState {
        var state = diagnosed("mod-client", in: diagnosis.revokedBehindTheBack(), filter: "mod-c", screen: .events)
        state.footerNotes = [FooterNote(at: diagnosis.at(-60), message: .copied("mod-client"))]
        return state
    }

    static var keySets: ViewState {
        var state = ViewState(selectedClient: "jwt-client")
        state.screen = .keySets
        return state
    }

    /// Every picture README shows.
    public static let all: [Capture] = [
        Capture(
            name: "dashboard", snapshot: { CaptureFixtures.demo() }, state: state(selected: "mod-client"),
            size: TerminalSize(columns: 110, rows: 26), source: "embedded demo", rows: nil),
        Capture(
            name: "degraded", snapshot: { CaptureFixtures.demo(apiStatus: 503) }, state: state(selected: "jwt-client"),
            size: TerminalSize(columns: 120, rows: 40), source: "embedded demo", rows: Array(0...7)),
        Capture(
            name: "refused", snapshot: { CaptureFixtures.refused() }, state: state(selected: "gone-auth"),
            size: TerminalSize(columns: 120, rows: 40), source: "tokentop.yaml", rows: [1, 2, 4]),
        Capture(
            name: "grouped-60x15", snapshot: { CaptureFixtures.twoIssuers() }, state: state(selected: "ledger", grouped: true),
            size: TerminalSize(columns: 60, rows: 15), source: "/home/ops/tokentop.yaml", rows: nil),
        Capture(
            name: "grouped-80x24", snapshot: { CaptureFixtures.twoIssuers() }, state: state(selected: "ledger", grouped: true),
            size: TerminalSize(columns: 80, rows: 24), source: "/home/ops/tokentop.yaml", rows: nil),
        Capture(
            name: "grouped-120x40", snapshot: { CaptureFixtures.twoIssuers() }, state: state(selected: "ledger", grouped: true),
            size: TerminalSize(columns: 120, rows: 40), source: "/home/ops/tokentop.yaml", rows: nil),
        Capture(
            name: "diagnosis", snapshot: { diagnosis.snapshot() },
            state: diagnosed("no-mod-scope", in: diagnosis.snapshot(), filter: "no-mod"),
            size: TerminalSize(columns: 120, rows: 40), source: "demo.yaml", rows: Array(2...8) + [39]),
        Capture(
            name: "event-log", snapshot: { diagnosis.revokedBehindTheBack() }, state: copiedThenDiagnosed,
            size: TerminalSize(columns: 120, rows: 40), source: "demo.yaml", rows: Array(1...9)),
        Capture(
            name: "key-sets", snapshot: { diagnosis.snapshot() }, state: keySets,
            size: TerminalSize(columns: 120, rows: 40), source: "demo.yaml", rows: Array(1...13)),
    ]

    /// The picture's text, each line without trailing blanks, as a terminal capture gives it.
    public static func text(of capture: Capture) -> String {
        let context = ScreenContext(
            configurationPath: capture.source, colorDepth: .monochrome, glyphs: .unicode)
        let frame = Renderer().render(
            capture.snapshot(), state: capture.state, size: capture.size, now: CaptureFixtures.now, context: context)
        let rows = capture.rows ?? Array(0..<frame.height)
        return rows.filter { $0 < frame.height }.map { row in
            String(frame.text(ofRow: row).reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n")
    }

    /// A README problem: a marker without its end, or a name no capture has.
    public struct MarkerError: Error, CustomStringConvertible {
        public let description: String
    }

    /// README with every marked picture drawn afresh. Text outside the markers is kept as it is.
    public static func updated(_ readme: String) throws -> String {
        var lines = readme.components(separatedBy: "\n")
        var index = 0
        while index < lines.count {
            guard let name = markerName(lines[index]) else {
                index += 1
                continue
            }
            guard
                let end = lines[(index + 1)...].firstIndex(where: {
                    $0.trimmingCharacters(in: .whitespaces) == "<!-- /capture -->"
                })
            else {
                throw MarkerError(
                    description: "README line \(index + 1): <!-- capture: \(name) --> has no <!-- /capture --> after it")
            }
            guard let capture = all.first(where: { $0.name == name }) else {
                throw MarkerError(
                    description:
                        "README line \(index + 1): no capture named \(name) (known: \(all.map(\.name).joined(separator: ", ")))")
            }
            let block = ["```text"] + text(of: capture).components(separatedBy: "\n") + ["```"]
            lines.replaceSubrange((index + 1)..<end, with: block)
            index += block.count + 2
        }
        return lines.joined(separator: "\n")
    }

    /// The names README marks, in order.
    public static func markedNames(_ readme: String) -> [String] {
        readme.components(separatedBy: "\n").compactMap(markerName)
    }

    private static func markerName(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("<!-- capture: "), trimmed.hasSuffix(" -->") else { return nil }
        return String(trimmed.dropFirst("<!-- capture: ".count).dropLast(" -->".count))
    }
}
