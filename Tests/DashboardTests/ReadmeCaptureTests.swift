import DashboardCaptures
import Foundation
import Testing

@Suite("README's terminal pictures are what the renderer draws")
struct ReadmeCaptureTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")

    @Test("every picture in README is what make captures writes")
    func current() throws {
        let readme = try String(contentsOf: Self.readme, encoding: .utf8)
        let updated = try ReadmeCaptures.updated(readme)
        let old = readme.components(separatedBy: "\n")
        let new = updated.components(separatedBy: "\n")
        let line = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(
            updated == readme,
            "README line \((line ?? min(old.count, new.count)) + 1) differs from the renderer's picture: run make captures")
    }

    @Test("README shows every capture, the grouped view at 60×15, 80×24 and 120×40 among them")
    func everyCaptureShown() throws {
        let names = ReadmeCaptures.markedNames(try String(contentsOf: Self.readme, encoding: .utf8))
        #expect(Set(names) == Set(ReadmeCaptures.all.map(\.name)))
        #expect(names.contains("grouped-60x15") && names.contains("grouped-80x24") && names.contains("grouped-120x40"))
    }

    @Test("the diagnosis, event-log and key-set pictures show what README's words around them say")
    func diagnosisPictures() throws {
        func picture(_ name: String) throws -> String {
            ReadmeCaptures.text(of: try #require(ReadmeCaptures.all.first { $0.name == name }))
        }
        let diagnosis = try picture("diagnosis")
        #expect(diagnosis.contains(" Next step ") && diagnosis.contains(" Diagnosis   ✘ missing_scope"))
        #expect(diagnosis.contains("diagnose no-mod-scope: diagnosis: missing_scope"), "the footer gives d's outcome")
        #expect(diagnosis.contains("filter \u{201C}no-mod\u{201D}"))
        let log = try picture("event-log")
        #expect(log.contains("clients matching \u{201C}mod-c\u{201D}"))
        #expect(log.contains("introspected: inactive") && log.contains("you: diagnose \u{2014} diagnosis: revoked"))
        #expect(log.contains("mod-client  dashboard: Token of mod-client copied"), "the copy's footer message, kept as a note")
        let keys = try picture("key-sets")
        #expect(
            keys.contains("\"demo-key-1\", is no longer published") && keys.contains("\u{2718} no longer published; jwt-client"))
        #expect(keys.contains("+ added") && keys.contains("- removed"))
    }

    @Test("a marker without its end, or naming no capture, is an error that says where")
    func badMarkers() {
        #expect(throws: ReadmeCaptures.MarkerError.self) {
            try ReadmeCaptures.updated("a\n<!-- capture: dashboard -->\n```text\n```\n")
        }
        #expect(throws: ReadmeCaptures.MarkerError.self) {
            try ReadmeCaptures.updated("<!-- capture: nothing -->\n<!-- /capture -->\n")
        }
        let blank = "intro\n<!-- capture: refused -->\n```text\n```\n<!-- /capture -->\nafter"
        let drawn = try? ReadmeCaptures.updated(blank)
        #expect(drawn?.contains("gone-auth") == true && drawn?.hasSuffix("<!-- /capture -->\nafter") == true)
    }
}
