import Foundation
import FuzzTargets
import Testing

/// Every file of `Tests/FuzzCorpus/<target>/` read by its target, as `make fuzz` reads it but
/// without the sanitizer: seeds from real servers, the hostile inputs known, and every input the
/// fuzzer ever crashed on. Each stays a regression test.
@Suite("Fuzz corpus replay")
struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    struct Input: CustomTestStringConvertible, Sendable {
        let target: FuzzTarget
        let file: URL
        var testDescription: String { "\(target.name)/\(file.lastPathComponent)" }
    }

    static let inputs: [Input] = FuzzTarget.all.flatMap { target in
        let folder = corpus.appendingPathComponent(target.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map {
            Input(target: target, file: folder.appendingPathComponent($0))
        }
    }

    @Test("every target has a seed corpus", arguments: FuzzTarget.all)
    func seeded(target: FuzzTarget) {
        #expect(Self.inputs.filter { $0.target.name == target.name }.count >= 3)
    }

    @Test("no corpus folder is left without a target")
    func noStrayFolders() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { !$0.hasPrefix(".") && $0 != "README.md" }
        #expect(Set(folders) == Set(FuzzTarget.all.map(\.name)))
    }

    @Test("each corpus input is read without a crash and with its properties", arguments: inputs)
    func replay(input: Input) async throws {
        let data = try Data(contentsOf: input.file)
        await #expect(throws: Never.self) { try await input.target.check(data) }
    }
}
