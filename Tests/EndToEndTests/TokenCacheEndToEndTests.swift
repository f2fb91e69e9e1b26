import Foundation
import Testing
import TokenTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `tokentop token` as the credential helper scripts call in loops and in parallel: the real
/// binary against `tokentop demo-server` (which counts token requests) and against Authlib.
@Suite("The token cache shared by processes", .serialized)
struct TokenCacheEndToEndTests {
    /// Starts `count` processes at once and waits for all of them: `tokentop` as installed, the
    /// front, which hands each miss to the full program beside it.
    func startTogether(_ count: Int, _ arguments: [String], home: TestHome) async throws -> [(
        status: Int32, stdout: String, stderr: String
    )] {
        let binary = try BuiltBinary.front().path
        var variables = ProcessInfo.processInfo.environment
        variables["TOKENTOP_CONFIG"] = nil
        for (key, value) in home.environment { variables[key] = value }
        let folder = home.path + "/together-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var pids: [pid_t] = []
        for index in 0..<count {
            pids.append(
                try spawn(
                    [binary] + arguments, output: "\(folder)/\(index).out", errors: "\(folder)/\(index).err",
                    environment: variables))
        }
        var results: [(status: Int32, stdout: String, stderr: String)] = []
        for (index, pid) in pids.enumerated() {
            let status = try await waitForExit(
                of: pid, timeout: 180, what: "tokentop \(arguments.joined(separator: " ")) #\(index)")
            let read = { (suffix: String) in (try? String(contentsOfFile: "\(folder)/\(index).\(suffix)", encoding: .utf8)) ?? ""
            }
            results.append((status, read("out"), read("err")))
        }
        return results
    }

