import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tokentop import spring`, run as a user runs it.
@Suite("tokentop import spring")
struct ImportCommandTests {
    /// The tutorial's two Spring files, from the SpringConfig fixtures.
    static let tutorial = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appending(path: "../SpringConfigTests/Fixtures/tutorial").standardized.path

    func home() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appending(path: "tokentop-import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("-o writes the converted configuration with mode 0600, the secret kept as ${OKTA_CLIENT_SECRET}")
    func writesFile() async throws {
        let home = try home()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let output = home + "/tokentop.yaml"
        let result = try await runTokentop(
            [
                "import", "spring", Self.tutorial + "/mod/application.yml", Self.tutorial + "/client/application.yml",
                "--resource-path", "/mod", "-o", output,
            ],
            environment: ["HOME": home, "OKTA_CLIENT_SECRET": "very-secret-value"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "tokentop: wrote 1 client(s) to \(output)\n")
        let written = try String(contentsOfFile: output, encoding: .utf8)
        #expect(written.contains("    client-secret: ${OKTA_CLIENT_SECRET}\n"))
        #expect(written.contains("    # example.oauth2.client.clientId (\(Self.tutorial)/client/application.yml:6:17)\n"))
        #expect(written.contains("    resource-uri: http://localhost:8080/mod\n"))
        #expect(!written.contains("very-secret-value"))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
    }

    @Test("-o - writes to standard output; -o naming a symbolic link or a FIFO is refused and left as it was")
    func outputPaths() async throws {
        let home = try home()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let spring = [Self.tutorial + "/client/application.yml"]
        let environment = ["HOME": home, "OKTA_CLIENT_SECRET": "very-secret-value"]
        let dash = try await runTokentop(["import", "spring"] + spring + ["-o", "-"], environment: environment)
        #expect(dash.status == 0, "\(dash.stderr)")
        #expect(dash.stdout.contains("    client-secret: ${OKTA_CLIENT_SECRET}\n"))
        #expect(!FileManager.default.fileExists(atPath: home + "/-"))

        // What `-o /dev/stdout` names, kept inside the test's folder: a symbolic link to a device.
        let stdout = home + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: stdout, withDestinationPath: "/dev/null")
        let fifo = home + "/fifo.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        // Never a real device here: a regression would replace it on a machine that runs tests as root.
        for (path, problem) in [(stdout, "is a symbolic link"), (fifo, "is a FIFO, not a regular file")] {
            let result = try await runTokentop(
                ["import", "spring"] + spring + ["-o", path], environment: environment, timeout: 20)
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr.hasPrefix("tokentop: -o \(path): \(problem)"), "\(result.stderr)")
            #expect(result.stderr.contains("(-o - writes to standard output)"))
        }
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: stdout) == "/dev/null")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).sorted() == ["fifo.yaml", "stdout"])
    }

    @Test("an unresolvable placeholder exits 2 naming the Spring file, line and property")
    func unresolvedPlaceholder() async throws {
        let home = try home()
        defer { try? FileManager.default.removeItem(atPath: home) }
        var environment = ["HOME": home]
        environment["OKTA_CLIENT_SECRET"] = nil
        let result = try await runTokentop(
            ["import", "spring", Self.tutorial + "/client/application.yml"], environment: environment)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.contains(
                "tokentop: \(Self.tutorial)/client/application.yml:7:21: example.oauth2.client.clientSecret: placeholder ${OKTA_CLIENT_SECRET} cannot be resolved"
            ))
    }
}
