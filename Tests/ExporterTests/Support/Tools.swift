import Foundation
import Subprocess
import Testing

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The external programs the exporter tests run, found on PATH.
enum Tools {
    /// `promtool`, from Debian's prometheus package (.ci/run installs it).
    static let promtool = onPath("promtool")
    /// The Prometheus server, from the same package.
    static let prometheus = onPath("prometheus")

    /// Why a test that needs Prometheus' tools did not run.
    static let missingMessage: Comment = "promtool/prometheus are not installed: .ci/run installs Debian's prometheus package"

    /// `systemd-analyze`, from Debian's systemd package (.ci/run installs it).
    static let systemdAnalyze = onPath("systemd-analyze")
    static let systemdMissingMessage: Comment = "systemd-analyze is not installed: .ci/run installs Debian's systemd package"

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// What a finished program printed, and how it ended.
    struct Outcome: CustomStringConvertible {
        var status: TerminationStatus
        var output: String

        var succeeded: Bool { status.isSuccess }
        var description: String { "\(status): \(output)" }
    }

    /// Runs a program to completion with stdout and stderr together.
    static func run(
        _ program: String, _ arguments: [String], input: String? = nil, in directory: URL? = nil
    ) async throws -> Outcome {
        let result = try await Subprocess.run(
            .path(FilePath(program)), arguments: Arguments(arguments),
            workingDirectory: directory.map { FilePath($0.path) },
            input: .string(input ?? ""), output: .string(limit: 4 << 20), error: .combinedWithOutput)
        return Outcome(status: result.terminationStatus, output: result.standardOutput)
    }
}

/// The repository's folders, from this file's place in it.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let prometheusExamples = root.appending(path: "examples/prometheus", directoryHint: .isDirectory)
    static let systemdExamples = root.appending(path: "examples/systemd", directoryHint: .isDirectory)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The suites that need Prometheus' tools skip without them on a developer's machine; in CI,
/// where `.ci/run` installs them, a missing tool is a failure, never a silent skip.
@Suite("Prometheus' tools in CI")
struct ToolsInCITests {
    @Test("with CI=true, promtool and prometheus are on PATH")
    func presentInCI() {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
        #expect(Tools.promtool != nil && Tools.prometheus != nil, "\(Tools.missingMessage)")
    }

    @Test("with CI=true, systemd-analyze is on PATH")
    func systemdAnalyzeInCI() {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
        #expect(Tools.systemdAnalyze != nil, "\(Tools.systemdMissingMessage)")
    }
}
