import Foundation
import JWTKit
import ProtocolSupport
import TokenModel

/// An authorization server's key set (JWKS), fetched when first needed and kept.
///
/// A token whose `kid` is not in the set makes the cache fetch the set again, because servers
/// rotate keys; but no fetch follows the previous one (the first included, failed ones too)
/// sooner than `minimumRefetchInterval`, so a stream of tokens with a bogus `kid` cannot turn
/// tokentop into a load generator. Concurrent lookups share one fetch.
public actor JWKSCache {
    /// Where the keys come from, as it may be shown: the URL without query or credentials,
    /// or the description given for a static set.
    public nonisolated let source: String

    private let url: URL?
    private let minimumRefetchInterval: Duration
    private let now: @Sendable () -> Date
    private let fetch: (@Sendable (URL) async throws -> JWKSDocument)?

    private var keySet: JWKSKeySet?
    private var lastAttempt: Date?
    private var lastSuccess: Date?
    private var maxAge: Duration?
    private var published: [String: PublishedKey] = [:]
    private var changes: [KeySetChange] = []
    private var lastFailure: JWKSError?
    private var inFlight: Task<Result<(JWKSKeySet, Duration?), JWKSError>, Never>?

    /// How many times the key set was fetched (failed attempts included).
    public private(set) var fetchCount = 0
    /// How many fetches succeeded: a verdict drawn from the set is out of date once this moves.
    public private(set) var revision = 0

    /// A key set fetched from `url` with the caller's HTTP (which must have its own timeouts).
    /// Nothing is fetched until a token needs a key.
    public init(
        url: URL, minimumRefetchInterval: Duration = KeySetStatus.minimumRefetchInterval,
        now: @escaping @Sendable () -> Date = Date.init,
        fetch: @escaping @Sendable (URL) async throws -> Data
    ) {
        self.init(url: url, minimumRefetchInterval: minimumRefetchInterval, now: now) { url in
            JWKSDocument(data: try await fetch(url), maxAge: nil)
        }
    }

    /// A key set fetched from `url`, with the caching lifetime its answer gave.
    public init(
        url: URL, minimumRefetchInterval: Duration = KeySetStatus.minimumRefetchInterval,
        now: @escaping @Sendable () -> Date = Date.init,
        fetchDocument: @escaping @Sendable (URL) async throws -> JWKSDocument
    ) {
        self.source = URLText.describe(url)
        self.url = url
        self.minimumRefetchInterval = minimumRefetchInterval
        self.now = now
        self.fetch = fetchDocument
    }

    /// How long a copy is kept when the server says nothing (`Cache-Control: max-age`).
    public static let defaultMaximumAge = KeySetStatus.defaultMaximumAge

    /// The key set as watched: its keys, when each appeared, what changed, how fresh it is.
    public func status() -> KeySetStatus {
        KeySetStatus(
            source: source,
            keys: published.values.sorted { ($0.kid ?? "") < ($1.kid ?? "") },
            changes: changes, fetchedAt: lastSuccess, maxAge: maxAge,
            lastError: lastFailure?.reason)
    }

    /// When the copy goes stale: its max-age (or five minutes) after the last fetch.
    public var staleAt: Date? {
        guard url != nil else { return nil }
        guard let lastSuccess else { return now() }
        return lastSuccess.addingTimeInterval((maxAge ?? Self.defaultMaximumAge).timeInterval)
    }

    /// Fetches the set again when the copy is stale and the refetch rule allows; returns true
    /// when the keys changed.
    @discardableResult
    public func refreshIfStale() async -> Bool {
        guard let staleAt, staleAt <= now(), refetchAllowed || inFlight != nil else { return false }
        let before = changes.count
        _ = await refresh()
        return changes.count != before
    }

    /// Fetches the set now, whatever its age, when the refetch floor allows (the operator's
    /// "look again"); else answers when the floor will allow it. nil once fetched (or for a
    /// fixed set, which is never fetched).
    public func refetch() async -> Date? {
        guard url != nil else { return nil }
        guard refetchAllowed || inFlight != nil else { return nextRefetchAllowed }
        _ = await refresh()
        return nil
    }

    /// A fixed key set, such as a JWKS file given on the command line; it is never refetched.
    /// - Parameter source: How to name the set in reasons, e.g. the file's path.
    /// - Throws: `JWKSError` when the data is not a JWKS document with at least one usable key.
    public init(jwksData: Data, source: String = "the given key set") throws(JWKSError) {
        let description = TerminalText.sanitize(source)
        self.keySet = try JWKSKeySet.parse(jwksData, source: description).get()
        self.source = description
        self.url = nil
        self.minimumRefetchInterval = .zero
        self.now = Date.init
        self.fetch = nil
    }

    /// The `kid`s of the usable keys last fetched, sorted; empty before the first fetch.
    public var knownKeyIDs: [String] {
        (keySet?.keyIDs ?? []).map { TerminalText.sanitize($0) }.sorted()
    }

    /// The keys a token may have been signed with: those named `kid`, or every key when the
    /// token names none. Fetches on first use, and again for an unknown `kid` when allowed.
    ///
    /// - Parameter tokenReceivedAt: when the token arrived. A copy fetched after that is
    ///   final about its `kid` (an issuer publishes a key before it signs with it); an older
    ///   copy may predate a new key, so the answer waits for a refetch the floor allows.
    public func keys(for kid: String?, tokenReceivedAt: Date? = nil) async -> Result<[JWKSKey], JWKSError> {
        var fetchedNow = false
        // The set as this lookup sees it: a fetch's own answer, since lookups that share a fetch
        // may resume before its owner has stored it.
        var seen = keySet
        if seen == nil {
            if let lastFailure, !refetchAllowed, inFlight == nil {
                return .failure(lastFailure.settling(at: nextRefetchAllowed))
            }
            switch await refresh() {
            case .failure(let error): return .failure(error)
            case .success(let fresh): seen = fresh
            }
            fetchedNow = true
        }
        // A stale copy (past its max-age) is fetched again first, when the rule allows; if that
        // fails the copy at hand still serves.
        if !fetchedNow, let staleAt, staleAt <= now(), refetchAllowed, inFlight == nil {
            if case .success(let fresh) = await refresh() {
                seen = fresh
                fetchedNow = true
            }
        }
        guard let current = seen else { return .failure(lastFailure ?? .noKeys(source: source, skipped: [])) }
        guard let kid else { return .success(current.keys) }
        let named = current.keys.filter { $0.kid == kid }
        if !named.isEmpty { return .success(named) }

        guard url != nil, !fetchedNow else {
            return .failure(
                .unknownKeyID(kid, source: source, known: current.keyIDs, refetch: fetchedNow ? .firstFetch : .notPossible))
        }
        if let tokenReceivedAt, let lastSuccess, lastSuccess >= tokenReceivedAt {
            return .failure(.unknownKeyID(kid, source: source, known: current.keyIDs, refetch: .fetchedAfterToken))
        }
        guard refetchAllowed || inFlight != nil else {
            return .failure(
                .unknownKeyID(
                    kid, source: source, known: current.keyIDs, refetch: .tooSoon, settledAt: nextRefetchAllowed))
        }
        switch await refresh() {
        case .failure(let error):
            return .failure(
                .unknownKeyID(
                    kid, source: source, known: current.keyIDs, refetch: .failed(error.reason), settledAt: nextRefetchAllowed))
        case .success(let fresh):
            let named = fresh.keys.filter { $0.kid == kid }
            guard !named.isEmpty else {
                return .failure(.unknownKeyID(kid, source: source, known: fresh.keyIDs, refetch: .done))
            }
            return .success(named)
        }
    }

    private var refetchAllowed: Bool {
        guard let lastAttempt else { return true }
        return now().timeIntervalSince(lastAttempt) >= minimumRefetchInterval.timeInterval
    }

    /// When the floor lets the set be fetched again.
    private var nextRefetchAllowed: Date {
        (lastAttempt ?? now()).addingTimeInterval(minimumRefetchInterval.timeInterval)
    }

    /// Fetches and parses the set; a lookup arriving meanwhile waits for the same fetch.
    private func refresh() async -> Result<JWKSKeySet, JWKSError> {
        if let inFlight { return await inFlight.value.map(\.0) }
        guard let url, let fetch else { return .failure(.noKeys(source: source, skipped: [])) }
        fetchCount += 1
        lastAttempt = now()
        let source = self.source
        let task = Task { () -> Result<(JWKSKeySet, Duration?), JWKSError> in
            let document: JWKSDocument
            do {
                document = try await fetch(url)
            } catch {
                var reason = String(describing: error)
                if reason.hasSuffix(" at \(source)") { reason = String(reason.dropLast(source.count + 4)) }
                return .failure(.fetchFailed(source: source, reason: reason))
            }
            return JWKSKeySet.parse(document.data, source: source).map { ($0, document.maxAge) }
        }
        inFlight = task
        let result = await task.value
        inFlight = nil
        switch result {
        case .success(let (fresh, maxAge)):
            record(fresh)
            revision += 1
            keySet = fresh
            self.maxAge = maxAge
            lastFailure = nil
            lastSuccess = now()
            return .success(fresh)
        case .failure(let error):
            lastFailure = error
            return .failure(error.settling(at: nextRefetchAllowed))
        }
    }

    /// Notes which keys appeared and which left since the last fetch.
    private func record(_ fresh: JWKSKeySet) {
        let at = now()
        let name = { (key: JWKSKey) in key.kid ?? key.label }
        let current = Set(fresh.keys.map(name))
        if keySet != nil {
            for key in fresh.keys where published[name(key)] == nil {
                changes.append(KeySetChange(kind: .added, kid: key.kid, at: at))
            }
            for (id, key) in published where !current.contains(id) {
                changes.append(KeySetChange(kind: .removed, kid: key.kid, at: at))
            }
            if changes.count > 50 { changes.removeFirst(changes.count - 50) }
        }
        published = published.filter { current.contains($0.key) }
        for key in fresh.keys {
            let first = published[name(key)]?.firstSeen ?? at
            published[name(key)] = PublishedKey(
                kid: key.kid.map { TerminalText.sanitize($0) }, type: key.type, algorithm: key.algorithm, use: key.use,
                firstSeen: first, lastSeen: at)
        }
    }
}

