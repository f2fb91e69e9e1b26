import Foundation
import Testing

/// examples/systemd/tokentop-serve.service, checked by systemd's own analyser against a
/// scratch root that holds the unit, a stand-in for the installed binary and the host's units.
@Suite("examples/systemd", .enabled(if: Tools.systemdAnalyze != nil, Tools.systemdMissingMessage))
struct SystemdUnitTests {
    static let unit = "tokentop-serve.service"

    /// A root with the unit under /etc/systemd/system, an executable at every path its
    /// commands name, and the host's units (targets it is ordered against).
    private func scratchRoot() throws -> URL {
        let files = FileManager.default
        let root = files.temporaryDirectory.appending(path: "tokentop-systemd-\(UUID().uuidString)")
        let unitDirectory = root.appending(path: "etc/systemd/system")
        try files.createDirectory(at: unitDirectory, withIntermediateDirectories: true)
        try files.copyItem(
            at: Repository.systemdExamples.appending(path: Self.unit), to: unitDirectory.appending(path: Self.unit))
        for program in ["usr/local/bin/tokentop", "bin/kill"] {
            let path = root.appending(path: program)
            try files.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "#!/bin/sh\nexit 0\n".write(to: path, atomically: true, encoding: .utf8)
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path.path)
        }
        let hostUnits = ["/usr/lib/systemd/system", "/lib/systemd/system"].first {
            files.fileExists(atPath: $0 + "/sysinit.target")
        }
        // Copied, not linked: systemd resolves links inside the root, where an absolute link to the host's folder
        // would point back at itself.
        let systemDirectory = root.appending(path: "usr/lib/systemd")
        try files.createDirectory(at: systemDirectory, withIntermediateDirectories: true)
        try files.copyItem(
            at: URL(fileURLWithPath: try #require(hostUnits, "no systemd units on this host")),
            to: systemDirectory.appending(path: "system"))
        return root
    }

    @Test("the unit passes systemd-analyze verify without a single warning")
    func verifies() async throws {
        let root = try scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let outcome = try await Tools.run(Tools.systemdAnalyze!, ["verify", "--root=\(root.path)", "--man=no", Self.unit])
        #expect(outcome.succeeded, "\(outcome)")
        // verify reports unknown keys and bad values on stderr and still exits 0.
        #expect(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(outcome)")
    }

    @Test("systemd-analyze security rates the unit's exposure 2.0 or lower (OK)")
    func isHardened() async throws {
        let root = try scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        // --threshold counts tenths: 20 is the exposure 2.0.
        let outcome = try await Tools.run(
            Tools.systemdAnalyze!, ["security", "--offline=yes", "--threshold=20", "--root=\(root.path)", Self.unit])
        #expect(outcome.succeeded, "\(outcome)")
    }

    @Test("the unit runs serve as a dynamic user, on a read-only system, with its configuration from credentials")
    func settings() throws {
        let text = try String(contentsOf: Repository.systemdExamples.appending(path: Self.unit), encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for setting in [
            "DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "StateDirectory=tokentop",
            "CacheDirectory=tokentop",
            "ExecReload=/bin/kill -HUP $MAINPID", "LoadCredential=tokentop.yaml:/etc/tokentop/tokentop.yaml",
        ] {
            #expect(lines.contains(setting), "\(Self.unit) lacks \(setting)")
        }
        #expect(text.contains("serve --config %d/tokentop.yaml"))
    }
}
