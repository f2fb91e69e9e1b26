import Foundation
import Testing
import TokenTesting

/// GNU make, where Debian puts it.
private let make = ["/usr/bin/make", "/bin/make", "/usr/local/bin/make"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// `make install` copies what `make` built and never builds: `sudo make install` on a fresh
/// tree would otherwise compile as root.
@Suite("make install", .enabled(if: make != nil, "make is not installed: .ci/run installs it"))
struct InstallTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-install-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(
        "make install puts the front in bin, the full program in libexec, the man page, themes and completions under PREFIX, and compiles nothing"
    )
    func installsTheBuiltTree() async throws {
        let binary = try BuiltBinary.tokentop().path
        let front = try BuiltBinary.front().path
        let prefix = try scratch()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        // SWIFT=false: any attempt to build would fail the install.
        let run = try await runProgram(
            [
                try #require(make), "--no-print-directory", "install", "BUILT=\(binary)", "BUILT_FRONT=\(front)",
                "PREFIX=\(prefix)", "SWIFT=false",
            ],
            directory: Self.root.path, timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains("swift build") && !run.stdout.contains("false build"), "\(run.stdout)")

        let files = FileManager.default
        let installed = prefix + "/bin/tokentop"
        #expect(files.isExecutableFile(atPath: installed))
        #expect(files.contentsEqual(atPath: installed, andPath: front))
        #expect(files.contentsEqual(atPath: prefix + "/libexec/tokentop/tokentop", andPath: binary))
        // The installed front finds the full program in libexec and hands it what it does not answer.
        let version = try await runProgram([installed, "--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty, "\(version.stdout)\(version.stderr)")
        #expect(files.contentsEqual(atPath: prefix + "/share/man/man1/tokentop.1", andPath: Self.root.path + "/docs/tokentop.1"))
        let themes = try files.contentsOfDirectory(atPath: Self.root.path + "/themes").filter { $0.hasSuffix(".yaml") }
        #expect(!themes.isEmpty)
        for theme in themes {
            #expect(
                files.contentsEqual(
                    atPath: prefix + "/share/tokentop/themes/" + theme, andPath: Self.root.path + "/themes/" + theme))
        }
        for completion in [
            "share/bash-completion/completions/tokentop", "share/zsh/site-functions/_tokentop",
            "share/fish/vendor_completions.d/tokentop.fish",
        ] {
            let text = (try? String(contentsOfFile: prefix + "/" + completion, encoding: .utf8)) ?? ""
            #expect(text.contains("tokentop") && text.contains("serve"), "\(completion) is not a completion script")
        }
    }

    @Test("make install with nothing built says to run make first, and installs nothing")
    func refusesWithoutABuild() async throws {
        let prefix = try scratch()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let run = try await runProgram(
            [
                try #require(make), "--no-print-directory", "install", "BUILT=\(prefix)/nothing/tokentop", "PREFIX=\(prefix)",
                "SWIFT=false",
            ],
            directory: Self.root.path, timeout: 60)
        #expect(run.status != 0)
        #expect(
            run.stderr.contains("no binary at \(prefix)/nothing/tokentop: run make (as yourself, not root) first"),
            "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: prefix + "/bin"))
    }

    @Test("make dist packs the binary, man page, completions, themes, README and examples, with a SHA-256 file that verifies")
    func distPacksTheRelease() async throws {
        let binary = try BuiltBinary.tokentop().path
        let front = try BuiltBinary.front().path
        let scratch = try scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // SWIFT=true stands for the release build .ci/check-dist runs; the packing is what is checked here.
        let run = try await runProgram(
            [
                try #require(make), "--no-print-directory", "dist", "BUILT=\(binary)", "BUILT_FRONT=\(front)",
                "DIST_DIR=\(scratch)/dist", "SWIFT=true",
            ],
            directory: Self.root.path, timeout: 120)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let tarballs = try FileManager.default.contentsOfDirectory(atPath: scratch + "/dist").filter { $0.hasSuffix(".tar.gz") }
        let tarball = try #require(tarballs.first, "no tarball in \(tarballs)")
        #expect(tarball.hasPrefix("tokentop-") && tarball.contains("-linux-"))
        let check = try await runProgram(["sha256sum", "--check", "--strict", tarball + ".sha256"], directory: scratch + "/dist")
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

        let listing = try await runProgram(["tar", "-tzf", scratch + "/dist/" + tarball])
        let name = String(tarball.dropLast(".tar.gz".count))
        let entries = Set(listing.stdout.split(separator: "\n").map { String($0.dropFirst(name.count + 1)) })
        // The packed binary is the built one without its debug sections.
        let packed =
            try FileManager.default.attributesOfItem(atPath: "\(scratch)/dist/\(name)/libexec/tokentop/tokentop")[.size]
            as? Int
        let built = try FileManager.default.attributesOfItem(atPath: binary)[.size] as? Int
        #expect(try #require(packed) < (try #require(built)), "libexec/tokentop/tokentop was not stripped of its debug sections")
        for entry in [
            "bin/tokentop", "libexec/tokentop/tokentop", "share/man/man1/tokentop.1",
            "share/bash-completion/completions/tokentop",
            "share/zsh/site-functions/_tokentop",
            "share/fish/vendor_completions.d/tokentop.fish", "share/tokentop/themes/default.yaml", "share/doc/tokentop/README.md",
            "share/doc/tokentop/examples/tokentop.yaml", "share/doc/tokentop/examples/prometheus/alerts.yml",
            "share/doc/tokentop/examples/systemd/tokentop-serve.service", "share/doc/tokentop/examples/kubernetes/Containerfile",
        ] {
            #expect(entries.contains(entry), "\(tarball) lacks \(entry)")
        }
    }
}
