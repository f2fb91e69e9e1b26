import Foundation
import Testing
import TokenHandout
import TokenTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The front (`bin/tokentop` as installed): it answers `tokentop token NAME` from the shared cache
/// by itself and hands everything else to the full program. A front copied alone into a folder
/// proves which calls it answered: with no full program to hand to, anything it does not answer
/// fails with "the full program is missing".
@Suite("The front answers cached tokens alone", .serialized)
struct FrontEndToEndTests {
    /// A copy of the front alone in `home/alone/bin`.
    func frontAlone(in home: TestHome) async throws -> String {
        let bin = home.path + "/alone/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let copy = bin + "/tokentop"
        let run = try await runProgram(["cp", try BuiltBinary.front().path, copy])
        try #require(run.status == 0, "\(run.stderr)")
        return copy
    }

    @Test(
        "a cached token is printed by the front alone, in every format, as the full program prints it; a miss needs the full program"
    )
    func hitsAreTheFrontsOwn() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let front = try BuiltBinary.front().path
        let alone = try await frontAlone(in: home)
        let arguments = ["token", "--config", demo.configPath, "mod-client"]

        let cold = try await runProgram([alone] + arguments, environment: home.environment)
        #expect(cold.status == 1)
        #expect(cold.stderr.contains("the full program is missing"), "\(cold.stderr)")
        #expect(cold.stdout.isEmpty)

        // The front in the build tree hands the miss to the full program beside it: one request.
        let first = try await runProgram([front] + arguments, environment: home.environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("eyJ"))
        #expect(try await demo.tokenRequests() == 1)

        for format in ["token", "header", "json", "exec-credential", "git"] {
            let quick = try await runProgram([alone] + arguments + ["--output", format], environment: home.environment)
            let full = try await runTokentop(arguments + ["-o", format], environment: home.environment)
            #expect(quick.status == 0 && quick.stderr.isEmpty, "\(format): \(quick.stderr)")
            #expect(full.status == 0, "\(format): \(full.stderr)")
            // json's expires_in counts seconds from now, and the two ran a moment apart.
            let dropCountdown = { (text: String) in
                text.replacingOccurrences(of: #""expires_in":\d+"#, with: "", options: .regularExpression)
            }
            #expect(dropCountdown(quick.stdout) == dropCountdown(full.stdout), "\(format)")
            #expect(quick.stdout.contains(first.stdout.trimmingCharacters(in: .newlines)), "\(format)")
        }
        let withinLife = try await runProgram([alone] + arguments + ["--min-ttl=30m"], environment: home.environment)
        #expect(withinLife.stdout == first.stdout)
        #expect(try await demo.tokenRequests() == 1)
    }

