import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A folder of its own for one test: HOME, the cache, configurations and logs; removed at the end.
struct TestHome {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-cache-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The variables every tokentop run of the test gets: its own HOME and cache.
    var environment: [String: String] {
        ["HOME": path, "XDG_CONFIG_HOME": path + "/config", "XDG_CACHE_HOME": path + "/cache", "XDG_STATE_HOME": path + "/state"]
    }

    var cacheFolder: String { path + "/cache/tokentop/tokens" }

    /// The cache's entry files.
    func cacheEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cacheFolder)) ?? []).filter {
            $0.hasSuffix(".json") && !$0.hasPrefix(".")
        }
        .map { cacheFolder + "/" + $0 }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs any program to completion with a bounded wait, output through files.
func runProgram(
    _ arguments: [String], stdin: String = "", environment: [String: String] = [:], directory: String? = nil,
    timeout: TimeInterval = 60
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-program-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try stdin.write(toFile: folder + "/stdin", atomically: true, encoding: .utf8)
    var variables = ProcessInfo.processInfo.environment
    variables["TOKENTOP_CONFIG"] = nil
    for (key, value) in environment { variables[key] = value }
    let pid = try spawn(
        arguments, input: folder + "/stdin", output: folder + "/stdout", errors: folder + "/stderr", environment: variables,
        directory: directory)
    let status = try await waitForExit(of: pid, timeout: timeout, what: arguments.joined(separator: " "))
    let read = { (name: String) in (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "" }
    return (status, read("stdout"), read("stderr"))
}

extension DemoServerProcess {
    /// Every request the demo's token endpoint has had, as it counts them (`GET /admin/stats`).
    func tokenRequests() async throws -> Int {
        var request = URLRequest(url: adminFaultsURL.deletingLastPathComponent().appendingPathComponent("stats"))
        request.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200,
            let count = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["token_requests"] as? Int
        else { throw E2EError("GET /admin/stats failed: \(String(decoding: body, as: UTF8.self))") }
        return count
    }

    /// A setting of one client in the configuration (`resource-uri` of `mod-client`).
    func setting(_ key: String, of client: String) throws -> String {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        guard let start = text.range(of: "\n  \(client):\n") else { throw E2EError("no client \(client) in \(configPath)") }
        for line in text[start.upperBound...].split(separator: "\n") {
            if !line.hasPrefix("    ") { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(key + ":") {
                return trimmed.dropFirst(key.count + 1).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            }
        }
        throw E2EError("no \(key) for \(client) in \(configPath)")
    }
}

/// A helper server from `Validators/` in a process of its own: it writes the port it listens
/// on (127.0.0.1, port 0) to a file named by its first argument.
struct HelperServer {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// The venv `.ci/run` makes, with Authlib, joserfc and Werkzeug.
    static let venvPython = packageRoot.appending(path: ".build/pyvenv/bin/python").path

    static func script(_ name: String) -> String {
        packageRoot.appending(path: "Tests/EndToEndTests/Validators/\(name)").path
    }

    let pid: pid_t
    let port: Int

    /// Runs `command` with the port file and `arguments`; waits until it listens.
    static func start(in home: TestHome, _ command: [String], arguments: [String] = []) async throws -> HelperServer {
        if command[0].hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: command[0]) {
            throw E2EError(
                "\(command[0]) is missing: run .ci/run, or python3 -m venv .build/pyvenv && "
                    + ".build/pyvenv/bin/pip install -r Tests/DemoServerTests/Validators/requirements.txt")
        }
        let portFile = home.path + "/helper-\(UUID().uuidString.prefix(8)).port"
        let pid = try spawn(command + [portFile] + arguments, output: portFile + ".log")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text) {
                return HelperServer(pid: pid, port: port)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        stopProcess(pid)
        throw E2EError(
            "\(command.last ?? "") did not start: \((try? String(contentsOfFile: portFile + ".log", encoding: .utf8)) ?? "")")
    }

    /// Stops it (SIGTERM, then SIGKILL after 10s) and reaps it; for `defer`.
    func stop() {
        stopProcess(pid)
    }
}

/// Authlib's token endpoint (`Validators/authlib_server.py`, in the venv `.ci/run` makes at
/// `.build/pyvenv`): an authorization server whose logic nobody on this project wrote.
struct AuthlibServer {
    let server: HelperServer

    var tokenURL: String { "http://127.0.0.1:\(server.port)/token" }

    static func start(in home: TestHome, lifetime: Int = 3600) async throws -> AuthlibServer {
        AuthlibServer(
            server: try await HelperServer.start(
                in: home, [HelperServer.venvPython, HelperServer.script("authlib_server.py")],
                arguments: ["--lifetime", String(lifetime)]))
    }

    /// A tokentop configuration of one client of this server, `independent`.
    func configuration(in home: TestHome, method: String = "client_secret_basic") throws -> String {
        let path = home.path + "/independent-\(UUID().uuidString.prefix(8)).yaml"
        try """
        clients:
          independent:
            token-uri: \(tokenURL)
            client-id: independent-client
            client-secret: independent-secret
            client-authentication-method: \(method)
            scope: read
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// Every request its token endpoint has had.
    func tokenRequests() async throws -> Int {
        let answer = try await runProgram(["curl", "-sf", "http://127.0.0.1:\(server.port)/stats"])
        let object = try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any]
        guard let count = object?["token_requests"] as? Int else { throw E2EError("no count from /stats: \(answer)") }
        return count
    }

    func stop() {
        server.stop()
    }
}

/// Ends a child a test started: SIGTERM, SIGKILL when it is still there after 10 s, then reaps
/// it. Synchronous, so a `defer` stops what the test started however the test ends. The first
/// half second is waited here; a slower child is waited for on a thread of its own, since a
/// blocked thread of the cooperative pool (two threads on two cores) starves the servers the
/// tests running alongside are talking to.
func stopProcess(_ pid: pid_t) {
    kill(pid, SIGTERM)
    var status: Int32 = 0
    for _ in 0..<50 {
        if waitpid(pid, &status, WNOHANG) != 0 { return }
        usleep(10_000)
    }
    Thread.detachNewThread {
        var status: Int32 = 0
        for _ in 0..<950 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
