import Foundation
import TokenConfig

/// The cross-process token cache: one file per `CacheKey` under
/// `$XDG_CACHE_HOME/tokentop/tokens/` (0700), each written 0600 by atomic rename and read
/// without a lock, with a lock file beside it that a process holds while it fetches, so
/// callers that miss together make one request. With a keyring the token itself rests in the
/// desktop keyring and its file holds the rest, so locking and listing work the same.
public struct TokenCacheStore: Sendable {
    /// The folder of entries and lock files.
    public let folder: String
    /// Where `write` puts tokens: nil for the entry files themselves (`cache-encryption: plaintext`),
    /// else the desktop keyring. Never a fallback from one to the other.
    public let keyring: Keyring?

    /// What looking an entry up found.
    public enum Lookup: Sendable, Equatable {
        case missing
        case found(CachedToken)
        /// A file is there but is not used; it is replaced by the next write.
        case ignored(path: String, why: String)
    }

    /// The store in `folder`, creating it (0700) when missing; refuses a folder that is a link,
    /// someone else's, or open to others.
    public init(folder: String) throws(TokenCacheError) {
        try self.init(folder: folder, keyring: nil)
    }

    /// The store in `folder` (made as `init(folder:)` does), its tokens in `keyring` when there is one.
    public init(folder: String, keyring: Keyring?) throws(TokenCacheError) {
        try CacheFile.ensurePrivateFolder(folder)
        self.folder = folder
        self.keyring = keyring
    }