/// A key set document as fetched, with the lifetime its answer gave it.
public struct JWKSDocument: Sendable {
    public var data: Data
    /// `Cache-Control: max-age`, when present.
    public var maxAge: Duration?

    public init(data: Data, maxAge: Duration?) {
        self.data = data
        self.maxAge = maxAge
    }

    /// `max-age=N` from a `Cache-Control` header, at most a day; nil when absent or unreadable.
    public static func maxAge(fromCacheControl header: String?) -> Duration? {
        guard let header else { return nil }
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == "max-age",
                parts[1].unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let seconds = Int(parts[1].prefix(9))
            else { continue }
            return .seconds(min(seconds, 86_400))
        }
        return nil
    }
}

/// One usable key of a set, as jwt-kit decoded it.
public struct JWKSKey: Sendable {
    public var kid: String?
    public var jwk: JWK

    /// How the key is named in reasons: `key "k1"`, or its position when it has no `kid`.
    public var label: String
    /// `RSA 2048`, `EC P-256`, `OKP Ed25519`.
    public var type: String = ""
    public var algorithm: String?
    public var use: String?
}

/// A parsed JWKS document: the keys jwt-kit can use, and why the others were left out.
struct JWKSKeySet: Sendable {
    var keys: [JWKSKey]
    var skipped: [String]

