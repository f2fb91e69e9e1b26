import Foundation
import Testing
import TokenCache
import TokenConfig

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh private (0700) folder for one test's cache, removed afterwards by the caller.
func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-cache-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
        atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    return path
}

func mode(of path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

let sampleConfiguration = ClientConfiguration(
    name: "mod-client", tokenURI: URL(string: "https://auth.example.com/oauth2/v1/token"), clientID: "mod-client",
    clientSecret: .inline("s"), scopes: ["custom_mod"])

func sampleEntry(_ key: CacheKey, token: String = "eyJhbGciOiJSUzI1NiJ9.payload.signature", expiresIn: TimeInterval = 3600)
    -> CachedToken
{
    CachedToken(
        key: key, client: "mod-client", accessToken: token, tokenType: "Bearer", issuedAt: Date(),
        expiresAt: Date().addingTimeInterval(expiresIn), scopes: ["custom_mod"], writer: .init(program: "token"))
}

@Suite("The token cache's files: private, whole, and never trusted when someone else could have touched them")
struct TokenCacheStoreTests {
    @Test("an entry written is read back whole; the folder is made 0700 and the file is 0600")
    func roundTrip() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root + "/cache/tokentop/tokens")
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        #expect(store.lookup(key) == .missing)
        let entry = sampleEntry(key)
        try store.store(entry)
        guard case .found(let read) = store.lookup(key) else {
            Issue.record("the entry was not found")
            return
        }
        #expect(read.accessToken == entry.accessToken)
        #expect(read.client == "mod-client")
        #expect(abs(read.expiresAt.timeIntervalSince(entry.expiresAt)) < 0.001)
        #expect(read.writer == entry.writer)
        #expect(mode(of: store.folder) == 0o700)
        #expect(mode(of: root + "/cache/tokentop") == 0o700, "missing parents are made private too")
        #expect(mode(of: store.entryPath(key)) == 0o600)
        // Nothing is left behind by the atomic write.
        let names = try FileManager.default.contentsOfDirectory(atPath: store.folder)
        #expect(names == [key.digest + ".json"])
    }

    @Test("a corrupted file is ignored, with a reason that never quotes it, and the next write replaces it")
    func corrupted() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        for garbage in [#"{"version":1,"access_token":"SECRET-LOOKING-VALUE""#, "SECRET-LOOKING-VALUE", ""] {
            FileManager.default.createFile(
                atPath: store.entryPath(key), contents: Data(garbage.utf8), attributes: [.posixPermissions: 0o600])
            guard case .ignored(let path, let why) = store.lookup(key) else {
                Issue.record("a corrupted file was used: \(garbage)")
                continue
            }
            #expect(path == store.entryPath(key))
            #expect(!why.contains("SECRET"))
        }
        try store.store(sampleEntry(key))
        guard case .found = store.lookup(key) else {
            Issue.record("the corrupted file was not replaced")
            return
        }
    }

    @Test("an entry with a token that could carry a control sequence, or absurd dates, is not a cache entry")
    func hostileEntries() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        let good = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(sampleEntry(key))) as? [String: Any] ?? [:]
        let changes: [(String, Any)] = [
            ("access_token", "abc\u{1B}]52;c;x\u{07}"), ("access_token", "two words"), ("access_token", ""),
            ("expires_at", 1e300), ("issued_at", -5), ("writer_pid", 1 << 40), ("version", 2), ("key", "../../etc/passwd"),
        ]
        for (field, value) in changes {
            var object = good
            object[field] = value
            FileManager.default.createFile(
                atPath: store.entryPath(key), contents: try JSONSerialization.data(withJSONObject: object),
                attributes: [.posixPermissions: 0o600])
            guard case .ignored = store.lookup(key) else {
                Issue.record("an entry with \(field) = \(value) was used")
                continue
            }
        }
    }

    @Test("an entry found under another key's name is not used")
    func misplaced() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let mine = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        var other = sampleConfiguration
        other.clientID = "other-client"
        let theirs = CacheKey(configuration: other, dpopThumbprint: nil, certificateThumbprint: nil)
        try store.store(sampleEntry(theirs))
        try FileManager.default.moveItem(atPath: store.entryPath(theirs), toPath: store.entryPath(mine))
        #expect(store.lookup(mine) == .ignored(path: store.entryPath(mine), why: "it was written for another key"))
    }

    @Test("a file open to others is refused, since the token may have been read", arguments: [0o644, 0o640, 0o606])
    func openToOthers(permissions: Int) throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        try store.store(sampleEntry(key))
        chmod(store.entryPath(key), mode_t(permissions))
        guard case .ignored(_, let why) = store.lookup(key) else {
            Issue.record("a file of mode \(String(permissions, radix: 8)) was used")
            return
        }
        #expect(why.contains("open to others"))
        try store.store(sampleEntry(key))
        #expect(mode(of: store.entryPath(key)) == 0o600, "the rewrite puts the mode right")
    }

    @Test("a file another user wrote is refused", .enabled(if: geteuid() == 0, "only root can give a file to another user"))
    func anotherUsersFile() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        try store.store(sampleEntry(key))
        #expect(chown(store.entryPath(key), 65534, 65534) == 0)
        guard case .ignored(_, let why) = store.lookup(key) else {
            Issue.record("another user's file was used")
            return
        }
        #expect(why.contains("belongs to user 65534"))
    }

    @Test("a symbolic link in place of an entry is not followed")
    func linkedEntry() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root + "/tokens")
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        let elsewhere = root + "/elsewhere.json"
        FileManager.default.createFile(
            atPath: elsewhere, contents: try JSONEncoder().encode(sampleEntry(key)), attributes: [.posixPermissions: 0o600])
        try FileManager.default.createSymbolicLink(atPath: store.entryPath(key), withDestinationPath: elsewhere)
        guard case .ignored(_, let why) = store.lookup(key) else {
            Issue.record("a link was followed")
            return
        }
        #expect(why.contains("not a regular file"))
    }

    @Test("a cache folder open to others, a link, or someone else's is refused whole")
    func unsafeFolders() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(
            atPath: root + "/open", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        chmod(root + "/open", 0o755)
        #expect(throws: TokenCacheError.self) { try TokenCacheStore(folder: root + "/open") }
        do {
            _ = try TokenCacheStore(folder: root + "/open")
        } catch {
            #expect(error.description.contains("mode is 755"))
            #expect(error.description.contains("chmod 700"))
        }
        try FileManager.default.createDirectory(
            atPath: root + "/private", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/private")
        #expect(throws: TokenCacheError.self) { try TokenCacheStore(folder: root + "/link") }
        if geteuid() == 0 {
            #expect(chown(root + "/private", 65534, 65534) == 0)
            #expect(throws: TokenCacheError.self) { try TokenCacheStore(folder: root + "/private") }
        }
    }

    @Test("the standard folder follows the XDG Base Directory rule")
    func standardFolder() {
        #expect(TokenCacheStore.standardFolder(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/tokentop/tokens")
        #expect(
            TokenCacheStore.standardFolder(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"])
                == "/h/.cache/tokentop/tokens")
        #expect(TokenCacheStore.standardFolder(environment: [:]) == nil)
    }

    @Test("clear removes one client's entries, or all, and the unusable files; the lock files stay")
    func clear() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let mine = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        var other = sampleConfiguration
        other.scopes = ["other"]
        let theirs = CacheKey(configuration: other, dpopThumbprint: nil, certificateThumbprint: nil)
        try store.store(sampleEntry(mine))
        var entry = sampleEntry(theirs)
        entry.client = "other"
        try store.store(entry)
        FileManager.default.createFile(atPath: store.lockPath(mine), contents: nil, attributes: [.posixPermissions: 0o600])
        #expect(store.list().count == 2)
        #expect(store.clear(client: "other") == 1)
        #expect(store.lookup(theirs) == .missing)
        guard case .found = store.lookup(mine) else {
            Issue.record("clearing one client removed another's")
            return
        }
        #expect(store.clear(client: nil) == 1)
        #expect(store.list().isEmpty)
        #expect(FileManager.default.fileExists(atPath: store.lockPath(mine)))
    }
}

