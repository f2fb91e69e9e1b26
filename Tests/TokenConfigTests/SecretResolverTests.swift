import Foundation
import Testing
import TokenConfig

@Suite("Resolving a client's secret when a request needs it")
struct SecretResolverTests {
    private func failure(
        _ source: SecretSource, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation
    ) async -> String {
        do {
            let secret = try await SecretResolver.resolve(source, client: "mod-client", timeout: timeout)
            Issue.record("expected a failure, got a secret of \(secret.count) characters", sourceLocation: sourceLocation)
            return ""
        } catch {
            return String(describing: error)
        }
    }

    @Test("an inline secret is returned as written")
    func inline() async throws {
        #expect(try await SecretResolver.resolve(.inline("s3cret"), client: "c") == "s3cret")
    }

    @Test("no secret at all is an error naming the client")
    func noSecret() async {
        #expect(await failure(.none) == "client mod-client: no client secret is configured; "
            + "set client-secret, client-secret-file or client-secret-command")
    }

    @Test("a secret file loses exactly one trailing newline")
    func secretFile() async throws {
        try await withTemporaryDirectory { folder in
            for (contents, expected) in [("s3cret\n", "s3cret"), ("s3cret", "s3cret"), ("s3cret\r\n", "s3cret"),
                                         ("s3cret\n\n", "s3cret\n"), (" spaced \n", " spaced ")] {
                try write(contents, to: folder + "/secret", permissions: 0o600)
                #expect(try await SecretResolver.resolve(.file(path: folder + "/secret"), client: "c") == expected)
            }
        }
    }

    @Test("a missing or empty secret file is an error naming the client and the file")
    func badSecretFile() async throws {
        try await withTemporaryDirectory { folder in
            #expect(await failure(.file(path: folder + "/none"))
                == "client mod-client: client-secret-file \(folder)/none does not exist")
            try write("\n", to: folder + "/empty")
            #expect(await failure(.file(path: folder + "/empty"))
                == "client mod-client: client-secret-file \(folder)/empty is empty")
        }
    }

    @Test("a secret command's standard output, trimmed, is the secret")
    func commandSuccess() async throws {
        let secret = try await SecretResolver.resolve(
            .command("printf '  from-%s \\n\\n' command; echo noise >&2"), client: "c")
        #expect(secret == "from-command")
    }

    @Test("a failing command names the client, the command and the status, never its output")
    func commandFailure() async {
        let command = "printf 'leak%s' 'ed-value'; printf 'err%s' 'or-text' >&2; exit 3"
        let message = await failure(.command(command))
        #expect(message == "client mod-client: client-secret-command `\(command)` failed with exit status 3")
        #expect(!message.contains("leaked-value"))
        #expect(!message.contains("error-text"))
    }

    @Test("a command that does not exist fails with the shell's status 127")
    func commandNotFound() async {
        let message = await failure(.command("tokentop-no-such-command-here"))
        #expect(message.hasSuffix("failed with exit status 127"))
    }

    @Test("a command that prints nothing is an error")
    func commandPrintsNothing() async {
        #expect(await failure(.command("echo '   '; echo hidden >&2"))
            == "client mod-client: client-secret-command `echo '   '; echo hidden >&2` printed nothing; it should print the secret")
    }

    @Test("a command past its timeout is stopped with its whole process group")
    func commandTimeout() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder + "/child.pid"
            // The background sleep holds standard output open, so only killing the group ends the read.
            let command = "printf 'partial-out%s' put; sleep 30 & echo $! > \(pidFile); wait"
            let message = await failure(.command(command), timeout: .milliseconds(300))
            #expect(message == "client mod-client: client-secret-command `\(command)` did not finish within 300ms and was stopped")
            #expect(!message.contains("partial-output"))
            let childText = try String(contentsOfFile: pidFile, encoding: .utf8)
            let child = try #require(Int32(childText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(await processEnds(child), "the command's background child \(child) outlived the timeout")
        }
    }

    @Test("cancelling the request stops the command")
    func commandCancelled() async throws {
        let task = Task { try await SecretResolver.resolve(.command("sleep 30"), client: "mod-client", timeout: .seconds(60)) }
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("a cancelled command returned a secret")
        } catch {
            #expect(String(describing: error) == "client mod-client: client-secret-command `sleep 30` was stopped "
                + "because the request was cancelled")
        }
    }

    /// Whether the process is gone (or a zombie awaiting its reaper), waiting up to five seconds.
    private func processEnds(_ pid: Int32) async -> Bool {
        for _ in 0..<50 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let state = stat.split(separator: ")").last?.split(separator: " ").first, state == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
