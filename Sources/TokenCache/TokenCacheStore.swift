import Foundation

/// The cross-process token cache: one file per `CacheKey` under
/// `$XDG_CACHE_HOME/tokentop/tokens/` (0700), each written 0600 by atomic rename and read
/// without a lock, with a lock file beside it that a process holds while it fetches, so
/// callers that miss together make one request.
public struct TokenCacheStore: Sendable {
    /// The folder of entries and lock files.
    public let folder: String

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
        try CacheFile.ensurePrivateFolder(folder)
        self.folder = folder
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
        guard let folder = standardFolder(environment: environment) else { throw .noLocation }
        return try TokenCacheStore(folder: folder)
    }

    public func entryPath(_ key: CacheKey) -> String { folder + "/" + key.digest + ".json" }
    public func lockPath(_ key: CacheKey) -> String { folder + "/" + key.digest + ".lock" }

    /// The entry for `key`, read without the lock (writers replace files whole). A file that is
    /// not the user's own, is open to others, or does not parse is ignored, never printed.
    public func lookup(_ key: CacheKey) -> Lookup {
        let path = entryPath(key)
        switch CacheFile.readOwned(path) {
        case .missing:
            return .missing
        case .refused(let refusal):
            return .ignored(path: path, why: refusal.description)
        case .contents(let data):
            guard let entry = try? JSONDecoder().decode(CachedToken.self, from: data) else {
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

    /// Every entry file, with what it holds or why it is not used, by file name.
    public func list() -> [(file: String, lookup: Lookup)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let key = CacheKey(digest: String(name.dropLast(".json".count))) else { return nil }
            return (name, lookup(key))
        }
    }

    /// Removes the entries of the client named `client` (all entries when nil), and any that
    /// are not used; answers how many files went. Lock files stay: removing one another
    /// process holds would let a third lock a new file beside it.
    public func clear(client: String?) -> Int {
        var removed = 0
        for (file, lookup) in list() {
            let matches: Bool
            switch lookup {
            case .found(let entry): matches = client == nil || entry.client == client
            case .ignored: matches = true
            case .missing: matches = false
            }
            if matches, unlink(folder + "/" + file) == 0 { removed += 1 }
        }
        return removed
    }
}