@Suite("The cache lock: one holder at a time, bounded waits")
struct CacheLockTests {
    @Test("callers holding the lock in turn never overlap")
    func mutualExclusion() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        let inside = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.withLock(key, timeout: .seconds(30)) {
                        let now = await inside.enter()
                        #expect(now == 1, "two holders at once")
                        try await Task.sleep(for: .milliseconds(5))
                        await inside.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await inside.most == 1)
    }

    @Test("a lock held past the wait ends in an error naming the lock file, not a hang")
    func timeout() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root)
        let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)
        // Another open file description, as another process would have. Close-on-exec: a process
        // another test spawns meanwhile must not inherit it, or it would hold the lock past close.
        let holder = open(store.lockPath(key), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(flock(holder, LOCK_EX) == 0)
        do {
            try await store.withLock(key, timeout: .milliseconds(100)) {}
            Issue.record("the lock was taken while another held it")
        } catch let error as TokenCacheError {
            #expect(error.description.contains(store.lockPath(key)))
        }
        // Released by closing, as when the holder dies.
        close(holder)
        try await store.withLock(key, timeout: .seconds(5)) {}
    }
}

actor Counter {
    private(set) var current = 0
    private(set) var most = 0

    func enter() -> Int {
        current += 1
        most = max(most, current)
        return current
    }

    func leave() {
        current -= 1
    }
}
