import Foundation
import Subprocess
import TokenModel

/// The desktop keyring (the Secret Service over D-Bus), reached through `secret-tool` from
/// libsecret-tools: one short process per call, the token on its standard input or output and
/// never in its arguments, where `ps` would show it. Each entry is found by the attributes
/// `application tokentop cache-key DIGEST`.
public struct Keyring: Sendable {
    /// The variables `secret-tool` runs with: DBUS_SESSION_BUS_ADDRESS says whose keyring, PATH where the tool is.
    public var environment: [String: String]
    /// How long one call may take: a locked keyring may wait on a prompt nobody answers.
    public var timeout: Duration

    /// The keyring `secret-tool` reaches with `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, timeout: Duration = .seconds(5)) {
        self.environment = environment
        self.timeout = timeout
    }

    /// Stores `token` as the secret of `key`'s entry, replacing the one there; `label` is what a
    /// keyring browser (Seahorse) shows.
    public func store(_ token: String, for key: CacheKey, label: String) async throws(TokenCacheError) {
        let outcome = try await run(["store", "--label=" + label] + attributes(key), input: token)
        guard outcome.status == 0 else { throw .keyring("store the token", outcome.problem) }
    }

    /// The secret of `key`'s entry; nil when the keyring has none.
    public func lookup(_ key: CacheKey) async throws(TokenCacheError) -> String? {
        let outcome = try await run(["lookup"] + attributes(key), input: "")
        if outcome.status == 0 { return outcome.output }
        // secret-tool exits 1 in silence when nothing matches; a failure always says something.
        if outcome.status == 1, outcome.errors.isEmpty { return nil }
        throw .keyring("look the token up", outcome.problem)
    }

    /// Removes `key`'s secret; true when there was one.
    @discardableResult
    public func clear(_ key: CacheKey) async throws(TokenCacheError) -> Bool {
        let outcome = try await run(["clear"] + attributes(key), input: "")
        if outcome.status == 0 { return true }
        if outcome.status == 1, outcome.errors.isEmpty { return false }
        throw .keyring("remove the token", outcome.problem)
    }

    func attributes(_ key: CacheKey) -> [String] { ["application", "tokentop", "cache-key", key.digest] }

    /// How a `secret-tool` run ended: its exit status (nil when a signal ended it) and what it printed.
    struct Outcome: Sendable {
        var status: Int32?
        var output: String
        var errors: String

        /// secret-tool's own words, first line, made safe for a terminal.
        var problem: String {
            let line = errors.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let said = line.hasPrefix("secret-tool: ") ? String(line.dropFirst("secret-tool: ".count)) : line
            guard !said.isEmpty else { return status.map { "secret-tool exited with status \($0)" } ?? "secret-tool was killed" }
            return TerminalText.sanitize(said)
        }
    }

    /// A token is never larger than a cache file may be; secret-tool's complaints are a line.
    static let outputLimit = CacheFile.largestFile
    static let errorLimit = 4096

    /// Runs `secret-tool ARGUMENTS` with `input` on its standard input, killed when `timeout` passes.
    func run(_ arguments: [String], input: String) async throws(TokenCacheError) -> Outcome {
        var variables: [Subprocess.Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Subprocess.Environment.Key(rawValue: name) { variables[key] = value }
        }
        let variablesToPass = variables
        let limit = timeout
        do {
            return try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        .name("secret-tool"), arguments: Arguments(arguments), environment: .custom(variablesToPass),
                        input: .string(input), output: .string(limit: Self.outputLimit), error: .string(limit: Self.errorLimit))
                    let status: Int32? =
                        switch result.terminationStatus {
                        case .exited(let code): code
                        case .signaled: nil
                        }
                    return Outcome(status: status, output: result.standardOutput, errors: result.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                // Cancelling the run's task kills secret-tool (swift-subprocess tears its child down).
                defer { group.cancelAll() }
                guard let first = try await group.next(), let outcome = first else {
                    throw TokenCacheError.keyring(
                        "answer within \(limit.configText)", "no answer (is the keyring locked, waiting on a prompt?)")
                }
                return outcome
            }
        } catch let error as TokenCacheError {
            throw error
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw .keyring("be reached", "secret-tool is not installed (Debian and Ubuntu: apt install libsecret-tools)")
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw .keyring("be read", "secret-tool printed more than a token can hold")
        } catch {
            throw .keyring("be reached", "secret-tool could not be run: \(error)")
        }
    }
}
