import Dashboard
import Foundation
import Testing

/// Compares a frame's characters with `Snapshots/NAME.txt`; a missing file is recorded
/// and the test fails, so every snapshot is looked at once before it is trusted.
func expectSnapshot(
    _ frame: Frame, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
) {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    let actual =
        (0..<frame.height).map { row in
            String(frame.text(ofRow: row).reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n") + "\n"
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        Issue.record(
            "Recorded a new snapshot at \(file.path); look at it, then run the tests again.", sourceLocation: sourceLocation)
        return
    }
    guard expected != actual else { return }
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let row =
        zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(expectedLines.count, actualLines.count)
    let mismatch = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).actual.txt")
    try? actual.write(to: mismatch, atomically: true, encoding: .utf8)
    Issue.record(
        """
        Frame differs from \(file.lastPathComponent) at row \(row):
        expected: \(row < expectedLines.count ? String(expectedLines[row]) : "(nothing)")
        actual:   \(row < actualLines.count ? String(actualLines[row]) : "(nothing)")
        (whole frame written to \(mismatch.path); delete the snapshot to re-record it)
        """, sourceLocation: sourceLocation)
}