    var keyIDs: [String] { keys.compactMap(\.kid).sorted() }

    /// Reads each key on its own, so that one key of a type jwt-kit does not know (`oct`, an
    /// encryption key) does not make the whole set unreadable.
    static func parse(_ data: Data, source: String) -> Result<JWKSKeySet, JWKSError> {
        guard let document = JSONValue(data: data) else {
            return .failure(.notJWKS(source: source, reason: "it is not JSON"))
        }
        guard let entries = document["keys"]?.arrayValue else {
            return .failure(.notJWKS(source: source, reason: "it has no \"keys\" array"))
        }
        var keys: [JWKSKey] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            let kid = entry["kid"]?.stringValue
            let label = kid.map { "key \(JWTText.quoted($0))" } ?? "key #\(index + 1) (no kid)"
            switch usableKey(entry, kid: kid, label: label) {
            case .success(let key): keys.append(key)
            case .failure(let reason): skipped.append("\(label): \(reason.text)")
            }
        }
        guard !keys.isEmpty else { return .failure(.noKeys(source: source, skipped: skipped)) }
        return .success(JWKSKeySet(keys: keys, skipped: skipped))
    }

    private struct SkipReason: Error {
        var text: String
    }

    private static func usableKey(_ entry: JSONValue, kid: String?, label: String) -> Result<JWKSKey, SkipReason> {
        guard entry.objectValue != nil else { return .failure(SkipReason(text: "not a JSON object")) }
        if let use = entry["use"]?.stringValue, use != "sig" {
            return .failure(SkipReason(text: "use is \(JWTText.quoted(use)), not \"sig\""))
        }
        let keyType = entry["kty"]?.stringValue ?? ""
        guard ["RSA", "EC", "OKP"].contains(keyType) else {
            return .failure(SkipReason(text: "kty \(JWTText.quoted(keyType)) cannot check signatures (RSA, EC and OKP can)"))
        }
        let required: [String] =
            switch keyType {
            case "RSA": ["n", "e"]
            case "EC": ["crv", "x", "y"]
            default: ["crv", "x"]
            }
        let missing = required.filter { entry[$0]?.stringValue == nil }
        guard missing.isEmpty else {
            return .failure(SkipReason(text: "\(keyType) key without \(missing.joined(separator: ", "))"))
        }
        if let algorithm = entry["alg"]?.stringValue, JWTSignatureAlgorithm(rawValue: algorithm) == nil {
            return .failure(SkipReason(text: "alg \(JWTText.quoted(algorithm)) is not a supported signature algorithm"))
        }
        do {
            let jwk = try JSONDecoder().decode(JWK.self, from: Data(entry.compactText.utf8))
            let size =
                keyType == "RSA"
                ? (entry["n"]?.stringValue).flatMap(Base64URL.decode).map { " \($0.drop { $0 == 0 }.count * 8)" } : nil
            let type = keyType + (size ?? (entry["crv"]?.stringValue).map { " " + TerminalText.sanitize($0) } ?? "")
            return .success(
                JWKSKey(
                    kid: kid, jwk: jwk, label: label, type: type,
                    algorithm: entry["alg"]?.stringValue.map { TerminalText.sanitize($0) },
                    use: entry["use"]?.stringValue.map { TerminalText.sanitize($0) }))
        } catch {
            return .failure(
                SkipReason(text: "unreadable (\(entry["crv"]?.stringValue.map { "crv \(JWTText.quoted($0))" } ?? "bad fields"))"))
        }
    }
}

