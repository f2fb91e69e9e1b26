import DashboardCaptures
import Foundation
import Testing
import TokenModel

@testable import Dashboard

/// The key-set screen's words for a set that was asked for but never gave a usable copy.
@Suite("The key-set screen's freshness line")
struct KeySetScreenTests {
    func fetchedLine(_ keySet: KeySetStatus) throws -> String {
        var snapshot = Fixtures.diagnosis.snapshot()
        snapshot.clients = [ClientSnapshot(name: "mod-client", state: .valid, keySet: keySet)]
        var state = ViewState(selectedClient: "mod-client")
        state.screen = .keySets
        let frame = Renderer().render(
            snapshot, state: state, size: TerminalSize(columns: 120, rows: 40), now: Fixtures.now, context: Fixtures.context())
        return try #require((0..<frame.height).map { frame.text(ofRow: $0) }.first { $0.hasPrefix(" Fetched") })
    }

    @Test("a set fetched empty (or refused) has no usable copy yet, not \"not fetched yet\"; the last error says why")
    func fetchedEmptySet() throws {
        let empty = KeySetStatus(
            source: DiagnosisFixtures.jwksURI,
            lastError: "the key set at \(DiagnosisFixtures.jwksURI) holds no key tokentop can use")
        let line = try fetchedLine(empty)
        #expect(line.hasPrefix(" Fetched     no usable copy yet"), "\(line)")
        #expect(!line.contains("not fetched yet"))
    }

    @Test("a fresh copy shows when it was fetched")
    func fetchedSet() throws {
        #expect(try fetchedLine(Fixtures.diagnosis.rotatedKeySet()).hasPrefix(" Fetched     2026-11-27 02:59:40 UTC  (20s ago)"))
    }
}
