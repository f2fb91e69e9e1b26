import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Each format tested with the program that reads it: kubectl, git, curl, and a command under `exec`.
@Suite("The formats tools read, read by the tools", .serialized)
struct ToolFormatsEndToEndTests {
    static let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "kubectl runs tokentop from a kubeconfig exec: entry and presents its ExecCredential's token",
        .enabled(if: kubectl != nil, "kubectl is not installed; TokenOutputTests checks the shape against the v1 types"))
    func kubectlReadsExecCredential() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        // kubectl runs an exec: plugin only for an https server: a stand-in API server that
        // echoes the Authorization header it gets, with a certificate made for the test.
        let certificate = home.path + "/api.pem"
        let key = home.path + "/api-key.pem"
        let made = try await runProgram([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let api = try await HelperServer.start(
            in: home, ["python3", HelperServer.script("https_echo.py")], arguments: [certificate, key])
        defer { api.stop() }
        let kubeconfig = home.path + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters:
        - name: api
          cluster:
            server: https://127.0.0.1:\(api.port)
            certificate-authority: \(certificate)
        users:
        - name: tokentop
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: \(try TmuxSession.binary().path)
              args: [token, --config, \(demo.configPath), mod-client, --output, exec-credential]
              interactiveMode: Never
        contexts:
        - name: api
          context:
            cluster: api
            user: tokentop
        current-context: api
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let kubectl = [try #require(Self.kubectl), "--kubeconfig", kubeconfig, "get", "--raw", "/api"]
        let result = try await runProgram(kubectl, environment: home.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let token = try await runTokentop(["token", "--config", demo.configPath, "mod-client"], environment: home.environment)
        #expect(result.stdout.contains("\"Bearer \(token.stdout.trimmingCharacters(in: .newlines))\""), "\(result.stdout)")
        // kubectl's next run (a new process, which runs the plugin again) is answered from tokentop's cache.
        #expect(try await runProgram(kubectl, environment: home.environment).status == 0)
        #expect(try await demo.tokenRequests() == 1)
    }

    @Test("git credential fill gets the token as the password from `!tokentop git NAME`; git's reject drops it from the cache")
    func gitCredentialHelper() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let helper = "!\(try TmuxSession.binary().path) git --config \(demo.configPath) mod-client"
        var environment = home.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        let git = ["git", "-c", "credential.helper=", "-c", "credential.helper=\(helper)"]
        let request = "protocol=https\nhost=git.example.com\npath=team/repo.git\n\n"
        let fill = try await runProgram(git + ["credential", "fill"], stdin: request, environment: environment)
        #expect(fill.status == 0, "\(fill.stderr)")
        let answer = GitAnswer(fill.stdout)
        #expect(answer["username"] == "oauth2")
        let password = try #require(answer["password"])
        #expect(password.hasPrefix("eyJ"))
        let token = try await runTokentop(["token", "--config", demo.configPath, "mod-client"], environment: home.environment)
        #expect(token.stdout == password + "\n")
        #expect(home.cacheEntries().count == 1)

        let reject = try await runProgram(git + ["credential", "reject"], stdin: fill.stdout + "\n", environment: environment)
        #expect(reject.status == 0, "\(reject.stderr)")
        #expect(home.cacheEntries().isEmpty, "erase left the refused token in the cache")

        // A username in the URL is kept.
        let named = try await runProgram(
            git + ["credential", "fill"], stdin: "protocol=https\nhost=git.example.com\nusername=x-access-token\n\n",
            environment: environment)
        #expect(GitAnswer(named.stdout)["username"] == "x-access-token")
        // Plain http to another host: no token.
        let clear = try await runTokentop(
            ["git", "--config", demo.configPath, "mod-client", "get"], stdin: "protocol=http\nhost=git.example.com\n\n",
            environment: home.environment)
        #expect(clear.status == 0)
        #expect(clear.stdout.isEmpty)
        #expect(clear.stderr.contains("in clear"))
    }

    @Test("curl takes --output header on stdin (-H @-), and a DPoP-bound token only with its proof")
    func curlHeaders() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start(arguments: ["--dpop"])
        let resource = try demo.setting("resource-uri", of: "mod-client")
        let header = try await runTokentop(
            ["token", "--config", demo.configPath, "mod-client", "-o", "header"], environment: home.environment)
        #expect(header.stdout.hasPrefix("Authorization: Bearer eyJ"))
        let bearer = try await runProgram(["curl", "-sf", "-H", "@-", resource], stdin: header.stdout)
        #expect(bearer.status == 0, "\(bearer)")

        let bare = try await runTokentop(["token", "--config", demo.configPath, "dpop-client"], environment: home.environment)
        #expect(bare.status == 2)
        #expect(bare.stdout.isEmpty)
        #expect(bare.stderr.contains("DPoP-bound") && bare.stderr.contains("--dpop-proof METHOD URL"))
        let dpopResource = try demo.setting("resource-uri", of: "dpop-client")
        let proved = try await runTokentop(
            ["token", "--config", demo.configPath, "dpop-client", "--dpop-proof", "GET", dpopResource, "-o", "header"],
            environment: home.environment)
        #expect(proved.status == 0, "\(proved.stderr)")
        let lines = proved.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("Authorization: DPoP eyJ") == true)
        #expect(lines.last?.hasPrefix("DPoP: eyJ") == true)
        let presented = try await runProgram(["curl", "-sf", "-H", "@-", dpopResource], stdin: proved.stdout)
        #expect(presented.status == 0, "the demo refused the token with tokentop's proof: \(presented)")
        // Without its proof the token is refused: why it is not handed out bare.
        let token = String(lines.first?.dropFirst("Authorization: DPoP ".count) ?? "")
        let withoutProof = try await runProgram(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", dpopResource])
        #expect(withoutProof.stdout == "401")
        let exec = try await runTokentop(
            ["exec", "--config", demo.configPath, "dpop-client", "--", "true"], environment: home.environment)
        #expect(exec.status == 2)
        #expect(exec.stderr.contains("DPoP-bound"))
    }

    @Test("exec puts the token in the variable, not the arguments, and passes the exit status through")
    func execPassesThrough() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let out = home.path + "/seen"
        let result = try await runTokentop(
            [
                "exec", "--config", demo.configPath, "mod-client", "--env", "API_TOKEN", "--",
                "/bin/sh", "-c", "printf %s \"$API_TOKEN\" > \"$0\"; cat /proc/$$/cmdline > \"$0.argv\"; exit 7", out,
            ],
            environment: home.environment)
        #expect(result.status == 7, "\(result.stderr)")
        let token = try await runTokentop(["token", "--config", demo.configPath, "mod-client"], environment: home.environment)
        #expect(try String(contentsOfFile: out, encoding: .utf8) + "\n" == token.stdout)
        #expect(!(try String(contentsOfFile: out + ".argv", encoding: .utf8)).contains("eyJ"))
        #expect(try await demo.tokenRequests() == 1)

        let missing = try await runTokentop(
            ["exec", "--config", demo.configPath, "mod-client", "--", "no-such-program-\(UUID().uuidString.prefix(6))"],
            environment: home.environment)
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("cannot run"))
        let noCommand = try await runTokentop(["exec", "--config", demo.configPath, "mod-client"], environment: home.environment)
        #expect(noCommand.status == 2)
    }

    @Test("exec --renew replaces the token file (0600) with new tokens while the command runs, and removes it after")
    func execRenews() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let clients = home.path + "/clients.json"
        try #"{"clients": [{"name": "brief", "scope": "custom_mod", "token-lifetime": "3s", "refresh-skew": "1s"}]}"#
            .write(toFile: clients, atomically: true, encoding: .utf8)
        let demo = try await DemoServerProcess.start(arguments: ["--config", clients])
        let file = home.path + "/token"
        let seen = home.path + "/seen"
        // Six looks a second apart: a 3s token renewed with 1.5s left changes at least twice.
        let script = "for i in 1 2 3 4 5 6; do cat \"$0\" >> \"$1\"; echo \" $(stat -c %a \"$0\")\" >> \"$1\"; sleep 1; done"
        let result = try await runTokentop(
            [
                "exec", "--config", demo.configPath, "brief", "--min-ttl", "1500ms", "--token-file", file, "--renew", "--",
                "/bin/sh", "-c", script, file, seen,
            ],
            environment: home.environment, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { $0.hasSuffix(" 600") }, "\(lines)")
        let tokens = Set(lines.map { $0.split(separator: " ").first.map(String.init) ?? "" })
        #expect(tokens.count >= 2, "the token file was never renewed")
        #expect(tokens.allSatisfy { $0.hasPrefix("eyJ") })
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test("exec's command starts with no signal ignored or blocked, with --renew too, so Ctrl-C and SIGTERM reach it")
    func execCommandSignals() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start()
        let look = "grep -E '^Sig(Ign|Blk):' /proc/self/status"
        for renew in [[], ["--renew", "--token-file", home.path + "/token"]] {
            let result = try await runTokentop(
                ["exec", "--config", demo.configPath, "mod-client"] + renew + ["--", "/bin/sh", "-c", look],
                environment: home.environment, timeout: 60)
            #expect(result.status == 0, "\(result.stderr)")
            // Signals 1 to 31; the C library keeps the real-time ones above for itself.
            let masks = result.stdout.split(separator: "\n").compactMap { line in
                line.split(separator: "\t").last.flatMap { UInt64($0, radix: 16) }.map { $0 & 0x7fff_ffff }
            }
            #expect(masks == [0, 0], "\(renew): \(result.stdout)")
        }
    }
}

/// A git credential answer's attributes.
struct GitAnswer {
    let attributes: [String: String]

    init(_ text: String) {
        var attributes: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            attributes[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.attributes = attributes
    }

    subscript(_ key: String) -> String? { attributes[key] }
}
