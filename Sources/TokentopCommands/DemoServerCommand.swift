import ArgumentParser
import DemoServer
import Foundation
import Logging
import TokenModel

/// `tokentop demo-server`: the embedded authorization and `/mod` resource servers on their own,
/// until SIGINT or SIGTERM.
struct DemoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-server",
        abstract: "Run the embedded demo authorization server and /mod resource server.",
        discussion: """
            Prints the issuer, every endpoint, the demo clients' credentials and a tokentop configuration \
            for them, then serves until SIGINT or SIGTERM. Secrets and keys are new on every start.
            Faults can also be switched at run time: POST JSON to the printed admin URL with \
            "Authorization: Bearer ADMIN_TOKEN", e.g. {"latency_ms": 200, "token_error_rate": 0.2, \
            "resource_down": true, "rotate_keys": true}.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The authorization server's port (0 picks a free one).")
    var port = 0

    @Option(name: .customLong("resource-port"), help: "The /mod resource server's port (0 picks a free one).")
    var resourcePort = 0

    @Option(
        help: "A JSON file (YAML 1.2 reads it too) of demo clients to serve instead of the built-in set.",
        completion: .file(extensions: ["json", "yaml", "yml"]))
    var config: String?

    @Option(name: .customLong("write-config"), help: "Also write the generated tokentop configuration (YAML, mode 0600) to this file.")
    var writeConfig: String?

    @Option(help: "How /mod validates tokens: jwt (local JWKS verification) or introspect (asks the server each time).")
    var validation: String = TokenValidationMode.jwt.rawValue

    @Option(help: "Latency added to every answer, e.g. 200ms.")
    var latency: String?

    @Option(name: .customLong("token-error-rate"), help: "The share of token requests (0...1) that fail.")
    var tokenErrorRate: Double = 0

    @Option(name: .customLong("token-fault"), help: "How failing token requests fail: unavailable (503 + Retry-After) or server_error (500).")
    var tokenFault: String = TokenFaultKind.unavailable.rawValue

    @Flag(name: .customLong("resource-down"), help: "Make /mod answer 503 with Retry-After.")
    var resourceDown = false

    @Option(name: .customLong("rotate-keys-every"), help: "Rotate the signing key this often, e.g. 10m.")
    var rotateKeysEvery: String?

    @Option(name: .customLong("log-level"), help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard TokenValidationMode(rawValue: validation) != nil else {
            throw ValidationError("--validation must be jwt or introspect")
        }
        guard TokenFaultKind(rawValue: tokenFault) != nil else {
            throw ValidationError("--token-fault must be unavailable or server_error")
        }
        guard (0...1).contains(tokenErrorRate) else { throw ValidationError("--token-error-rate must be between 0 and 1") }
        if let latency, Duration(configText: latency).map({ $0 < .zero }) ?? true { throw ValidationError("--latency must be a duration like 200ms") }
        if let rotateKeysEvery {
            guard let every = Duration(configText: rotateKeysEvery), every >= .seconds(1) else {
                throw ValidationError("--rotate-keys-every must be a duration of at least 1s, like 10m")
            }
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a log level") }
    }

    func run() async throws {
        var options = DemoServerOptions(
            host: host, authorizationPort: port, resourcePort: resourcePort,
            validationMode: TokenValidationMode(rawValue: validation) ?? .jwt,
            faults: DemoFaults(
                latency: latency.flatMap { Duration(configText: $0) } ?? .zero, tokenErrorRate: tokenErrorRate,
                tokenFaultKind: TokenFaultKind(rawValue: tokenFault) ?? .unavailable, resourceDown: resourceDown,
                rotateKeysEvery: rotateKeysEvery.flatMap { Duration(configText: $0) }),
            handlesTerminationSignals: true)
        if let config {
            do {
                let file = try DemoClientsFile.load(path: config)
                options.clients = file.clients
                if let audience = file.audience { options.audience = audience }
            } catch {
                throw CLIError.usage(String(describing: error))
            }
        }
        var logger = Logger(label: "tokentop.demo-server", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let demo: DemoEnvironment
        do {
            demo = try await DemoEnvironment.start(options, logger: logger)
        } catch {
            throw CLIError.runtime(String(describing: error))
        }
        let yaml = demo.configurationYAML()
        if let writeConfig {
            do {
                try Self.writePrivately(yaml, to: writeConfig)
            } catch {
                await demo.shutdown()
                throw CLIError.runtime("cannot write \(writeConfig): \(error.localizedDescription)")
            }
        }
        // Written straight to the file handle, unbuffered, so a script reading a pipe sees it at once.
        FileHandle.standardOutput.write(Data((Self.banner(demo, faults: options.faults, wroteConfigTo: writeConfig, yaml: yaml) + "\n").utf8))
        do {
            try await demo.waitUntilStopped()
        } catch {
            throw CLIError.runtime("the demo servers stopped: \(error)")
        }
        printError("tokentop demo-server: stopped")
    }

    /// Writes through a temporary file and a rename, so a script polling for the file never reads half of it.
    private static func writePrivately(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appending(path: ".\(target.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        if rename(temporary.path, target.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    private static func banner(_ demo: DemoEnvironment, faults: DemoFaults, wroteConfigTo path: String?, yaml: String) -> String {
        let endpoints = demo.endpoints
        var lines = [
            "tokentop demo servers (\(demo.validationMode.rawValue) validation at /mod)",
            "",
            "  issuer               \(endpoints.issuer.absoluteString)",
            "  metadata (RFC 8414)  \(endpoints.metadataURL.absoluteString)",
            "                       \(endpoints.issuerMetadataURL.absoluteString)",
            "  openid-configuration \(endpoints.openIDConfigurationURL.absoluteString)",
            "  token                \(endpoints.tokenEndpoint.absoluteString)",
            "  jwks                 \(endpoints.jwksURI.absoluteString)",
            "  introspection        \(endpoints.introspectionEndpoint.absoluteString)",
            "  revocation           \(endpoints.revocationEndpoint.absoluteString)",
            "  resource             \(endpoints.resourceURL.absoluteString)",
            "  admin                \(endpoints.adminFaultsURL.absoluteString)  \(endpoints.adminRotateKeysURL.absoluteString)",
            "  admin token          \(demo.adminToken)",
            "",
            "clients (secrets are new on every start):",
        ]
        for client in demo.clients {
            var line = "  \(client.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(client.method.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0))"
            line += " scope \(client.scopes.joined(separator: " ")), tokens live \(client.lifetime.configText)"
            if let secret = client.secret { line += ", secret \(secret)" }
            if let keyFile = client.privateKeyFile { line += ", key \(keyFile)" }
            if client.configuredSecret != client.secret { line += " (the configuration below holds a wrong secret)" }
            lines.append(line)
        }
        if faults != .none {
            lines.append("")
            lines.append(
                "faults: latency \(faults.latency.configText), token error rate \(faults.tokenErrorRate) (\(faults.tokenFaultKind.rawValue)), "
                    + "resource down \(faults.resourceDown), rotate keys every \(faults.rotateKeysEvery.map(\.configText) ?? "never")")
        }
        if let example = demo.clients.first(where: { $0.method == .clientSecretBasic && $0.secret == $0.configuredSecret }),
            let secret = example.secret
        {
            lines += [
                "",
                "try it:",
                "  TOKEN=$(curl -s -u \(example.clientID):\(secret) -d grant_type=client_credentials -d scope=\(example.scopes.joined(separator: "+")) \(endpoints.tokenEndpoint.absoluteString) | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')",
                "  curl -s -H \"Authorization: Bearer $TOKEN\" \(endpoints.resourceURL.absoluteString)",
            ]
        }
        lines += ["", path.map { "tokentop configuration (also written to \($0)):" } ?? "tokentop configuration:", "", yaml]
        lines.append("Serving until Ctrl-C (SIGINT) or SIGTERM.")
        return lines.joined(separator: "\n")
    }
}