    @Test(
        "what the front does not answer reaches the full program: longer --min-ttl, --no-cache, DPoP, other options and commands")
    func everythingElseIsHandedOn() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start(arguments: ["--dpop"])
        let front = try BuiltBinary.front().path
        let alone = try await frontAlone(in: home)
        let base = ["token", "--config", demo.configPath]
        #expect(try await runProgram([front] + base + ["mod-client"], environment: home.environment).status == 0)
        #expect(
            try await runProgram(
                [front] + base + ["dpop-client", "--dpop-proof", "GET", "http://127.0.0.1:1/mod"], environment: home.environment
            ).status == 0)
        for arguments in [
            base + ["mod-client", "--min-ttl", "2h"], base + ["mod-client", "--no-cache"], base + ["dpop-client"],
            base + ["mod-client", "--log-file", home.path + "/log"], base + ["mod-client", "--help"], ["--version"],
            ["cache", "list"], base + ["nosuch"],
        ] {
            let quick = try await runProgram([alone] + arguments, environment: home.environment)
            #expect(quick.stderr.contains("the full program is missing"), "\(arguments): \(quick.stderr)")
        }
        // With the full program beside it, the same commands get the full program's answers.
        let longer = try await runProgram([front] + base + ["mod-client", "--min-ttl", "2h"], environment: home.environment)
        #expect(longer.status == 0)
        #expect(longer.stderr.contains("less than the 2h asked for"), "\(longer.stderr)")
        let bound = try await runProgram([front] + base + ["dpop-client"], environment: home.environment)
        #expect(bound.status == 2)
        #expect(bound.stderr.contains("DPoP-bound"), "\(bound.stderr)")
        let unknown = try await runProgram([front] + base + ["nosuch"], environment: home.environment)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no client named \"nosuch\""), "\(unknown.stderr)")
    }

    @Test("a configuration the full program warns about or checks further goes to it, so its warning is printed once")
    func warningsComeFromTheFullProgram() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let front = try BuiltBinary.front().path
        let alone = try await frontAlone(in: home)
        let configuration = try String(contentsOfFile: demo.configPath, encoding: .utf8)
        let open = home.path + "/open.yaml"
        try configuration.write(toFile: open, atomically: true, encoding: .utf8)
        chmod(open, 0o644)
        let themed = home.path + "/themed.yaml"
        try ("theme: nosuch\n" + configuration).write(toFile: themed, atomically: true, encoding: .utf8)
        chmod(themed, 0o600)
        #expect(
            try await runProgram([front, "token", "--config", demo.configPath, "mod-client"], environment: home.environment)
                .status == 0)

        let warned = try await runProgram([front, "token", "--config", open, "mod-client"], environment: home.environment)
        #expect(warned.status == 0)
        #expect(warned.stderr.components(separatedBy: "readable by others").count == 2, "\(warned.stderr)")
        let refused = try await runProgram([front, "token", "--config", themed, "mod-client"], environment: home.environment)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("nosuch"), "\(refused.stderr)")
        for path in [open, themed] {
            let quick = try await runProgram([alone, "token", "--config", path, "mod-client"], environment: home.environment)
            #expect(quick.stderr.contains("the full program is missing"), "\(path): \(quick.stderr)")
        }
    }

    @Test("copies of the front in the full program's place stop at once instead of starting each other forever")
    func frontNeverRunsItself() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let alone = try await frontAlone(in: home)
        // bin/tokentop → libexec/tokentop/tokentop (a second copy of the front), whose own
        // full-program place, libexec/libexec/tokentop/tokentop, leads back to the first.
        let libexec = home.path + "/alone/libexec/tokentop"
        let further = home.path + "/alone/libexec/libexec/tokentop"
        for folder in [libexec, further] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        #expect(try await runProgram(["cp", alone, libexec + "/tokentop"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: further + "/tokentop", withDestinationPath: alone)
        let run = try await runProgram([alone, "--version"], environment: home.environment, timeout: 20)
        #expect(run.status == 1)
        #expect(run.stderr.contains("is another copy of this front, not the full program"), "\(run.stderr)")

        // A copy alone in that place finds nothing else and says the full program is missing.
        try FileManager.default.removeItem(atPath: further + "/tokentop")
        let single = try await runProgram([alone, "--version"], environment: home.environment, timeout: 20)
        #expect(single.status == 1)
        #expect(single.stderr.contains("the full program is missing"), "\(single.stderr)")
    }

    @Test("the front's mark does not reach the commands the full program runs")
    func markIsNotInherited() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let run = try await runProgram(
            [try BuiltBinary.front().path, "exec", "--config", demo.configPath, "mod-client", "--", "env"],
            environment: home.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("TOKENTOP_TOKEN=") || run.stdout.contains("_TOKEN="), "\(run.stdout.prefix(200))")
        #expect(!run.stdout.contains(FullProgram.frontMarker))
    }
}

/// `QuickTokenRequest`: which command lines the front may answer.
struct QuickTokenRequestTests {
    @Test("token NAME with --config, --min-ttl and --output in any order and spelling")
    func accepted() {
        #expect(QuickTokenRequest(arguments: ["token", "a"]) == QuickTokenRequest(client: "a"))
        #expect(
            QuickTokenRequest(arguments: ["token", "--config", "c.yaml", "a", "--min-ttl=5m", "-o", "exec-credential"])
                == QuickTokenRequest(client: "a", configPath: "c.yaml", minTTL: .seconds(300), output: .execCredential))
        #expect(
            QuickTokenRequest(arguments: ["token", "--output=git", "--config=/x", "b"])
                == QuickTokenRequest(client: "b", configPath: "/x", output: .git))
    }

    @Test(
        "anything else is the full program's to read",
        arguments: [
            [], ["check"], ["token"], ["token", "a", "b"], ["token", "a", "--no-cache"], ["token", "a", "--min-ttl", "-5m"],
            ["token", "a", "--min-ttl", "soon"], ["token", "a", "-o", "xml"], ["token", "a", "--output"],
            ["token", "a", "-ojson"],
            ["token", "a", "--config", "x", "--config", "y"], ["token", "a", "--help"], ["token", "--", "a"], ["token", ""],
            ["token", "a", "--dpop-proof", "GET", "http://x"], ["--config", "x", "token", "a"], ["token", "a", "--demo"],
        ])
    func refused(arguments: [String]) {
        #expect(QuickTokenRequest(arguments: arguments) == nil)
    }
}