    /// `$XDG_CACHE_HOME/tokentop/tokens`, `~/.cache/tokentop/tokens` when XDG_CACHE_HOME is
    /// unset or relative (the XDG Base Directory rule); nil when neither names a folder.
    public static func standardFolder(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/tokentop/tokens" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/tokentop/tokens" }
        return nil
    }

    /// The store at the standard folder.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) throws(TokenCacheError)
        -> TokenCacheStore
    {
        try standard(encryption: .plaintext, environment: environment)
    }

    /// The store at the standard folder, keeping tokens as `encryption` says; the keyring's
    /// `secret-tool` runs with `environment` (its DBUS_SESSION_BUS_ADDRESS names the keyring).
    public static func standard(
        encryption: CacheEncryption, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TokenCacheError) -> TokenCacheStore {
        guard let folder = standardFolder(environment: environment) else { throw .noLocation }
        return try TokenCacheStore(folder: folder, keyring: encryption == .keyring ? Keyring(environment: environment) : nil)
    }

    public func entryPath(_ key: CacheKey) -> String { folder + "/" + key.digest + ".json" }
    public func lockPath(_ key: CacheKey) -> String { folder + "/" + key.digest + ".lock" }

    /// The entry for `key`, read without the lock (writers replace files whole). A file that is
    /// not the user's own, is open to others, or does not parse is ignored, never printed; so is
    /// one whose token is in the keyring (`read` asks the keyring).
    public func lookup(_ key: CacheKey) -> Lookup {
        let found = described(key)
        guard case .found(let entry) = found, entry.tokenPlace == .keyring else { return found }
        return .ignored(path: entryPath(key), why: "its token is in the desktop keyring (written with cache-encryption: keyring)")
    }

    /// The entry for `key` with its token: from the file, or with a keyring from the keyring, where
    /// a missing token is a miss. A plaintext file is not used by a keyring store (it is replaced,
    /// so the token leaves the disk), nor a keyring entry by a plaintext one. Throws when the keyring fails.
    public func read(_ key: CacheKey) async throws(TokenCacheError) -> Lookup {
        guard let keyring else { return lookup(key) }
        let found = described(key)
        guard case .found(var entry) = found else { return found }
        guard entry.tokenPlace == .keyring else {
            return .ignored(path: entryPath(key), why: "it holds its token in plaintext, and cache-encryption is keyring")
        }
        guard let token = try await keyring.lookup(key) else { return .missing }
        guard CachedToken.isPrintableToken(token) else {
            return .ignored(path: entryPath(key), why: "the desktop keyring's secret for it is not a token")
        }
        entry.accessToken = token
        return .found(entry)
    }

    /// What the file for `key` says; a keyring entry's with an empty token.
    private func described(_ key: CacheKey) -> Lookup {
        let path = entryPath(key)
        switch CacheFile.readOwned(path) {
        case .missing:
            return .missing
        case .refused(let refusal):
            return .ignored(path: path, why: refusal.description)
        case .contents(let data):
            guard let entry = try? JSONDecoder().decode(EntryFile.self, from: data).entry else {
                return .ignored(path: path, why: "it is not a tokentop cache entry (corrupted, or another version)")
            }
            guard entry.key == key else { return .ignored(path: path, why: "it was written for another key") }
            return .found(entry)
        }
    }

    /// Writes (or replaces) the entry for its key.
    public func store(_ entry: CachedToken) throws(TokenCacheError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(entry)
        } catch {
            throw .io(entryPath(entry.key), "encode an entry for", errno: EINVAL)
        }
        try CacheFile.writeAtomically(data, to: entryPath(entry.key))
    }

    /// Writes (or replaces) the entry for its key where the store keeps tokens: with a keyring, the
    /// token there first and the rest to the file, so a file never promises a token not yet stored.
    public func write(_ entry: CachedToken) async throws(TokenCacheError) {
        var described = entry
        guard let keyring else {
            described.tokenPlace = .file
            return try store(described)
        }
        try await keyring.store(entry.accessToken, for: entry.key, label: "tokentop token of \(entry.client)")
        described.tokenPlace = .keyring
        do {
            try store(described)
        } catch {
            // No file will name that secret, so nothing would ever clear it.
            _ = try? await keyring.clear(entry.key)
            throw error
        }
    }

    /// Removes the entry for `key`, and its token from the keyring when the store has one; true
    /// when there was a file. Throws when the keyring fails (the file is gone by then).
    @discardableResult
    public func discard(_ key: CacheKey) async throws(TokenCacheError) -> Bool {
        let removed = remove(key)
        if let keyring { try await keyring.clear(key) }
        return removed
    }

    /// Removes the entry for `key`; true when there was one.
    @discardableResult
    public func remove(_ key: CacheKey) -> Bool {
        unlink(entryPath(key)) == 0
    }

    /// Runs `body` holding `key`'s lock, waiting up to `timeout` for another holder.
    public func withLock<T>(
        _ key: CacheKey, timeout: Duration, _ body: () async throws -> T
    ) async throws -> T {
        let lock = try await CacheLock.acquire(lockPath(key), timeout: timeout)
        defer { lock.release() }
        return try await body()
    }

    /// Every entry file, with what it holds or why it is not used, by file name. The keyring is
    /// not asked: an entry whose token rests there is found with an empty `accessToken`.
    public func list() -> [(file: String, lookup: Lookup)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let key = CacheKey(digest: String(name.dropLast(".json".count))) else { return nil }
            return (name, described(key))
        }
    }

    /// Removes the entries of the client named `client` (all entries when nil), and any that
    /// are not used; answers how many files went. Lock files stay: removing one another
    /// process holds would let a third lock a new file beside it.
    public func clear(client: String?) -> Int {
        clearFiles(client: client).count
    }

    /// Clears as `clear(client:)` does, and removes the tokens of the keyring entries that went
    /// from the keyring (when the store has one); answers how many files went and the keyring's
    /// first failure, if any.
    public func clearEverywhere(client: String?) async -> (removed: Int, keyringFailure: TokenCacheError?) {
        let removed = clearFiles(client: client)
        guard let keyring else { return (removed.count, nil) }
        for case let entry? in removed where entry.tokenPlace == .keyring {
            do {
                try await keyring.clear(entry.key)
            } catch {
                // The next would fail the same way, each after its own wait.
                return (removed.count, error)
            }
        }
        return (removed.count, nil)
    }

    /// Unlinks the matching files; answers the entry each removed file described (nil when unused).
    private func clearFiles(client: String?) -> [CachedToken?] {
        var removed: [CachedToken?] = []
        for (file, lookup) in list() {
            let matches: Bool
            var entry: CachedToken?
            switch lookup {
            case .found(let found):
                matches = client == nil || found.client == client
                entry = found
            case .ignored: matches = true
            case .missing: matches = false
            }
            if matches, unlink(folder + "/" + file) == 0 { removed.append(entry) }
        }
        return removed
    }
}
