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
        #expect(
            await failure(.none) == "client mod-client: no client secret is configured; "
                + "set client-secret, client-secret-file or client-secret-command")
    }

    @Test("a secret file loses exactly one trailing newline")
    func secretFile() async throws {
        try await withTemporaryDirectory { folder in
            for (contents, expected) in [
                ("s3cret\n", "s3cret"), ("s3cret", "s3cret"), ("s3cret\r\n", "s3cret"),
                ("s3cret\n\n", "s3cret\n"), (" spaced \n", " spaced "),
            ] {
                try write(contents, to: folder + "/secret", permissions: 0o600)
                #expect(try await SecretResolver.resolve(.file(path: folder + "/secret"), client: "c") == expected)
            }
        }
    }

    @Test("a missing or empty secret file is an error naming the client and the file")
    func badSecretFile() async throws {
        try await withTemporaryDirectory { folder in
            #expect(
                await failure(.file(path: folder + "/none"))
                    == "client mod-client: client-secret-file \(folder)/none does not exist")
            try write("\n", to: folder + "/empty")
            #expect(
                await failure(.file(path: folder + "/empty"))
                    == "client mod-client: client-secret-file \(folder)/empty is empty")
        }
    }

    @Test("a secret file that is a FIFO or a device is refused at once, naming it", .timeLimit(.minutes(1)))
    func specialSecretFile() async throws {
        try await withTemporaryDirectory { folder in
            #expect(mkfifo(folder + "/secret", 0o600) == 0)
            #expect(
                await failure(.file(path: folder + "/secret"))
                    == "client mod-client: client-secret-file \(folder)/secret: is a FIFO, not a regular file")
            #expect(
                await failure(.file(path: "/dev/zero"))
                    == "client mod-client: client-secret-file /dev/zero: is a character device, not a regular file")
        }
    }

    @Test("a secret command's standard output, trimmed, is the secret")
    func commandSuccess() async throws {
        let secret = try await SecretResolver.resolve(
            .command("printf '  from-%s \\n\\n' command; echo noise >&2"), client: "c")
        #expect(secret == "from-command")
    }

    @Test("a failing command names the client, the program and the status, never the command line or its output")
    func commandFailure() async {
        let command = "printf 'leak%s' 'ed-value'; printf 'err%s' 'or-text' >&2; exit 3"
        let message = await failure(.command(command))
        #expect(message == "client mod-client: client-secret-command (`printf`) failed with exit status 3")
        #expect(!message.contains("leaked-value"))
        #expect(!message.contains("error-text"))
        #expect(!message.contains("exit 3"))
    }

    @Test("a credential in the command line or its variables never reaches the message")
    func commandCredentialsHidden() async {
        let command = "VAULT_TOKEN=hvs.s3cr3t-one \"vault\" read -token=s3cr3t-two secret/mod; exit 4"
        let message = await failure(.command(command))
        #expect(message == "client mod-client: client-secret-command (`vault`) failed with exit status 4")
        #expect(!message.contains("s3cr3t"))
    }

    @Test("a command that does not exist fails with the shell's status 127")
    func commandNotFound() async {
        let message = await failure(.command("tokentop-no-such-command-here --token=abc"))
        #expect(
            message == "client mod-client: client-secret-command (`tokentop-no-such-command-here`) "
                + "failed with exit status 127")
    }

    @Test("a command that prints nothing is an error")
    func commandPrintsNothing() async {
        #expect(
            await failure(.command("echo '   '; echo hidden >&2"))
                == "client mod-client: client-secret-command (`echo`) printed nothing; it should print the secret")
    }

    @Test("a command reads nothing from standard input")
    func commandStandardInput() async {
        // `cat` copies standard input: /dev/null gives it nothing to print, and nothing to wait for.
        #expect(
            await failure(.command("cat"))
                == "client mod-client: client-secret-command (`cat`) printed nothing; it should print the secret")
    }

    @Test("a command whose background child holds the output open returns when the shell exits")
    func commandWithBackgroundChild() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder + "/child.pid"
            // The child outlives the 10 s deadline: waiting for the pipe to close would time out.
            let secret = try await SecretResolver.resolve(
                .command("printf 's3cret\\n'; sleep 11 & echo $! > \(pidFile)"), client: "c", timeout: .seconds(10))
            #expect(secret == "s3cret")
            await killChild(recordedIn: pidFile)
        }
    }

    @Test(
        "a command whose child left the process group (setsid) returns when the shell exits",
        .enabled(
            if: ["/usr/bin/setsid", "/bin/setsid"].contains(where: FileManager.default.isExecutableFile(atPath:)),
            "needs util-linux's setsid"))
    func commandWithDetachedChild() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder + "/child.pid"
            let command = "printf 's3cret\\n'; setsid sh -c 'echo $$ > \(pidFile); exec sleep 11' &"
            let secret = try await SecretResolver.resolve(.command(command), client: "c", timeout: .seconds(10))
            #expect(secret == "s3cret")
            await killChild(recordedIn: pidFile)
        }
    }

    @Test("output of exactly 1 MiB is a secret; more is an error that says so, never a cut secret")
    func commandOutputLimit() async throws {
        let mebibyte = 1 << 20
        let secret = try await SecretResolver.resolve(
            .command("head -c \(mebibyte) /dev/zero | tr '\\0' a"), client: "c")
        #expect(secret.utf8.count == mebibyte)
        #expect(
            await failure(.command("head -c \(mebibyte + 1) /dev/zero | tr '\\0' a"))
                == "client mod-client: client-secret-command (`head`) printed more than 1 MiB and was stopped; "
                + "it should print only the secret")
    }

    @Test("a command that never stops printing is stopped at 1 MiB")
    func commandEndlessOutput() async {
        #expect(
            await failure(.command("yes s3cret"), timeout: .seconds(10))
                == "client mod-client: client-secret-command (`yes`) printed more than 1 MiB and was stopped; "
                + "it should print only the secret")
    }

    @Test("a command past its timeout is stopped with its whole process group")
    func commandTimeout() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder + "/child.pid"
            // The shell waits for its background sleep, so only killing the group ends it.
            let command = "printf 'partial-out%s' put; sleep 30 & echo $! > \(pidFile); wait"
            // Long enough for the shell to start and write its child's pid on a loaded machine.
            let message = await failure(.command(command), timeout: .seconds(2))
            #expect(
                message == "client mod-client: client-secret-command (`printf`) did not finish within 2s "
                    + "and was stopped; raise the client's `timeout` if it needs longer")
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
            #expect(
                String(describing: error) == "client mod-client: client-secret-command (`sleep`) was stopped "
                    + "because the request was cancelled")
        }
    }

    @Test("cancelling a running command kills its process group")
    func commandCancelledWhileRunning() async throws {
        try await withTemporaryDirectory { folder in
            let pidFile = folder + "/child.pid"
            let task = Task {
                try await SecretResolver.resolve(
                    .command("sleep 30 & echo $! > \(pidFile); wait"), client: "mod-client", timeout: .seconds(60))
            }
            let child = try #require(await recordedChild(in: pidFile))
            task.cancel()
            await #expect(throws: SecretResolutionError.self) { try await task.value }
            #expect(await processEnds(child), "the command's background child \(child) outlived the cancellation")
        }
    }

    /// The pid a command wrote to `path`, waiting up to five seconds for it to appear.
    private func recordedChild(in path: String) async -> Int32? {
        for _ in 0..<50 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return pid
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// Kills a child a test command left behind on purpose.
    private func killChild(recordedIn path: String) async {
        guard let pid = await recordedChild(in: path) else {
            Issue.record("the command's child never wrote its pid to \(path)")
            return
        }
        kill(pid, SIGKILL)
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
