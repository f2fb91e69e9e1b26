import ArgumentParser
import Foundation
import TokenCache
import TokenHandout
import TokenModel
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `tokentop exec NAME [--env VAR] -- CMD…`: runs a command with a client's token in an
/// environment variable (never in its arguments, which any user can read in `ps`), its exit
/// status passed through. `--renew` keeps `--token-file` fresh for as long as the command runs.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command with a client's token in an environment variable; its exit status is passed through.",
        discussion: """
            The token comes from the shared cache as for `token`. Without --renew tokentop becomes the command \
            (exec), so signals and the exit status are the command's own. With --renew it stays as the command's \
            parent and replaces --token-file (0600, by atomic rename) with a new token each time the one there has \
            less than --min-ttl left, until the command ends; the variable keeps the first token, so a long-running \
            command reads the file. SIGTERM and SIGHUP are passed on to the command; Ctrl-C reaches it from the terminal.
            Exit status: the command's own (126 when it cannot be run, 127 when it is not found, as in a shell); 1 when \
            no token came; 2 on a configuration or usage error.
            """)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var source: TokenSourceOptions

    @Argument(help: "The client's name.", completion: ClientNameCompletion.kind)
    var name: String

    @Option(name: .customLong("env"), help: "The environment variable that holds the token.")
    var variable = "TOKENTOP_TOKEN"

    @Option(name: .customLong("token-file"), help: "Also write the token to this file (mode 0600, replaced atomically).")
    var tokenFile: String?

    @Flag(help: "Keep --token-file fresh while the command runs (tokentop stays as its parent).")
    var renew = false

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("give the command to run after --, e.g. tokentop exec NAME -- curl …")
        }
        let first = variable.utf8.first.map { $0 == 95 || (65...90).contains($0) || (97...122).contains($0) } ?? false
        guard first,
            variable.utf8.allSatisfy({ $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        else {
            throw ValidationError(
                "--env must be a variable name (letters, digits and _, not starting with a digit), not \(variable)")
        }
        if renew, tokenFile == nil { throw ValidationError("--renew keeps --token-file fresh: give --token-file PATH") }
    }

    func run() async throws {
        if renew {
            let status = try await AppContext.with(options) { context in try await runRenewing(context) }
            if status != 0 { throw ExitCode(status) }
            return
        }
        let token = try await AppContext.with(options) { context in try await firstToken(context) }
        try replaceProcess(token: token)
    }

    /// The token to start with, written to `--token-file` when given.
    private func firstToken(_ context: AppContext) async throws -> HandedToken {
        let token = try await TokenSource(context: context, options: source, program: "exec").token(for: name)
        guard !token.isDPoPBound else {
            throw CLIError.usage(
                "\(name)'s token is DPoP-bound (RFC 9449): a command cannot use it without the key, so exec does not hand it out; "
                    + "use tokentop token \(name) --dpop-proof METHOD URL for each request")
        }
        try writeTokenFile(token)
        return token
    }

    private func writeTokenFile(_ token: HandedToken) throws {
        guard let tokenFile else { return }
        do {
            try CacheFile.writeAtomically(Data(token.accessToken.utf8), to: tokenFile)
        } catch {
            throw CLIError.runtime("--token-file: \(error.description)")
        }
    }

    /// Becomes the command (execvp): its signals, its exit status.
    private func replaceProcess(token: HandedToken) throws -> Never {
        setenv(variable, token.accessToken, 1)
        let arguments = command.map { strdup($0) } + [nil]
        // exec keeps ignored signals and the blocked mask: tokentop ignores SIGPIPE, and the
        // command must start as a shell would start it.
        for number: Int32 in 1..<32 where number != SIGKILL && number != SIGSTOP { signal(number, SIG_DFL) }
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        execvp(command[0], arguments)
        let code = errno
        printError("tokentop exec: cannot run \(command[0]): \(String(cString: strerror(code)))")
        // The shells' codes: 127 not found, 126 found but not runnable.
        Foundation.exit(code == ENOENT ? 127 : 126)
    }

    /// Runs the command as a child, renewing the token file until it exits; answers its status.
    private func runRenewing(_ context: AppContext) async throws -> Int32 {
        let minimum = try source.minTTL?.duration ?? context.client(named: name).configuration.refreshSkew
        let first = try await firstToken(context)
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = first.accessToken
        let child = try ChildProcess.spawn(command, environment: environment)
        let tokens = TokenSource(context: context, options: source, program: "exec")
        let renewal = Task {
            var current = first
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.renewalWait(for: current, minimum: minimum, now: Date()))
                if Task.isCancelled { return }
                do {
                    current = try await tokens.token(for: name)
                    // A token that came after the command ended must not outlive the file's removal.
                    if Task.isCancelled { return }
                    try writeTokenFile(current)
                } catch {
                    // The file keeps its token until a later round succeeds.
                    printError("tokentop exec: renewing \(name)'s token failed: \(error); trying again in 10s")
                    current.expiresAt = Date().addingTimeInterval(10 + minimum.timeInterval)
                }
            }
        }
        let forwarding = Task {
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sighup, .sigint, .sigquit) {
                // Ctrl-C and Ctrl-\ reach the command from the terminal's process group already.
                if signal == .sigterm || signal == .sighup { child.signal(signal.rawValue) }
            }
        }
        let status = await child.wait()
        renewal.cancel()
        forwarding.cancel()
        // Only once the renewal has stopped: a round still writing would put the token back on disk.
        await renewal.value
        if let tokenFile { unlink(tokenFile) }
        return status
    }

    /// How long to wait before renewing: until the token has `minimum` left, at least half of
    /// what it has left and a second, so a token shorter-lived than `minimum` is not refetched in a loop.
    static func renewalWait(for token: HandedToken, minimum: Duration, now: Date) -> Duration {
        guard let expiresAt = token.expiresAt else { return minimum }
        let left = expiresAt.timeIntervalSince(now)
        let seconds = max(left - minimum.timeInterval, left / 2, 1)
        return Duration(untrustedSeconds: seconds) ?? .seconds(1)
    }
}

/// A child process started with posix_spawnp, its standard streams the parent's.
struct ChildProcess: Sendable {
    let pid: pid_t

    static func spawn(_ command: [String], environment: [String: String]) throws -> ChildProcess {
        let arguments = command.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in variables { free(pointer) }
        }
        // The command starts as a shell would start it, with no signal ignored or blocked.
        var pid: pid_t = 0
        let code = ShellLikeSpawn.withAttributes { posix_spawnp(&pid, command[0], nil, $0, arguments, variables) }
        guard code == 0 else {
            throw CLIError.runtime("tokentop exec: cannot run \(command[0]): \(String(cString: strerror(code)))")
        }
        return ChildProcess(pid: pid)
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the child on a thread of its own; answers its exit status, or 128 + the
    /// signal that ended it, as shells do.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                let signalled = status & 0x7f
                continuation.resume(returning: signalled == 0 ? (status >> 8) & 0xff : 128 + signalled)
            }
        }
    }
}
