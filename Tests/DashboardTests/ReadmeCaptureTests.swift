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
        #expect(updated == readme, "README line \((line ?? min(old.count, new.count)) + 1) differs from the renderer's picture: run make captures")
    }

    @Test("README shows every capture, the grouped view at 60×15, 80×24 and 120×40 among them")
    func everyCaptureShown() throws {
        let names = ReadmeCaptures.markedNames(try String(contentsOf: Self.readme, encoding: .utf8))
        #expect(Set(names) == Set(ReadmeCaptures.all.map(\.name)))
        #expect(names.contains("grouped-60x15") && names.contains("grouped-80x24") && names.contains("grouped-120x40"))
    }

    @Test("a marker without its end, or naming no capture, is an error that says where")
    func badMarkers() {
        #expect(throws: ReadmeCaptures.MarkerError.self) { try ReadmeCaptures.updated("a\n<!-- capture: dashboard -->\n```text\n```\n") }
        #expect(throws: ReadmeCaptures.MarkerError.self) { try ReadmeCaptures.updated("<!-- capture: nothing -->\n<!-- /capture -->\n") }
        let blank = "intro\n<!-- capture: refused -->\n```text\n```\n<!-- /capture -->\nafter"
        let drawn = try? ReadmeCaptures.updated(blank)
        #expect(drawn?.contains("gone-auth") == true && drawn?.hasSuffix("<!-- /capture -->\nafter") == true)
    }
}
