import Foundation
import TokenModel

/// One reader of outside input, as a fuzzer drives it: bytes in, and either nothing (the input
/// was read or refused cleanly) or a `PropertyViolation` (it was read wrongly). A trap is a
/// crash, as it would be in tokentop itself.
///
/// `swift test` replays every file of `Tests/FuzzCorpus/<name>/` through `check`; `make fuzz`
/// links the same targets into libFuzzer (`tokentop-fuzz`) with the address sanitizer.
public struct FuzzTarget: Sendable, Identifiable, CustomStringConvertible {
    /// The folder name of its corpus and the name `make fuzz` and `tokentop-fuzz` take.
    public let name: String
    /// What it reads, in a line.
    public let summary: String
    fileprivate let body: Body

    public var id: String { name }
    public var description: String { name }

    fileprivate enum Body: Sendable {
        case synchronous(@Sendable (Data) throws(PropertyViolation) -> Void)
        /// For readers behind an actor (the key set) or an async API (the verifier).
        case asynchronous(@Sendable (Data) async throws(PropertyViolation) -> Void)
    }

    init(_ name: String, _ summary: String, _ body: @escaping @Sendable (Data) throws(PropertyViolation) -> Void) {
        self.name = name
        self.summary = summary
        self.body = .synchronous(body)
    }

    init(_ name: String, _ summary: String, async body: @escaping @Sendable (Data) async throws(PropertyViolation) -> Void) {
        self.name = name
        self.summary = summary
        self.body = .asynchronous(body)
    }

    /// Reads `data`; throws when a property of the reader does not hold for it.
    public func check(_ data: Data) async throws(PropertyViolation) {
        switch body {
        case .synchronous(let run): try run(data)
        case .asynchronous(let run): try await run(data)
        }
    }

    /// `check` from a thread that is not part of Swift concurrency (libFuzzer's callback): the
    /// synchronous targets run in place; the others on the cooperative pool, waited for.
    public func checkBlocking(_ data: Data) throws(PropertyViolation) {
        switch body {
        case .synchronous(let run):
            try run(data)
        case .asynchronous(let run):
            let outcome = BlockingOutcome()
            let done = DispatchSemaphore(value: 0)
            Task {
                do throws(PropertyViolation) {
                    try await run(data)
                } catch {
                    outcome.violation = error
                }
                done.signal()
            }
            done.wait()
            if let violation = outcome.violation { throw violation }
        }
    }

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        tokenResponse, jwt, jwks, wwwAuthenticate, dpopHeaders, rateLimitHeaders, configuration, spring, snapshot,
        bodySummary, terminalText, frame, demoForm, httpFields,
    ]

    /// The target called `name`, if there is one.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Written by the task, read after the semaphore: the semaphore orders the two.
private final class BlockingOutcome: @unchecked Sendable {
    var violation: PropertyViolation?
}

/// A property of a reader that did not hold: what was expected, and what came instead.
public struct PropertyViolation: Error, Sendable, CustomStringConvertible {
    public let target: String
    public let property: String
    public let found: String

    init(_ target: String, _ property: String, found: String) {
        self.target = target
        self.property = property
        // Shown in test output and crash logs: kept printable and short.
        let clean = TerminalText.sanitize(found)
        self.found = clean.count > 300 ? String(clean.prefix(300)) + "…" : clean
    }

    public var description: String { "\(target): \(property); found \(found)" }
}

/// Checks shared by several targets.
enum Expect {
    /// No C0 or C1 control character, DEL, ESC or bidirectional override: text that may be
    /// drawn on a terminal. `allowingNewlines` keeps `\n` (multi-line excerpts).
    static func printable(
        _ text: String, _ what: String, target: String, allowingNewlines: Bool = false
    ) throws(PropertyViolation) {
        for scalar in text.unicodeScalars where isControl(scalar) {
            if allowingNewlines && scalar == "\n" { continue }
            throw PropertyViolation(
                target, "\(what) holds no control character",
                found: "U+\(String(scalar.value, radix: 16, uppercase: true)) in \(text.debugDescription)")
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F..<0xA0).contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
    }

    /// Whether `text` holds `part`, byte for byte. Not Foundation's `contains`, which traps
    /// (String index out of bounds) on a needle with NUL after non-ASCII text: `"é a".contains("a\0")`.
    static func contains(_ text: String, _ part: String) -> Bool {
        part.isEmpty || text.utf8.firstRange(of: part.utf8) != nil
    }

    static func that(_ holds: Bool, _ property: String, found: @autoclosure () -> String, target: String)
        throws(PropertyViolation)
    {
        if !holds { throw PropertyViolation(target, property, found: found()) }
    }
}

/// Splits a fuzz input into `count` fields at NUL bytes (missing fields are empty), so one
/// input can carry a header, a status and a body. The fuzzer learns the separator quickly.
func fields(_ data: Data, count: Int) -> [Data] {
    var parts = data.split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false).map { Data($0) }
    while parts.count < count { parts.append(Data()) }
    return parts
}

/// Text as a server's bytes become text in tokentop: invalid UTF-8 replaced, never refused.
func text(_ data: Data) -> String {
    String(decoding: data, as: UTF8.self)
}
