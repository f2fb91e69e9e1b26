import Foundation
import TokenModel

/// Why a client's secret could not be had. The message names the client and where the secret
/// was to come from, and never includes the secret, a command's output or a command line beyond
/// its program's name (the rest may carry a credential, or a `${VAR}` expanded into it).
public struct SecretResolutionError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Reason: Sendable, Equatable {
        case noSecret
        case fileMissing(String)
        case fileUnreadable(String, problem: String)
        case fileEmpty(String)
        case commandFailedToStart(program: String, errno: Int32?)
        case commandExited(program: String, status: Int32)
        case commandKilled(program: String, signal: Int32)
        case commandTimedOut(program: String, Duration)
        case commandPrintedNothing(program: String)
        case commandOutputNotText(program: String)
        case commandOutputTooLarge(program: String, limit: Int)
        case commandOutputUnreadable(program: String)
        case cancelled(program: String)
    }

    private let reason: Reason
    /// The client whose secret was wanted.
    public let client: String

    private init(_ reason: Reason, client: String) {
        self.reason = reason
        self.client = client
    }

    static func noSecret(client: String) -> Self { Self(.noSecret, client: client) }
    static func fileMissing(_ path: String, client: String) -> Self { Self(.fileMissing(path), client: client) }
    static func fileUnreadable(_ error: LocalFileError, client: String) -> Self {
        Self(.fileUnreadable(error.path, problem: error.problem), client: client)
    }
    static func fileEmpty(_ path: String, client: String) -> Self { Self(.fileEmpty(path), client: client) }
    static func commandFailedToStart(_ command: String, errno: Int32?, client: String) -> Self {
        Self(.commandFailedToStart(program: programName(of: command), errno: errno), client: client)
    }
    static func commandExited(_ command: String, status: Int32, client: String) -> Self {
        Self(.commandExited(program: programName(of: command), status: status), client: client)
    }
    static func commandKilled(_ command: String, signal: Int32, client: String) -> Self {
        Self(.commandKilled(program: programName(of: command), signal: signal), client: client)
    }
    static func commandTimedOut(_ command: String, after timeout: Duration, client: String) -> Self {
        Self(.commandTimedOut(program: programName(of: command), timeout), client: client)
    }
    static func commandPrintedNothing(_ command: String, client: String) -> Self {
        Self(.commandPrintedNothing(program: programName(of: command)), client: client)
    }
    static func commandOutputNotText(_ command: String, client: String) -> Self {
        Self(.commandOutputNotText(program: programName(of: command)), client: client)
    }
    static func commandOutputTooLarge(_ command: String, limit: Int, client: String) -> Self {
        Self(.commandOutputTooLarge(program: programName(of: command), limit: limit), client: client)
    }
    static func commandOutputUnreadable(_ command: String, client: String) -> Self {
        Self(.commandOutputUnreadable(program: programName(of: command)), client: client)
    }
    static func cancelled(_ command: String, client: String) -> Self {
        Self(.cancelled(program: programName(of: command)), client: client)
    }

    /// The command's program, the only part of a command line an error may show: its first word
    /// that is not a `NAME=value` assignment (which may be a token), without quotes.
    static func programName(of command: String) -> String {
        let words = command.split { $0.isWhitespace || ";|&<>()".contains($0) }
        let isAssignment: (Substring) -> Bool = { word in
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
            return word[..<equals].allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
        guard let word = words.first(where: { !isAssignment($0) }) else { return "sh" }
        let program = word.filter { $0 != "'" && $0 != "\"" }
        guard !program.isEmpty, !program.contains("="),
            !program.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return "sh" }
        return program.count > 60 ? String(program.prefix(60)) + "…" : program
    }

    /// One sentence naming the client and the source, without the secret or any command output.
    public var description: String {
        let prefix = "client \(client): "
        switch reason {
        case .noSecret:
            return prefix + "no client secret is configured; set client-secret, client-secret-file or client-secret-command"
        case .fileMissing(let path):
            return prefix + "client-secret-file \(path) does not exist"
        case .fileUnreadable(let path, let problem):
            return prefix + "client-secret-file \(path): \(problem)"
        case .fileEmpty(let path):
            return prefix + "client-secret-file \(path) is empty"
        case .commandFailedToStart(let program, let code):
            let why = code.map { ": " + String(cString: strerror($0)) } ?? ""
            return prefix + "client-secret-command (`\(program)`) could not be started\(why)"
        case .commandExited(let program, let status):
            return prefix + "client-secret-command (`\(program)`) failed with exit status \(status)"
        case .commandKilled(let program, let signal):
            return prefix + "client-secret-command (`\(program)`) was killed by signal \(signal)"
        case .commandTimedOut(let program, let timeout):
            return prefix + "client-secret-command (`\(program)`) did not finish within \(timeout.configText) "
                + "and was stopped; raise the client's `timeout` if it needs longer"
        case .commandPrintedNothing(let program):
            return prefix + "client-secret-command (`\(program)`) printed nothing; it should print the secret"
        case .commandOutputNotText(let program):
            return prefix + "client-secret-command (`\(program)`) printed something that is not UTF-8 text"
        case .commandOutputTooLarge(let program, let limit):
            return prefix + "client-secret-command (`\(program)`) printed more than \(limit / (1 << 20)) MiB "
                + "and was stopped; it should print only the secret"
        case .commandOutputUnreadable(let program):
            return prefix + "client-secret-command (`\(program)`)'s output could not be read"
        case .cancelled(let program):
            return prefix + "client-secret-command (`\(program)`) was stopped because the request was cancelled"
        }
    }
}

