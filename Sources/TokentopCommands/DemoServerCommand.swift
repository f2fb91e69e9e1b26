import ArgumentParser
import DemoServer
import Foundation
import Logging
import ServiceLifecycle
import SpringConfig
import TokenConfig
import TokenModel

/// `tokentop demo-server`: the embedded authorization and `/mod` resource servers on their own,
/// until SIGINT, SIGTERM or SIGHUP.
struct DemoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-server",
        abstract: "Run the embedded demo authorization server and /mod resource server.",
        discussion: """
            Prints the issuer, every endpoint, the demo clients' credentials and a tokentop configuration \
            for them, then serves until SIGINT, SIGTERM or SIGHUP. Secrets and keys are new on every start.
            Faults can also be switched at run time: POST JSON to the printed admin URL with \
            "Authorization: Bearer ADMIN_TOKEN", e.g. {"latency_ms": 200, "token_error_rate": 0.2, \
            "resource_down": true, "rotate_keys": true}.
            With --tls both servers also listen for mutual TLS (RFC 8705) on ports of their own, with a CA, a \
            server certificate and a client certificate for mtls-client made at start. mtls-client authenticates with \
            tls_client_auth and gets tokens bound to its certificate (cnf.x5t#S256), which /mod on the TLS port checks. \
            The CA, the certificate and its key are written (mode 0600) to a temporary folder removed at exit, and \
            beside --write-config when given.
            Exit status: 0 after a stop by signal; 1 when a server cannot start or stops on an error; 2 on a usage error.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The authorization server's port, 0...65535 (0 picks a free one).")
    var port = 0

    @Option(name: .customLong("resource-port"), help: "The /mod resource server's port, 0...65535 (0 picks a free one).")
    var resourcePort = 0

    @Option(
        help: "A JSON file (YAML 1.2 reads it too) of demo clients to serve instead of the built-in set.",
        completion: .file(extensions: ["json", "yaml", "yml"]))
    var config: String?

    @Option(
        name: .customLong("write-config"), help: "Also write the generated tokentop configuration (YAML, mode 0600) to this file."
    )
    var writeConfig: String?

    @Option(
        name: .customLong("write-spring-config"),
        help: "Also write the demo's clients as a Spring Boot application.yml (mode 0600), for tokentop --spring.")
    var writeSpringConfig: String?

    @Option(help: "How /mod validates tokens: jwt (local JWKS verification) or introspect (asks the server each time).")
    var validation: TokenValidationMode = .jwt

    @Option(
        name: .customLong("assertion-audience"),
        help: """
            The aud a private_key_jwt client assertion may carry: token-endpoint (the token endpoint or the issuer, \
            whatever endpoint is called), called-endpoint (only the URL of the endpoint called), or any.
            """)
    var assertionAudience: AssertionAudiencePolicy = .any

    @Option(help: "Latency added to every answer, from 0 to 60s, e.g. 200ms.")
    var latency: DurationArgument?

    @Option(name: .customLong("token-error-rate"), help: "The share of token requests (0...1) that fail.")
    var tokenErrorRate: Double = 0

    @Option(
        name: .customLong("token-fault"),
        help: "How failing token requests fail: unavailable (503 + Retry-After) or server_error (500).")
    var tokenFault: TokenFaultKind = .unavailable

    @Flag(name: .customLong("resource-down"), help: "Make /mod answer 503 with Retry-After.")
    var resourceDown = false

    @Option(name: .customLong("rotate-keys-every"), help: "Rotate the signing key this often, at least 1s, e.g. 10m.")
    var rotateKeysEvery: DurationArgument?

    @Flag(name: .customLong("breaking-rotation"), help: "Rotations remove the old key from the JWKS at once, with no overlap.")
    var breakingRotation = false

    @Option(
        name: .customLong("jwks-max-age"),
        help: "The key set's Cache-Control max-age (default 5m): short, a breaking rotation shows within seconds.")
    var jwksMaxAge: DurationArgument?

    @Option(
        name: .customLong("clock-offset"),
        help: "Set the authorization server's clock this far off (iat, nbf, exp and Date), e.g. 5m or --clock-offset=-90s.")
    var clockOffset: DurationArgument?

    @Option(name: .customLong("resource-expect-audience"), help: "Make /mod accept only tokens with this aud (another API's).")
    var resourceExpectAudience: String?

    @Option(
        name: .customLong("resource-expect-issuer"), help: "Make /mod accept only tokens from this issuer (another server's).")
    var resourceExpectIssuer: String?

    @Flag(help: "Also serve dpop-client, whose token requests must carry a DPoP proof (RFC 9449).")
    var dpop = false

    @Flag(
        help: """
            Also listen for mutual TLS (RFC 8705) and serve mtls-client (tls_client_auth): makes a CA, a server \
            certificate and mtls-client's certificate; tokens for a request with a certificate are bound to it (cnf.x5t#S256).
            """)
    var tls = false

    @Option(
        name: .customLong("tls-port"),
        help: "The authorization server's mutual-TLS port with --tls, 0...65535 (0 picks a free one).")
    var tlsPort = 0

    @Option(
        name: .customLong("tls-resource-port"),
        help: "The /mod resource server's mutual-TLS port with --tls, 0...65535 (0 picks a free one).")
    var tlsResourcePort = 0

    @Flag(name: .customLong("dpop-nonce"), help: "Make both servers ask DPoP proofs for their nonce (use_dpop_nonce).")
    var dpopNonce = false

    @Option(
        name: .customLong("rate-limit"),
        help: """
            Limit the token endpoint to this many requests per window, one bucket for every client, as Okta does \
            (X-Rate-Limit-Limit, -Remaining and -Reset on every answer, 429 past it), e.g. 600/min, 10/s or 100/30s.
            """)
    var rateLimit: DemoRateLimit?

    @Option(
        name: .customLong("federated-issuer"),
        help: ArgumentHelp(
            """
            Also trust this issuer's client assertions, Entra-style, for federated-client: its sub must be \
            --federated-subject and its aud --federated-audience. With --write-config, the issuer's key and an \
            hour-long assertion are written beside the configuration (FILE.federated-issuer-key.pem, \
            FILE.federated-client.jwt), which names the assertion in client-assertion-file.
            """))
    var federatedIssuer: String?

    @Option(name: .customLong("federated-subject"), help: "The sub a federated assertion must carry, exactly.")
    var federatedSubject = "system:serviceaccount:demo:federated-client"

    @Option(name: .customLong("federated-audience"), help: "The audience a federated assertion must name.")
    var federatedAudience = FederatedIssuer.entraAudience

    @Option(name: .customLong("log-level"), help: "Log level on stderr.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        let ports = [
            ("--port", port), ("--resource-port", resourcePort), ("--tls-port", tlsPort),
            ("--tls-resource-port", tlsResourcePort),
        ]
        for (flag, value) in ports where !(0...65535).contains(value) {
            throw ValidationError("\(flag) must be a port number from 0 to 65535, not \(value)")
        }
        guard DemoFaults.Allowed.tokenErrorRate.contains(tokenErrorRate) else {
            throw ValidationError("--token-error-rate must be between 0 and 1")
        }
        if let latency, !DemoFaults.Allowed.latency.contains(latency.duration) {
            throw ValidationError("--latency must be from 0 to \(DemoFaults.longestLatency.configText)")
        }
        if let clockOffset, abs(clockOffset.duration.timeInterval) > DemoFaults.largestClockOffset.timeInterval {
            throw ValidationError("--clock-offset must be within ±\(DemoFaults.largestClockOffset.configText)")
        }
        if let jwksMaxAge, !(.seconds(1)...(.seconds(86_400))).contains(jwksMaxAge.duration) {
            throw ValidationError("--jwks-max-age must be from 1s to 1d, like 30s")
        }
        if let rotateKeysEvery, !DemoFaults.Allowed.rotateKeysEvery.contains(rotateKeysEvery.duration) {
            throw ValidationError("--rotate-keys-every must be from 1s to 100 years, like 10m")
        }
        if !tls, tlsPort != 0 || tlsResourcePort != 0 {
            throw ValidationError("--tls-port and --tls-resource-port need --tls")
        }
    }

    func run() async throws {
        var options = DemoServerOptions(
            host: host, authorizationPort: port, resourcePort: resourcePort,
            validationMode: validation,
            faults: DemoFaults(
                latency: latency?.duration ?? .zero, tokenErrorRate: tokenErrorRate, tokenFaultKind: tokenFault,
                resourceDown: resourceDown, rotateKeysEvery: rotateKeysEvery?.duration, breakingRotation: breakingRotation,
                clockOffset: clockOffset?.duration ?? .zero, resourceExpectedAudience: resourceExpectAudience,
                resourceExpectedIssuer: resourceExpectIssuer, dpopNonceRequired: dpopNonce),
            assertionAudience: assertionAudience, keySetMaxAge: jwksMaxAge?.duration ?? .seconds(300),
            tls: tls, tlsAuthorizationPort: tlsPort, tlsResourcePort: tlsResourcePort)
        options.rateLimit = rateLimit
        if let config {
            do {
                let file = try DemoClientsFile.load(path: config)
                options.clients = file.clients
                if let audience = file.audience { options.audience = audience }
            } catch {
                throw CLIError.usage(String(describing: error))
            }
        }
        if dpop, !options.clients.contains(where: { $0.name == DemoClientSpec.dpopClient.name }) {
            options.clients.append(DemoClientSpec.dpopClient)
        }
        if tls, !options.clients.contains(where: { $0.name == DemoClientSpec.mtlsClient.name }) {
            options.clients.append(DemoClientSpec.mtlsClient)
        }
        if let federatedIssuer {
            options.federatedIssuer = FederatedIssuer(
                issuer: federatedIssuer, subject: federatedSubject, audience: federatedAudience)
        }
        var logger = Logger(label: "tokentop.demo-server", factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = logLevel

        var listening = false
        do {
            // The servers alone, until SIGINT, SIGTERM or SIGHUP; the key folder goes after they stop.
            try await ServiceGroup.runUntilFrontEndEnds { group in
                let demo = try await group.runDemo(try await DemoEnvironment.prepare(options, logger: logger))
                listening = true
                try await announce(demo, options: options)
                return nil
            }
        } catch let error as DemoServerError where !listening && error.isAddressInUse {
            throw CLIError.usage(error.description)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.runtime(listening ? "the demo servers stopped: \(error)" : String(describing: error))
        }
        printError("tokentop demo-server: stopped")
    }

    /// Writes the configuration files asked for and prints the banner: the URLs, the clients and
    /// a tokentop configuration for them.
    private func announce(_ demo: DemoEnvironment, options: DemoServerOptions) async throws {
        var yaml = ""
        var tlsFiles = demo.tlsFiles
        do {
            yaml = try demo.configurationYAML()
            if let writeConfig {
                // The written configuration names copies beside it, which outlive the demo's own folder.
                if let written = try demo.writeTLSFiles(besideConfiguration: writeConfig) {
                    tlsFiles = written
                    yaml = try demo.configurationYAML(tlsFiles: written)
                }
                if let federation = options.federatedIssuer {
                    yaml += try await Self.federatedClient(federation, demo: demo, besideConfiguration: writeConfig)
                }
                try ConfigurationWriter.writeAtomically(yaml, to: writeConfig)
            }
            if let writeSpringConfig {
                let spring = try SpringApplicationYAML.render(
                    demo.configuration(), comment: ["The tokentop demo's clients as a Spring Boot application.yml."])
                try ConfigurationWriter.writeAtomically(spring, to: writeSpringConfig)
            }
        } catch {
            throw CLIError.runtime("cannot write the demo's configuration: \(error)")
        }
        // Unbuffered, so a script reading a pipe sees it at once.
        try printResult(
            Self.banner(
                demo, faults: options.faults, rateLimit: rateLimit, tlsFiles: tlsFiles, wroteConfigTo: writeConfig, yaml: yaml))
    }

    /// Writes the federated issuer's key and an hour-long assertion beside the configuration,
    /// and returns federated-client's entry, which reads the assertion from that file.
    private static func federatedClient(
        _ federation: FederatedIssuer, demo: DemoEnvironment, besideConfiguration path: String
    ) async throws -> String {
        let keyFile = path + ".federated-issuer-key.pem"
        let assertionFile = path + ".federated-client.jwt"
        try ConfigurationWriter.writeAtomically(federation.signingKeyPEM, to: keyFile)
        try ConfigurationWriter.writeAtomically(try await federation.mint(now: Date(), lifetime: 3600) + "\n", to: assertionFile)
        let client = ConfigurationWriter.client(
            ClientConfiguration(
                name: federation.clientID, tokenURI: demo.endpoints.tokenEndpoint, clientID: federation.clientID,
                authenticationMethod: .privateKeyJWT, scopes: [DemoClientSpec.modScope], resourceURI: demo.endpoints.resourceURL,
                allowInsecureHTTP: false, federatedAssertion: .file(path: assertionFile)))
        let entry = try ConfigurationWriter.yaml(ConfigurationDraft(clients: [client]))
        // The entry under the written `clients:`, which is the file's last mapping.
        return entry.components(separatedBy: "clients:\n").dropFirst().joined(separator: "clients:\n")
    }

    private static func banner(
        _ demo: DemoEnvironment, faults: DemoFaults, rateLimit: DemoRateLimit?, tlsFiles: DemoTLSFiles?,
        wroteConfigTo path: String?,
        yaml: String
    ) -> String {
        let endpoints = demo.endpoints
        var lines = [
            "tokentop demo servers (\(demo.validationMode.rawValue) validation at /mod, assertion audience \(demo.assertionAudience.rawValue))",
            "",
            "  issuer               \(endpoints.issuer.absoluteString)",
            "  metadata (RFC 8414)  \(endpoints.metadataURL.absoluteString)",
            "                       \(endpoints.issuerMetadataURL.absoluteString)",
            "  token                \(endpoints.tokenEndpoint.absoluteString)"
                + (rateLimit.map { "  (rate limit \($0), one bucket for every client)" } ?? ""),
            "  jwks                 \(endpoints.jwksURI.absoluteString)",
            "  introspection        \(endpoints.introspectionEndpoint.absoluteString)",
            "  revocation           \(endpoints.revocationEndpoint.absoluteString)",
            "  resource             \(endpoints.resourceURL.absoluteString)",
            "  admin                \(endpoints.adminFaultsURL.absoluteString)  \(endpoints.adminRotateKeysURL.absoluteString)",
            "  admin token          \(demo.adminToken)",
        ]
        if let token = endpoints.mtlsTokenEndpoint, let introspection = endpoints.mtlsIntrospectionEndpoint,
            let revocation = endpoints.mtlsRevocationEndpoint, let resource = endpoints.mtlsResourceURL, let tlsFiles
        {
            lines += [
                "",
                "mutual TLS (RFC 8705; client certificates optional, checked against the demo CA):",
                "  token                \(token.absoluteString)",
                "  introspection        \(introspection.absoluteString)",
                "  revocation           \(revocation.absoluteString)",
                "  resource             \(resource.absoluteString)  (certificate-bound tokens only here)",
                "  CA certificate       \(tlsFiles.certificateAuthority)",
            ]
        }
        lines += ["", "clients (secrets are new on every start):"]
        for client in demo.clients {
            var line =
                "  \(client.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(client.method.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0))"
            line += " scope \(client.scopes.joined(separator: " ")), tokens live \(client.lifetime.configText)"
            if let secret = client.secret { line += ", secret \(secret)" }
            if let keyFile = client.privateKeyFile { line += ", key \(keyFile)" }
            if let subject = client.tlsSubject, let files = tlsFiles?.clients[client.name] {
                line += ", certificate subject \(subject), certificate \(files.certificate), key \(files.key)"
                line += ", tokens bound to it (cnf.x5t#S256)"
            }
            if client.requiresDPoP { line += ", DPoP proofs required" }
            if client.configuredSecret != client.secret { line += " (the configuration below holds a wrong secret)" }
            lines.append(line)
        }
        if faults != .none {
            lines.append("")
            lines.append(
                "faults: latency \(faults.latency.configText), token error rate \(faults.tokenErrorRate) (\(faults.tokenFaultKind.rawValue)), "
                    + "resource down \(faults.resourceDown), rotate keys every \(faults.rotateKeysEvery.map(\.configText) ?? "never")"
                    + (faults.breakingRotation ? " (breaking: old keys removed at once)" : "")
                    + ", authorization server clock off by \(faults.clockOffset.configText)"
                    + ", /mod expects aud \(faults.resourceExpectedAudience ?? demo.audience)"
                    + " and iss \(faults.resourceExpectedIssuer ?? endpoints.issuer.absoluteString)"
                    + (faults.dpopNonceRequired ? ", DPoP nonces required" : ""))
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
        if let mtls = demo.clients.first(where: { $0.method == .tlsClientAuth }), let files = tlsFiles?.clients[mtls.name],
            let caFile = tlsFiles?.certificateAuthority, let token = endpoints.mtlsTokenEndpoint,
            let resource = endpoints.mtlsResourceURL
        {
            let tlsOptions = "--cacert \(caFile) --cert \(files.certificate) --key \(files.key)"
            lines += [
                "",
                "try mutual TLS:",
                "  TOKEN=$(curl -s \(tlsOptions) -d grant_type=client_credentials -d client_id=\(mtls.clientID) \(token.absoluteString) | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')",
                "  curl -s \(tlsOptions) -H \"Authorization: Bearer $TOKEN\" \(resource.absoluteString)",
            ]
        }
        lines += ["", path.map { "tokentop configuration (also written to \($0)):" } ?? "tokentop configuration:", "", yaml]
        lines.append("Serving until Ctrl-C (SIGINT), SIGTERM or SIGHUP.")
        return lines.joined(separator: "\n")
    }
}

/// A duration flag (`200ms`, `30s`, `1h30m`, `-5m`, at most a century either way) in the one
/// syntax TokenModel parses, so ArgumentParser refuses a malformed or absurd value as a usage error.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let duration: Duration

    init?(argument: String) {
        guard let duration = Duration(configText: argument) else { return nil }
        self.duration = duration
    }

    var defaultValueDescription: String { duration.configText }
}

extension DemoRateLimit: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
}
extension TokenValidationMode: ExpressibleByArgument {}
extension TokenFaultKind: ExpressibleByArgument {}
extension AssertionAudiencePolicy: ExpressibleByArgument {}
// Case-iterable with string raw values: ArgumentParser lists and completes the levels. Neither
// package declares it, and only this executable's option parsing uses it.
// swift-format-ignore: AvoidRetroactiveConformances
extension Logger.Level: @retroactive ExpressibleByArgument {}
