import Foundation
import Testing
import TokenTesting

/// The Spring files that crashed the binary (a stack overflow, SIGSEGV) or ran it for minutes,
/// given to `tokentop import spring` and `tokentop check --spring` as a user would: each exits
/// 2 with one line naming the file, the line and the bound.
@Suite("Hostile Spring files on the command line")
struct HostileSpringFileCommandTests {
    static let cases: [(name: String, file: String, text: String, line: Int, bound: String)] = [
        (
            "3,000 chained placeholders", "chained.properties", HostileConfigurations.chainedPlaceholders(links: 3_000),
            HostileConfigurations.chainedPlaceholderLine(63), "nest more than 64 levels deep here; tokentop reads at most 64"
        ),
        (
            "4,000 nested defaults", "nested.properties", HostileConfigurations.nestedDefaults(levels: 4_000),
            1, "nest more than 64 levels deep here; tokentop reads at most 64"
        ),
        (
            "30,000 `!` in a profile condition", "profile.properties", HostileConfigurations.profileNegations(30_000),
            6, "nest more than 64 levels deep here; tokentop reads at most 64"
        ),
        (
            "24 doubling placeholders", "doubling.properties", HostileConfigurations.doublingPlaceholders(levels: 24),
            HostileConfigurations.doublingPlaceholderLine(19), "expand the file past 1,048,576 bytes"
        ),
        ("a YAML alias bomb", "bomb.yml", HostileConfigurations.aliasBomb(levels: 8), 1, "expand the file past 1,048,576 values"),
    ]

    @Test("import spring and check --spring exit 2 with the bound, not a crash", arguments: 0..<cases.count)
    func hostileFile(_ index: Int) async throws {
        let hostile = Self.cases[index]
        let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/" + hostile.file
        try hostile.text.write(toFile: file, atomically: true, encoding: .utf8)

        for arguments in [["import", "spring", file], ["check", "--spring", file]] {
            let result = try await runTokentop(arguments, environment: ["HOME": folder])
            #expect(
                result.status == 2,
                "\(hostile.name): tokentop \(arguments.joined(separator: " ")) → \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(hostile.name): \(result.stderr)")
            #expect(lines.first?.hasPrefix("tokentop: \(file):\(hostile.line):") == true, "\(hostile.name): \(result.stderr)")
            #expect(lines.first?.contains(hostile.bound) == true, "\(hostile.name): \(result.stderr)")
        }
    }
}
