import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JWTKit
import Logging
import ServerLimits
import ServiceLifecycle
import TokenConfig
import TokenModel

/// The two embedded demo servers, running: the Okta-shaped authorization server and the `/mod`
/// resource server, each on its own port. With TLS each also listens for mutual TLS (RFC 8705)
/// on a second port. The commands run them as services of their own group (`prepare`); tests
/// run them in a group of their own (`start`):
///
/// ```swift
/// let demo = try await DemoEnvironment.start(DemoServerOptions())
/// let configuration = demo.configuration()   // the demo clients, pointing at the servers
/// await demo.shutdown()
/// ```
public final class DemoEnvironment: Sendable {
    /// Every URL of both servers.
    public let endpoints: DemoEndpoints
    /// The bearer token of the admin endpoints; random per start.
    public let adminToken: String
    /// The registered demo clients, with their real secrets.
    public let clients: [DemoClient]
    /// The resource server's own credentials (`client_secret_basic`), used for introspection in
    /// `introspect` mode. They may introspect and revoke but not obtain tokens (`unauthorized_client`).
    public let resourceServerClient: DemoClient
    /// How `/mod` validates tokens.
    public let validationMode: TokenValidationMode
    /// The `aud` of every access token.
    public let audience: String
    /// Which `aud` a client assertion may carry.
    public let assertionAudience: AssertionAudiencePolicy
    /// With TLS: the demo CA and the `tls_client_auth` clients' certificates and keys, as files
    /// in the demo's own folder (removed at shutdown). Nil without TLS.
    public let tlsFiles: DemoTLSFiles?

    private let tlsMaterial: TLSMaterial?
    private let control: DemoControl
    /// The group `start` runs the servers in, and its run; nil when the caller's group runs them.
    private let ownGroup: OwnGroup?

    /// A group of the demo's own, as the test harness runs it.
    typealias OwnGroup = (group: ServiceGroup, running: Task<Void, any Error>)

    /// `http://HOST:PORT/oauth2/default`.
    public var issuer: URL { endpoints.issuer }
    /// `ISSUER/v1/token`.
    public var tokenEndpoint: URL { endpoints.tokenEndpoint }
    /// `ISSUER/v1/keys`.
    public var jwksURI: URL { endpoints.jwksURI }
    /// `ISSUER/v1/introspect`.
    public var introspectionEndpoint: URL { endpoints.introspectionEndpoint }
    /// `ISSUER/v1/revoke`.
    public var revocationEndpoint: URL { endpoints.revocationEndpoint }
    /// The `/mod` URL.
    public var resourceURL: URL { endpoints.resourceURL }

    private init(
        endpoints: DemoEndpoints, adminToken: String, clients: [DemoClient], resourceServerClient: DemoClient,
        options: DemoServerOptions, tlsMaterial: TLSMaterial?, control: DemoControl, ownGroup: OwnGroup?
    ) {
        self.tlsMaterial = tlsMaterial
        self.tlsFiles = tlsMaterial?.files
        self.endpoints = endpoints
        self.adminToken = adminToken
        self.clients = clients
        self.resourceServerClient = resourceServerClient
        self.validationMode = options.validationMode
        self.audience = options.audience
        self.assertionAudience = options.assertionAudience
        self.control = control
        self.ownGroup = ownGroup
    }

