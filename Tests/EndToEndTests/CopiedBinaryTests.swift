import Foundation
import Testing

/// tokentop as an installer leaves it: the binary alone, copied away from the source tree and
/// the build folder. The standard themes are built into it; PREFIX/share/tokentop/themes adds to them.
@Suite("A copied or installed binary")
struct CopiedBinaryTests {
    /// `PREFIX/bin/tokentop`, a copy of the built binary, under a fresh empty folder.
    func install() throws -> (prefix: URL, binary: URL) {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-prefix-\(UUID().uuidString)")
        let bin = prefix.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let binary = bin.appendingPathComponent("tokentop")
        // cp in a child process: a file this (multi-threaded, spawning) process held open for
        // writing could leak into another test's child and make exec fail with ETXTBSY.
        let status = try spawnAndWait(["cp", try TmuxSession.binary().path, binary.path], output: "/dev/null")
        guard status == 0 else { throw E2EError("cannot copy the tokentop binary (cp exited \(status))") }
        return (prefix, binary)
    }

    /// Runs `binary check --config FILE` for a configuration that asks for `theme`, in an empty home.
    func check(_ binary: URL, theme: String, in folder: URL) async throws -> (status: Int32, stderr: String) {
        let home = folder.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let configuration = home.appendingPathComponent("tokentop.yaml")
        try """
        theme: \(theme)
        clients:
          a:
            client-id: x
            token-uri: http://127.0.0.1:1/token
            client-secret: s
        """.write(to: configuration, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for key in ["TOKENTOP_CONFIG", "TOKENTOP_THEMES"] { environment[key] = nil }
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.appendingPathComponent("config").path
        let errors = folder.appendingPathComponent("stderr").path
        let pid = try spawn(
            [binary.path, "check", "--config", configuration.path], output: folder.appendingPathComponent("stdout").path,
            errors: errors, environment: environment, directory: home.path)
        let status = try await waitForExit(of: pid, timeout: 60, what: "the copied tokentop")
        return (status, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    @Test("a binary copied into an empty folder still knows the five standard themes")
    func standardThemesTravel() async throws {
        let (prefix, binary) = try install()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let unknown = try await check(binary, theme: "nosuch", in: prefix)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("available: default, colorblind, dark, high-contrast, light"), "\(unknown.stderr)")
        let light = try await check(binary, theme: "light", in: prefix)
        #expect(light.status == 1, "the theme is accepted; only the unreachable client fails: \(light.stderr)")
        #expect(!light.stderr.contains("no theme named"))
    }

    @Test("themes installed in PREFIX/share/tokentop/themes are found beside PREFIX/bin/tokentop")
    func installedThemes() async throws {
        let (prefix, binary) = try install()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let themes = prefix.appendingPathComponent("share/tokentop/themes")
        try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
        try "styles:\n  ok: brightgreen\n".write(
            to: themes.appendingPathComponent("site.yaml"), atomically: true, encoding: .utf8)
        let site = try await check(binary, theme: "site", in: prefix)
        #expect(site.status == 1, "the theme is accepted; only the unreachable client fails: \(site.stderr)")
        #expect(!site.stderr.contains("no theme named"))
    }
}