/// Why a key set could not give a key. Every reason names the set and says what to check.
public struct JWKSError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Refetch: Sendable, Equatable {
        /// The set was fetched for the first time by this lookup.
        case firstFetch
        /// The set was fetched again for this lookup.
        case done
        /// The copy at hand was fetched after the token arrived: no refetch can add its key.
        case fetchedAfterToken
        /// The last fetch was too recent to fetch again now (`settledAt` says when).
        case tooSoon
        /// Fetching again failed, for this reason.
        case failed(String)
        /// A static set: there is nothing to fetch.
        case notPossible
    }

    private enum Kind: Sendable, Equatable {
        case fetchFailed(reason: String)
        case notJWKS(reason: String)
        case noKeys(skipped: [String])
        case unknownKeyID(String, known: [String], refetch: Refetch)
    }

    private let kind: Kind
    /// The key set's URL (without query or credentials) or description.
    public let source: String
    /// When the answer may change: the key set can be fetched again then (after a failed
    /// fetch, or for a `kid` newer than the copy). nil when the answer is final.
    public let settledAt: Date?

    private init(_ kind: Kind, source: String, settledAt: Date? = nil) {
        self.kind = kind
        self.source = source
        self.settledAt = settledAt
    }

    static func fetchFailed(source: String, reason: String) -> JWKSError {
        JWKSError(.fetchFailed(reason: TerminalText.sanitize(reason)), source: source)
    }

    static func notJWKS(source: String, reason: String) -> JWKSError {
        JWKSError(.notJWKS(reason: reason), source: source)
    }

    static func noKeys(source: String, skipped: [String]) -> JWKSError {
        JWKSError(.noKeys(skipped: skipped), source: source)
    }

    static func unknownKeyID(
        _ kid: String, source: String, known: [String], refetch: Refetch, settledAt: Date? = nil
    ) -> JWKSError {
        JWKSError(.unknownKeyID(TerminalText.sanitize(kid), known: known, refetch: refetch), source: source, settledAt: settledAt)
    }

    /// The same error, which may change once the key set can be fetched again at `at`.
    func settling(at: Date) -> JWKSError {
        JWKSError(kind, source: source, settledAt: at)
    }

    /// A short machine-readable code: `jwks_fetch_failed`, `jwks_invalid`, `jwks_no_usable_keys`
    /// or `unknown_kid`.
    public var code: String {
        switch kind {
        case .fetchFailed: "jwks_fetch_failed"
        case .notJWKS: "jwks_invalid"
        case .noKeys: "jwks_no_usable_keys"
        case .unknownKeyID: "unknown_kid"
        }
    }

    /// What went wrong, naming the key set.
    public var reason: String {
        switch kind {
        case .fetchFailed(let reason):
            return "could not fetch the key set from \(source): \(reason)"
        case .notJWKS(let reason):
            return "\(source) is not a JWKS document: \(reason)"
        case .noKeys(let skipped):
            let detail = skipped.isEmpty ? "it lists no keys" : "skipped \(skipped.joined(separator: "; "))"
            return "the key set at \(source) has no key that can check a signature: \(detail)"
        case .unknownKeyID(let kid, let known, let refetch):
            let has = known.isEmpty ? "it has no kids" : "it has \(known.map { JWTText.quoted($0) }.joined(separator: ", "))"
            let note: String =
                switch refetch {
                case .firstFetch: "fetched just now; \(has)"
                case .done: "refetched; \(has)"
                case .fetchedAfterToken: "fetched after the token arrived; \(has)"
                case .tooSoon: "as last fetched, \(has); a new key?"
                case .failed(let why): "\(has); refetching failed: \(why)"
                case .notPossible: has
                }
            return "kid \(JWTText.quoted(kid)) is not in the key set at \(source) (\(note))"
        }
    }

    /// The token names a key the set does not hold.
    public var isUnknownKeyID: Bool {
        if case .unknownKeyID = kind { return true }
        return false
    }

    public var description: String { reason }
}

/// How values from tokens and key sets are shown in reasons.
public enum JWTText {
    /// The value quoted and made safe to print; long values are cut.
    public static func quoted(_ value: String) -> String {
        let clean = TerminalText.sanitize(value)
        return clean.count > 80 ? "\"\(clean.prefix(77))…\"" : "\"\(clean)\""
    }

    /// `["a", "b"]`: a JSON array's values, quoted; long arrays are cut after five.
    public static func list(_ values: [JSONValue]) -> String {
        var items = values.prefix(5).map { quoted($0.stringValue ?? $0.compactText) }
        if values.count > 5 { items.append("… \(values.count - 5) more") }
        return "[\(items.joined(separator: ", "))]"
    }
}