    /// A logger that drops everything: the default in-process, where the terminal belongs to the dashboard.
    public static let quietLogger = Logger(label: "tokentop.demo", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A test harness: prepares the demo, runs its services in a small group of its own, and
    /// returns once every server listens; `shutdown()` stops them. The commands instead run
    /// `prepare`'s services in their one group, which also handles the signals.
    public static func start(_ options: DemoServerOptions = DemoServerOptions(), logger: Logger = quietLogger) async throws
        -> DemoEnvironment
    {
        let servers = try await prepare(options, logger: logger)
        var configuration = ServiceGroupConfiguration(
            services: servers.services.map { .init(service: $0) }, logger: frameworkLogger(logger))
        configuration.maximumGracefulShutdownDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        let running = Task { try await group.run() }
        do {
            return try await servers.listening(ownGroup: (group, running))
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    /// Hummingbird's and the group's own messages only at debug: a port in use is reported once,
    /// by the error `listening()` throws, not by a cascade of library log lines.
    static func frameworkLogger(_ logger: Logger) -> Logger {
        logger.logLevel <= .debug ? logger : quietLogger
    }

    /// Generates keys and secrets and builds both servers, for the caller's group to run: the
    /// returned services first, in their order. Nothing listens until the group runs them.
    public static func prepare(_ options: DemoServerOptions = DemoServerOptions(), logger: Logger = quietLogger) async throws
        -> DemoServers
    {
        try options.validate()
        let clock = options.clock
        let random = options.random
        let faults = FaultSwitch(options.faults)
        // Everything the authorization server dates or judges by time follows its (maybe wrong) clock.
        let authorizationClock = OffsetClock(base: clock, faults: faults)
        let ledger = TokenLedger(clock: authorizationClock)
        let longestLifetime = options.clients.map(\.tokenLifetime).max() ?? .seconds(3600)
        let keyRing = try await KeyRing(clock: clock, random: random, overlap: options.keyOverlap ?? longestLifetime)
        let control = DemoControl(faults: faults, keyRing: keyRing, logger: logger)
        let needsKeyFiles = options.tls || options.clients.contains { $0.method == .privateKeyJWT }
        let keyFolder = needsKeyFiles ? try DemoKeyFolder.make(random) : nil
        do {
            await control.apply(options.faults)
            return try await prepare(
                options, logger: logger, control: control, keyFolder: keyFolder, faults: faults, ledger: ledger, keyRing: keyRing,
                authorizationClock: authorizationClock)
        } catch {
            await control.stop()
            keyFolder?.remove()
            throw error
        }
    }

    /// The rest of `prepare`, once the key folder exists: whatever it throws, the caller removes the folder.
    private static func prepare(
        _ options: DemoServerOptions, logger: Logger, control: DemoControl, keyFolder: DemoKeyFolder?, faults: FaultSwitch,
        ledger: TokenLedger, keyRing: KeyRing, authorizationClock: any TokenClock
    ) async throws -> DemoServers {
        let clock = options.clock
        let random = options.random
        let (demoClients, clientRegistrations, tlsMaterial) = try await makeClients(options, keyFolder: keyFolder)
        var registered = clientRegistrations
        if let federation = options.federatedIssuer {
            var client = RegisteredClient(
                clientID: federation.clientID, secret: nil, method: .privateKeyJWT, scopes: [DemoClientSpec.modScope],
                lifetime: .seconds(3600), mayRequestTokens: true, assertionKeys: nil)
            client.federation = federation
            registered.append(client)
        }
        let resourceServerID = "demo-resource-server"
        let resourceServerSecret = random.token(byteCount: 32)
        registered.append(
            RegisteredClient(
                clientID: resourceServerID, secret: resourceServerSecret, method: .clientSecretBasic, scopes: [],
                lifetime: .seconds(60), mayRequestTokens: false, assertionKeys: nil))

        let addresses = DemoAddressBook(expectsTLS: options.tls)
        let adminToken = random.token(byteCount: 24)
        let authorizationServer = AuthorizationServer(
            registry: ClientRegistry(clients: registered, ledger: ledger, clock: authorizationClock), keyRing: keyRing,
            ledger: ledger, addresses: addresses, faults: faults, control: control, adminToken: adminToken,
            audience: options.audience, assertionAudience: options.assertionAudience, keySetMaxAge: options.keySetMaxAge,
            clock: authorizationClock, random: random,
            dpop: DPoPVerifier(clock: authorizationClock, replay: DPoPReplayCache()), dpopNonce: ServerDPoPNonce(random: random),
            rateLimit: options.rateLimit.map { RateLimitBucket($0, clock: authorizationClock) },
            logger: logger,
            knownScopes: Array(Set(options.clients.flatMap(\.scopes))).sorted())
        let validator: any AccessTokenValidator =
            switch options.validationMode {
            case .jwt:
                JWTAccessTokenValidator(
                    keys: DemoKeySet(clock: clock), addresses: addresses, audience: options.audience,
                    faults: faults, clock: clock)
            case .introspect:
                IntrospectionAccessTokenValidator(
                    addresses: addresses, audience: options.audience, faults: faults, clientID: resourceServerID,
                    clientSecret: resourceServerSecret)
            }
        let resourceServer = ResourceServer(
            validator: validator, faults: faults, addresses: addresses,
            dpop: DPoPVerifier(clock: clock, replay: DPoPReplayCache()), dpopNonce: ServerDPoPNonce(random: random),
            logger: logger)

        let host = options.host
        let frameworkLogger = Self.frameworkLogger(logger)
        let limits = ConnectionLimits(idleTimeout: options.connectionIdleTimeout)
        let startup = DemoStartup()
        var names: [String] = []
        /// One server on `port` (0: any free one), over TLS when given its configuration; `bound`
        /// learns the address it got.
        func application(
            _ name: String, _ router: Router<DemoRequestContext>, port: Int, clock: (any TokenClock)? = nil,
            tls: TLSConfiguration? = nil, bound: @escaping @Sendable (URL) -> Void
        ) throws -> some Service {
            names.append(name)
            let http1 = limits.http1(additionalChannelHandlers: clock.map { [DateHeaderHandler(clock: $0)] } ?? [])
            let application = Application(
                router: router,
                server: try tls.map { try HTTPServerBuilder.tls(http1, tlsConfiguration: $0) } ?? http1,
                configuration: .init(address: .hostname(host, port: port), serverName: "tokentop-demo"),
                onServerRunning: { channel in
                    bound(DemoEndpoints.baseURL(host: host, port: channel.localAddress?.port ?? port, secure: tls != nil))
                    await startup.listens(name)
                },
                logger: frameworkLogger)
            return StartingService(inner: application, name: name, startup: startup) { error in
                DemoServerError.bindFailed(server: name, host: host, port: port, underlying: error)
            }
        }
        var services: [any Service] = [DemoCleanUp(control: control, keyFolder: keyFolder)]
        do {
            services.append(
                try application(
                    "authorization server", authorizationServer.router(), port: options.authorizationPort,
                    clock: authorizationClock, bound: { addresses.setAuthorization($0) }))
            services.append(
                try application(
                    "resource server", resourceServer.router(), port: options.resourcePort, clock: clock,
                    bound: { addresses.setResource($0) }))
            if let tlsMaterial {
                services.append(
                    try application(
                        "authorization server's mutual-TLS listener", authorizationServer.router(.mutualTLS),
                        port: options.tlsAuthorizationPort, clock: authorizationClock, tls: tlsMaterial.serverConfiguration,
                        bound: { addresses.setMTLSAuthorization($0) }))
                services.append(
                    try application(
                        "resource server's mutual-TLS listener", resourceServer.router(.mutualTLS),
                        port: options.tlsResourcePort, clock: clock, tls: tlsMaterial.serverConfiguration,
                        bound: { addresses.setMTLSResource($0) }))
            }
        } catch {
            throw DemoServerError.tlsSetupFailed(error)
        }
        await startup.expecting(names)
        let resourceServerClient = DemoClient(
            name: resourceServerID, clientID: resourceServerID, secret: resourceServerSecret,
            configuredSecret: resourceServerSecret, method: .clientSecretBasic, scopes: [], lifetime: .seconds(60),
            refreshSkew: nil, privateKeyFile: nil, requiresDPoP: false)
        return DemoServers(services: services, startup: startup, addresses: addresses) { endpoints, ownGroup in
            var listening: Logger.Metadata = [
                "issuer": "\(endpoints.issuer)", "resource": "\(endpoints.resourceURL)",
                "validation": "\(options.validationMode)",
            ]
            if let token = endpoints.mtlsTokenEndpoint, let resource = endpoints.mtlsResourceURL {
                listening["mtls-token"] = "\(token)"
                listening["mtls-resource"] = "\(resource)"
            }
            logger.info("demo servers listening", metadata: listening)
            return DemoEnvironment(
                endpoints: endpoints, adminToken: adminToken, clients: demoClients, resourceServerClient: resourceServerClient,
                options: options, tlsMaterial: tlsMaterial, control: control, ownGroup: ownGroup)
        }
    }

    /// The faults in force.
    public var faults: DemoFaults {
        get async { await control.current }
    }

    /// Puts these faults in force (and restarts periodic rotation when its interval changed).
    public func setFaults(_ faults: DemoFaults) async {
        await control.apply(faults)
    }

    /// Rotates the signing key now; the old one stays in the JWKS for the overlap period.
    /// Returns the new key id.
    @discardableResult
    public func rotateKeys() async throws -> String {
        try await control.rotateKeys()
    }

    /// Writes the demo CA and the `tls_client_auth` clients' certificates and keys (mode 0600)
    /// beside the configuration file `configurationPath`, named after it (`demo.yaml` gives
    /// `demo.yaml.demo-ca.pem`, `demo.yaml.mtls-client.tls-certificate.pem`, ...), so the written
    /// configuration can name them. They are not removed at shutdown; nil without TLS.
    public func writeTLSFiles(besideConfiguration configurationPath: String) throws -> DemoTLSFiles? {
        guard let tlsMaterial else { return nil }
        let configuration = URL(fileURLWithPath: configurationPath)
        return try DemoTLSFiles.write(
            caPEM: tlsMaterial.caPEM, clients: tlsMaterial.clients, into: configuration.deletingLastPathComponent(),
            prefix: configuration.lastPathComponent + ".")
    }

    /// Stops the servers `start` started, gracefully (in-flight requests finish), and deletes the
    /// client key files. Safe to call more than once. A demo from `prepare` stops with its group.
    public func shutdown() async {
        guard let ownGroup else { return }
        await ownGroup.group.triggerGracefulShutdown()
        _ = try? await ownGroup.running.value
    }

    // MARK: Start-up helpers

    /// The demo clients as the configuration and the server know them, their key files in
    /// `keyFolder`; with TLS, also the CA, the server's configuration and the clients' certificates.
    private static func makeClients(
        _ options: DemoServerOptions, keyFolder: DemoKeyFolder?
    ) async throws -> (clients: [DemoClient], registered: [RegisteredClient], tlsMaterial: TLSMaterial?) {
        var demoClients: [DemoClient] = []
        var registered: [RegisteredClient] = []
        let authority: DemoCertificateAuthority?
        do {
            authority = options.tls ? try DemoCertificateAuthority() : nil
        } catch {
            throw DemoServerError.tlsSetupFailed(error)
        }
        var issued: [(name: String, certificate: IssuedCertificate)] = []
        for spec in options.clients {
            let (client, registration, certificate) = try await makeClient(
                spec, random: options.random, keyFolder: keyFolder, authority: authority)
            demoClients.append(client)
            registered.append(registration)
            if let certificate { issued.append((spec.name, certificate)) }
        }
        guard let authority, let keyFolder else { return (demoClients, registered, nil) }
        let tlsMaterial = try TLSMaterial(authority: authority, clients: issued, host: options.host, folder: keyFolder.url)
        demoClients = demoClients.map { client in
            var client = client
            client.tlsCertificateFile = tlsMaterial.files.clients[client.name]?.certificate
            client.tlsKeyFile = tlsMaterial.files.clients[client.name]?.key
            return client
        }
        return (demoClients, registered, tlsMaterial)
    }

    /// A client as the configuration and the server know it; for `tls_client_auth`, also its
    /// certificate from `authority`.
    private static func makeClient(
        _ spec: DemoClientSpec, random: DemoRandomSource, keyFolder: DemoKeyFolder?, authority: DemoCertificateAuthority?
    ) async throws -> (DemoClient, RegisteredClient, IssuedCertificate?) {
        var secret: String?
        var configuredSecret: String?
        var keyFile: String?
        var assertionKeys: JWTKeyCollection?
        var certificate: IssuedCertificate?
        switch spec.method {
        case .clientSecretBasic, .clientSecretPost:
            let real = random.token(byteCount: 32)
            secret = real
            configuredSecret = spec.configuredWithWrongSecret ? "wrong-" + random.token(byteCount: 26) : real
        case .privateKeyJWT:
            let key = ES256PrivateKey()
            let file = keyFolder!.url.appending(path: "\(spec.name).pem")
            do {
                guard
                    FileManager.default.createFile(
                        atPath: file.path, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
                else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                throw DemoServerError.keyFileNotWritable(path: file.path, underlying: error)
            }
            keyFile = file.path
            assertionKeys = await JWTKeyCollection().add(ecdsa: key.publicKey)
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            do {
                certificate = try authority!.clientCertificate(commonName: spec.name)
            } catch {
                throw DemoServerError.tlsSetupFailed(error)
            }
        }
        let subject = certificate?.certificate.subject
        let client = DemoClient(
            name: spec.name, clientID: spec.name, secret: secret, configuredSecret: configuredSecret, method: spec.method,
            scopes: spec.scopes, lifetime: spec.tokenLifetime, refreshSkew: spec.refreshSkew, privateKeyFile: keyFile,
            requiresDPoP: spec.requiresDPoP, tlsSubject: subject.map { String(describing: $0) })
        let registration = RegisteredClient(
            clientID: spec.name, secret: secret, method: spec.method, scopes: spec.scopes, lifetime: spec.tokenLifetime,
            mayRequestTokens: true, assertionKeys: assertionKeys, requiresDPoP: spec.requiresDPoP, tlsSubject: subject)
        return (client, registration, certificate)
    }
}

/// The demo's TLS material of one start: the CA, the servers' TLS configuration, and the files
/// the configuration names.
private struct TLSMaterial: Sendable {
    let caPEM: String
    let clients: [(name: String, certificatePEM: String, keyPEM: String)]
    let serverConfiguration: TLSConfiguration
    /// The files in the demo's own folder.
    let files: DemoTLSFiles

    /// Issues the server certificate for `host` and writes the CA and the clients' files into `folder`.
    init(
        authority: DemoCertificateAuthority, clients issued: [(name: String, certificate: IssuedCertificate)], host: String,
        folder: URL
    ) throws {
        do {
            caPEM = try authority.certificatePEM
            clients = try issued.map { ($0.name, try $0.certificate.certificatePEM, $0.certificate.keyPEM) }
            serverConfiguration = try authority.serverTLSConfiguration(try authority.serverCertificate(host: host))
        } catch {
            throw DemoServerError.tlsSetupFailed(error)
        }
        files = try DemoTLSFiles.write(caPEM: caPEM, clients: clients, into: folder, prefix: "")
    }
}
