import Foundation
import Testing
import TokenCache
import TokenConfig
import TokenTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Why the keyring tests did not run, when they did not.
let keyringMissing =
    "needs dbus-daemon, gnome-keyring-daemon and secret-tool (apt-get install dbus-daemon gnome-keyring libsecret-tools)"

/// Runs `body` with a cache folder and a store keeping its tokens in a private keyring, then stops the keyring.
func withKeyringStore(_ body: (TokenCacheStore, Keyring) async throws -> Void) async throws {
    let private_ = try await PrivateKeyring.start()
    defer { private_.stop() }
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let keyring = Keyring(environment: private_.environment)
    try await body(try TokenCacheStore(folder: root, keyring: keyring), keyring)
}

func otherKey(_ client: String) -> CacheKey {
    var configuration = sampleConfiguration
    configuration.clientID = client
    return CacheKey(configuration: configuration, dpopThumbprint: nil, certificateThumbprint: nil)
}

@Suite("cache-encryption: keyring: the token in the desktop keyring, the rest in its file", .serialized)
struct KeyringStoreTests {
    let key = CacheKey(configuration: sampleConfiguration, dpopThumbprint: nil, certificateThumbprint: nil)

    @Test(
        "a token written is read back from the keyring; its file holds everything but the token",
        .enabled(if: PrivateKeyring.isAvailable, Comment(rawValue: keyringMissing)))
    func roundTrip() async throws {
        try await withKeyringStore { store, keyring in
            #expect(try await store.read(key) == .missing)
            let entry = sampleEntry(key)
            try await store.write(entry)
            guard case .found(let read) = try await store.read(key) else {
                Issue.record("the entry was not found")
                return
            }
            #expect(read.accessToken == entry.accessToken)
            #expect(read.client == "mod-client")
            #expect(read.tokenPlace == .keyring)
            #expect(try await keyring.lookup(key) == entry.accessToken)

            let file = try String(contentsOfFile: store.entryPath(key), encoding: .utf8)
            #expect(!file.contains(entry.accessToken))
            #expect(!file.contains("access_token"))
            #expect(file.contains(#""token_in":"keyring""#))
            #expect(mode(of: store.entryPath(key)) == 0o600)
            // A reader that does not ask the keyring (the plaintext path) never gets an empty token.
            guard case .ignored(_, let why) = store.lookup(key) else {
                Issue.record("a keyring entry was used without its token")
                return
            }
            #expect(why.contains("keyring"))
            // The listing needs no keyring: client, expiry and writer come from the file.
            guard case .found(let listed) = store.list().first?.lookup else {
                Issue.record("the keyring entry was not listed")
                return
            }
            #expect(listed.client == "mod-client" && listed.accessToken.isEmpty && listed.tokenPlace == .keyring)
        }
    }

    @Test(
        "a file whose token the keyring lacks is a miss, and a secret that is not a token is not used",
        .enabled(if: PrivateKeyring.isAvailable, Comment(rawValue: keyringMissing)))
    func missingSecret() async throws {
        try await withKeyringStore { store, keyring in
            try await store.write(sampleEntry(key))
            #expect(try await keyring.clear(key))
            #expect(try await store.read(key) == .missing)

            try await store.write(sampleEntry(key))
            try await keyring.store("two words", for: key, label: "not a token")
            guard case .ignored(_, let why) = try await store.read(key) else {
                Issue.record("a secret with a space was handed out")
                return
            }
            #expect(why.contains("not a token"))
        }
    }

    @Test(
        "clearing a client removes its files and its keyring entries, and no one else's; discard removes both",
        .enabled(if: PrivateKeyring.isAvailable, Comment(rawValue: keyringMissing)))
    func clearRemovesBoth() async throws {
        try await withKeyringStore { store, keyring in
            let theirs = otherKey("other-client")
            var other = sampleEntry(theirs, token: "other-token")
            other.client = "other-client"
            try await store.write(sampleEntry(key))
            try await store.write(other)

            let (removed, failure) = await store.clearEverywhere(client: "mod-client")
            #expect(removed == 1 && failure == nil)
            #expect(try await keyring.lookup(key) == nil)
            #expect(!FileManager.default.fileExists(atPath: store.entryPath(key)))
            #expect(try await keyring.lookup(theirs) == "other-token")

            #expect(try await store.discard(theirs))
            #expect(try await keyring.lookup(theirs) == nil)
            #expect(store.list().isEmpty)
        }
    }

    @Test(
        "a plaintext file is not used by a keyring store, and is replaced so the token leaves the disk",
        .enabled(if: PrivateKeyring.isAvailable, Comment(rawValue: keyringMissing)))
    func plaintextFileReplaced() async throws {
        try await withKeyringStore { store, _ in
            let entry = sampleEntry(key)
            try store.store(entry)
            guard case .ignored(_, let why) = try await store.read(key) else {
                Issue.record("a plaintext file was used with cache-encryption: keyring")
                return
            }
            #expect(why.contains("plaintext"))
            try await store.write(entry)
            #expect(try !String(contentsOfFile: store.entryPath(key), encoding: .utf8).contains(entry.accessToken))
        }
    }

    @Test(
        "an unreachable keyring fails saying why, and nothing is written to the file instead",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/secret-tool"), "needs secret-tool"))
    func unreachable() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + root + "/no-bus"
        let store = try TokenCacheStore(folder: root, keyring: Keyring(environment: environment))
        do {
            try await store.write(sampleEntry(key))
            Issue.record("a token was stored with no keyring to store it in")
        } catch {
            #expect(error.isKeyringFailure)
            #expect(error.description.contains("desktop keyring"))
        }
        #expect(store.list().isEmpty, "never a fallback to a plaintext file")
    }

    @Test("without secret-tool the failure says which package has it")
    func noSecretTool() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try TokenCacheStore(folder: root, keyring: Keyring(environment: ["PATH": root]))
        await #expect(throws: TokenCacheError.self) { try await store.write(sampleEntry(key)) }
        do {
            _ = try await Keyring(environment: ["PATH": root]).lookup(key)
            Issue.record("a lookup succeeded without secret-tool")
        } catch {
            #expect(error.description.contains("libsecret-tools"))
        }
        #expect(store.list().isEmpty)
    }

    @Test("a keyring that does not answer in time (locked, waiting on a prompt) fails, and secret-tool is killed")
    func timeout() async throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A secret-tool that hangs as one waiting on an unanswered unlock prompt does. Installed by
        // a child process: a file this (multi-threaded, spawning) process held open for writing
        // could leak into another test's child, and running it would fail with ETXTBSY.
        try "#!/bin/sh\necho $$ > \(root)/pid\nexec sleep 30\n".write(
            toFile: root + "/secret-tool.source", atomically: false, encoding: .utf8)
        let install = try Process.run(
            URL(fileURLWithPath: "/usr/bin/install"),
            arguments: ["-m", "700", root + "/secret-tool.source", root + "/secret-tool"])
        install.waitUntilExit()
        try #require(install.terminationStatus == 0, "install could not put the stand-in secret-tool in place")
        let keyring = Keyring(environment: ["PATH": root + ":/usr/bin:/bin"], timeout: .milliseconds(500))
        let started = Date()
        do {
            _ = try await keyring.lookup(key)
            Issue.record("a keyring that never answered gave an answer")
        } catch {
            #expect(error.isKeyringFailure)
            #expect(error.description.contains("answer within 500ms"), "\(error.description)")
        }
        #expect(Date().timeIntervalSince(started) < 10)
        let pid = try #require(
            Int32(String(contentsOfFile: root + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "secret-tool outlived its deadline")
    }
}