/// Turns a `SecretSource` into the secret, at the moment a request needs it.
public struct SecretResolver {
    /// The secret for `client`:
    /// - `inline`: as written (after `${VAR}` expansion);
    /// - `file`: the file's contents with one trailing newline removed;
    /// - `command`: run with `/bin/sh -c`, stdin and stderr on /dev/null; its standard output,
    ///   trimmed, is the secret. Reading stops when the shell exits, even if a background child
    ///   still holds its output open. A non-zero exit, a signal, no output, more than 1 MiB of
    ///   output or running past `timeout` (which kills the command's whole process group) is an
    ///   error naming the client and the command's program, never the command line or its output.
    /// - Throws: `SecretResolutionError`.
    public static func resolve(
        _ source: SecretSource, client: String, timeout: Duration = .seconds(10)
    ) async throws -> String {
        switch source {
        case .none:
            throw SecretResolutionError.noSecret(client: client)
        case .inline(let secret):
            return secret
        case .file(let path):
            return try readSecretFile(path, client: client)
        case .command(let command):
            return try await runSecretCommand(command, client: client, timeout: timeout)
        }
    }

    private static func readSecretFile(_ path: String, client: String) throws -> String {
        var secret: String
        do {
            secret = try LocalFile.readText(path)
        } catch {
            throw error.isMissing
                ? SecretResolutionError.fileMissing(path, client: client)
                : SecretResolutionError.fileUnreadable(error, client: client)
        }
        // One line ending, as editors and `echo` leave it: "\n" or "\r\n" (one Character in Swift).
        if secret.hasSuffix("\n") || secret.hasSuffix("\r\n") { secret.removeLast() }
        guard !secret.isEmpty else { throw SecretResolutionError.fileEmpty(path, client: client) }
        return secret
    }

    private static func runSecretCommand(_ command: String, client: String, timeout: Duration) async throws -> String {
        let outcome: ShellCommand.Outcome
        do {
            outcome = try await ShellCommand.run(command, timeout: timeout)
        } catch let failure as ShellCommand.StartFailure {
            throw SecretResolutionError.commandFailedToStart(command, errno: failure.errno, client: client)
        }
        switch outcome.ending {
        case .timedOut:
            throw SecretResolutionError.commandTimedOut(command, after: timeout, client: client)
        case .cancelled:
            throw SecretResolutionError.cancelled(command, client: client)
        case .outputTooLarge:
            throw SecretResolutionError.commandOutputTooLarge(command, limit: ShellCommand.outputLimit, client: client)
        case .unreadable:
            throw SecretResolutionError.commandOutputUnreadable(command, client: client)
        case .signalled(let signal):
            throw SecretResolutionError.commandKilled(command, signal: signal, client: client)
        case .exited(let status) where status != 0:
            throw SecretResolutionError.commandExited(command, status: status, client: client)
        case .exited:
            guard let text = String(data: outcome.output, encoding: .utf8) else {
                throw SecretResolutionError.commandOutputNotText(command, client: client)
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw SecretResolutionError.commandPrintedNothing(command, client: client) }
            return secret
        }
    }
}