    @Test("50 processes started at once on a cold cache make 1 token request and all print the same token")
    func fiftyAtOnce() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let before = try await demo.tokenRequests()
        let results = try await startTogether(50, ["token", "--config", demo.configPath, "mod-client"], home: home)
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 }.prefix(3))")
        let tokens = Set(results.map(\.stdout))
        #expect(tokens.count == 1)
        #expect(tokens.first?.hasPrefix("eyJ") == true)
        #expect(try await demo.tokenRequests() - before == 1)
    }

    @Test("a cached token is handed out without a request; --min-ttl longer than its life fetches anew and warns")
    func reuseAndMinimumLifetime() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let clients = home.path + "/clients.json"
        try #"{"clients": [{"name": "short", "scope": "custom_mod", "token-lifetime": "2m", "refresh-skew": "10s"}]}"#
            .write(toFile: clients, atomically: true, encoding: .utf8)
        let demo = try await DemoServerProcess.start(arguments: ["--config", clients])
        let arguments = ["token", "--config", demo.configPath, "short"]
        let first = try await runTokentop(arguments, environment: home.environment)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await runTokentop(arguments, environment: home.environment)
        #expect(second.stdout == first.stdout)
        #expect(second.stderr.isEmpty)
        #expect(try await demo.tokenRequests() == 1)

        // Asking for more than the token has left: a new one; and since even a new one lives
        // 2m, a warning that it is shorter than asked.
        let longer = try await runTokentop(arguments + ["--min-ttl", "5m"], environment: home.environment)
        #expect(longer.status == 0)
        #expect(longer.stdout != first.stdout)
        #expect(longer.stdout.hasPrefix("eyJ"))
        #expect(longer.stderr.contains("less than the 5m asked for"), "\(longer.stderr)")
        #expect(try await demo.tokenRequests() == 2)
        // Within what the new token has left: the cache again.
        let within = try await runTokentop(arguments + ["--min-ttl", "90s"], environment: home.environment)
        #expect(within.stdout == longer.stdout)
        #expect(try await demo.tokenRequests() == 2)
        // --no-cache fetches and leaves the cache as it was.
        let uncached = try await runTokentop(arguments + ["--no-cache"], environment: home.environment)
        #expect(uncached.stdout != longer.stdout)
        #expect(try await runTokentop(arguments, environment: home.environment).stdout == longer.stdout)
        #expect(try await demo.tokenRequests() == 3)
        let negative = try await runTokentop(arguments + ["--min-ttl=-5m"], environment: home.environment)
        #expect(negative.status == 2)
    }

    @Test("a caller killed while it holds the lock does not block the next: flock dies with its holder")
    func crashWhileLocked() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        // A slow token endpoint keeps the first caller inside its lock.
        try await demo.setFaults(#"{"latency_ms": 30000}"#)
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in home.environment { variables[key] = value }
        let holder = try spawn(
            [try TmuxSession.binary().path, "token", "--config", demo.configPath, "mod-client"],
            output: home.path + "/holder.out", environment: variables)
        var held = false
        let deadline = Date().addingTimeInterval(30)
        while !held, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            guard let lock = home.cacheLockFiles().first else { continue }
            let descriptor = open(lock, O_RDWR)
            if descriptor >= 0 {
                held = flock(descriptor, LOCK_EX | LOCK_NB) != 0
                close(descriptor)
            }
        }
        #expect(held, "the first caller never took the lock")
        kill(holder, SIGKILL)
        #expect(try await waitForExit(of: holder, what: "the killed caller") == 128 + SIGKILL)
        try await demo.setFaults(#"{"latency_ms": 0}"#)
        let next = try await runTokentop(
            ["token", "--config", demo.configPath, "mod-client"], environment: home.environment, timeout: 60)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.hasPrefix("eyJ"))
        #expect(!next.stderr.contains("lock"))
    }

    @Test("a corrupted cache file is ignored and replaced, and nothing of it is printed")
    func corruptedFile() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let arguments = ["token", "--config", demo.configPath, "mod-client"]
        #expect(try await runTokentop(arguments, environment: home.environment).status == 0)
        let file = try #require(home.cacheEntries().first)
        try #"{"version":1,"access_token":"CORRUPTED-MARKER"#.write(toFile: file, atomically: false, encoding: .utf8)
        let result = try await runTokentop(arguments, environment: home.environment)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("eyJ"))
        #expect(!result.stdout.contains("CORRUPTED") && !result.stderr.contains("CORRUPTED"))
        #expect(result.stderr.contains("ignoring the cached token file"))
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("\"access_token\":\"eyJ"))
        #expect(try await demo.tokenRequests() == 2)
    }

    @Test("a cache file open to others or another user's is refused and replaced; a folder open to others is refused whole")
    func wrongModeAndOwner() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let arguments = ["token", "--config", demo.configPath, "mod-client"]
        let first = try await runTokentop(arguments, environment: home.environment)
        let file = try #require(home.cacheEntries().first)

        chmod(file, 0o644)
        let opened = try await runTokentop(arguments, environment: home.environment)
        #expect(opened.status == 0)
        #expect(opened.stdout != first.stdout, "a token others could read was handed out")
        #expect(opened.stderr.contains("open to others"))
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)

        if geteuid() == 0 {
            #expect(chown(file, 65534, 65534) == 0)
            let planted = try await runTokentop(arguments, environment: home.environment)
            #expect(planted.status == 0)
            #expect(planted.stdout != opened.stdout)
            #expect(planted.stderr.contains("belongs to user 65534"))
        }

        chmod(home.cacheFolder, 0o755)
        let folder = try await runTokentop(arguments, environment: home.environment)
        #expect(folder.status == 1)
        #expect(folder.stdout.isEmpty)
        #expect(folder.stderr.contains("refusing the token cache folder \(home.cacheFolder)"))
        #expect(folder.stderr.contains("chmod 700"))
    }

    @Test("cache list shows client, expiry, age and writer but never the token; cache clear empties it")
    func listAndClear() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let token = try await runTokentop(["token", "--config", demo.configPath, "mod-client"], environment: home.environment)
        _ = try await runTokentop(["token", "--config", demo.configPath, "jwt-client"], environment: home.environment)
        let list = try await runTokentop(["cache", "list"], environment: home.environment)
        #expect(list.status == 0)
        #expect(list.stdout.contains("mod-client") && list.stdout.contains("jwt-client"))
        #expect(list.stdout.contains("in 59m") || list.stdout.contains("in 1h"))
        #expect(list.stdout.contains("token (pid "))
        #expect(!list.stdout.contains(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!list.stdout.contains("eyJ"))
        let one = try await runTokentop(["cache", "clear", "jwt-client"], environment: home.environment)
        #expect(one.stdout == "removed 1 cached token of jwt-client\n")
        let all = try await runTokentop(["cache", "clear"], environment: home.environment)
        #expect(all.stdout == "removed 1 cached token\n")
        #expect(try await runTokentop(["cache", "list"], environment: home.environment).stdout == "no cached tokens\n")
    }

    @Test(
        "serve --cache writes its tokens through: token hands out the one serve holds, without a request; a revoked one leaves at once"
    )
    func writeThrough() async throws {
        let home = try TestHome()
        defer { home.remove() }
        // One client, so every request the server counts is that client's.
        let clients = home.path + "/clients.json"
        try #"{"clients": [{"name": "solo", "scope": "custom_mod"}]}"#.write(toFile: clients, atomically: true, encoding: .utf8)
        let demo = try await DemoServerProcess.start(arguments: ["--config", clients])
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in home.environment { variables[key] = value }
        let log = home.path + "/serve.log"
        let serve = try spawn(
            [
                try TmuxSession.binary().path, "serve", "--config", demo.configPath, "--cache", "--allow-actions", "--listen",
                "127.0.0.1:0",
            ],
            output: log, environment: variables)
        var serveRunning = true
        defer { if serveRunning { stopProcess(serve) } }
        var listing = ""
        let deadline = Date().addingTimeInterval(60)
        while !listing.contains("solo"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            listing = try await runTokentop(["cache", "list"], environment: home.environment).stdout
        }
        #expect(listing.contains("serve (pid \(serve))"), "\(listing)")
        let requests = try await demo.tokenRequests()
        let token = try await runTokentop(["token", "--config", demo.configPath, "solo"], environment: home.environment)
        #expect(token.status == 0)
        #expect(try await demo.tokenRequests() == requests, "token asked the server although serve holds a token")
        #expect(requests == 1)
        #expect(try await runTokentop(["cache", "list"], environment: home.environment).stdout.contains("serve (pid \(serve))"))

        let address = try #require(
            try String(contentsOfFile: log, encoding: .utf8).firstMatch(of: /listening on (http:\/\/[0-9.:]+)/)?.1)
        // An action is JSON from serve's own origin (a form from a web page is refused).
        let revoke = try await runProgram([
            "curl", "-sf", "-X", "POST", "-H", "Content-Type: application/json", "-d", "{}",
            "\(address)/api/v1/clients/solo/revoke",
        ])
        #expect(revoke.status == 0, "\(revoke)")
        var gone = false
        let revokeDeadline = Date().addingTimeInterval(30)
        while !gone, Date() < revokeDeadline {
            let entries = home.cacheEntries().compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
            gone = !entries.contains { $0.contains(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if !gone { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(gone, "the revoked token stayed in the cache")
        kill(serve, SIGTERM)
        #expect(try await waitForExit(of: serve, what: "serve after SIGTERM") == 0)
        serveRunning = false
    }

    @Test("against Authlib's token endpoint: 20 callers at once make 1 request, later callers none, both authentication methods")
    func independentServer() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let server = try await AuthlibServer.start(in: home)
        defer { server.stop() }
        let configuration = try server.configuration(in: home)
        let results = try await startTogether(20, ["token", "--config", configuration, "independent"], home: home)
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 }.prefix(3))")
        #expect(Set(results.map(\.stdout)).count == 1)
        #expect(try await server.tokenRequests() == 1)
        let json = try await runTokentop(
            ["token", "--config", configuration, "independent", "-o", "json"], environment: home.environment)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["access_token"] as? String == results[0].stdout.trimmingCharacters(in: .newlines))
        #expect(object["token_type"] as? String == "Bearer")
        #expect(object["scope"] as? String == "read")
        #expect((object["expires_in"] as? Int).map { (3500...3600).contains($0) } == true)
        #expect(try await server.tokenRequests() == 1)

        let post = try server.configuration(in: home, method: "client_secret_post")
        let other = try await runTokentop(["token", "--config", post, "independent"], environment: home.environment)
        #expect(other.status == 0)
        #expect(other.stdout != results[0].stdout, "another authentication method is another cache key")
        #expect(try await server.tokenRequests() == 2)
    }

    /// The demo's configuration with `cache-encryption: keyring` at its top.
    func keyringConfiguration(_ demo: DemoServerProcess, in home: TestHome) throws -> String {
        let file = home.path + "/keyring.yaml"
        try ("cache-encryption: keyring\n" + String(contentsOfFile: demo.configPath, encoding: .utf8))
            .write(toFile: file, atomically: true, encoding: .utf8)
        // It holds the demo's client secrets: a file others can read earns a warning on stderr.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        return file
    }

    @Test(
        "with cache-encryption: keyring, two calls make one request; the file holds no token; cache clear empties the keyring",
        .enabled(
            if: PrivateKeyring.isAvailable,
            "needs dbus-daemon, gnome-keyring-daemon and secret-tool (apt-get install dbus-daemon gnome-keyring libsecret-tools)")
    )
    func keyringCache() async throws {
        let keyring = try await PrivateKeyring.start()
        defer { keyring.stop() }
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let config = try keyringConfiguration(demo, in: home)
        let environment = home.environment.merging(["DBUS_SESSION_BUS_ADDRESS": keyring.busAddress]) { $1 }
        let before = try await demo.tokenRequests()
        let first = try await runTokentop(["token", "--config", config, "mod-client"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.isEmpty)
        #expect(first.stdout.hasPrefix("eyJ"))
        let second = try await runTokentop(["token", "--config", config, "mod-client"], environment: environment)
        #expect(second.stdout == first.stdout)
        #expect(try await demo.tokenRequests() - before == 1)

        let token = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let files = home.cacheEntries()
        #expect(files.count == 1)
        #expect(try files.allSatisfy { try !String(contentsOfFile: $0, encoding: .utf8).contains(token) })
        let listed = try await runTokentop(["cache", "list"], environment: environment)
        #expect(listed.stdout.contains("mod-client"))

        let cleared = try await runTokentop(["cache", "clear"], environment: environment)
        #expect(cleared.status == 0, "\(cleared.stderr)")
        #expect(home.cacheEntries().isEmpty)
        let lookup = try await runProgram(
            ["/usr/bin/env", "secret-tool", "search", "application", "tokentop"], environment: environment)
        #expect(!lookup.stdout.contains("cache-key"), "the keyring entry went with its file")
    }

    @Test(
        "with cache-encryption: keyring and no keyring, the token is printed, not cached, and the warning says so once",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/secret-tool"), "needs secret-tool (libsecret-tools)"))
    func keyringUnavailable() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let config = try keyringConfiguration(demo, in: home)
        let environment = home.environment.merging(["DBUS_SESSION_BUS_ADDRESS": "unix:path=\(home.path)/no-bus"]) { $1 }
        let before = try await demo.tokenRequests()
        for _ in 0..<2 {
            let result = try await runTokentop(["token", "--config", config, "mod-client"], environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("eyJ"))
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("not cached") }
            #expect(warnings.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains("desktop keyring"))
            #expect(result.stderr.contains("never falls back to plaintext"))
        }
        #expect(home.cacheEntries().isEmpty, "never a plaintext file instead")
        #expect(try await demo.tokenRequests() - before == 2)
    }
}

extension TestHome {
    func cacheLockFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cacheFolder)) ?? []).filter { $0.hasSuffix(".lock") }
            .map { cacheFolder + "/" + $0 }
    }
}
