import DemoServer
import Foundation
import Logging
import OAuthClient
import ServiceLifecycle
import Testing
import TokenConfig
import TokenModel

@Suite("The demo configuration and the in-process API")
struct ConfigurationTests {
    @Test("the configuration lists every demo client, pointing at the running servers")
    func configuration() async throws {
        try await withDemo { demo in
            let configuration = demo.configuration()
            #expect(configuration.sourcePath == nil)
            #expect(
                configuration.clients.map(\.name) == [
                    "mod-client", "short-lived", "wrong-secret", "no-mod-scope", "post-client", "jwt-client",
                ])
            for client in configuration.clients {
                #expect(client.issuerURI == demo.issuer)
                #expect(client.tokenURI == demo.tokenEndpoint)
                #expect(client.jwkSetURI == demo.jwksURI)
                #expect(client.introspectionURI == demo.introspectionEndpoint)
                #expect(client.revocationURI == demo.revocationEndpoint)
                #expect(client.resourceURI == demo.resourceURL)
            }
            #expect(configuration.client(named: "short-lived")?.refreshSkew == .seconds(10))
            #expect(configuration.client(named: "post-client")?.authenticationMethod == .clientSecretPost)
            #expect(configuration.client(named: "no-mod-scope")?.scopes == ["custom_read"])
            let jwtClient = try #require(configuration.client(named: "jwt-client"))
            #expect(jwtClient.authenticationMethod == .privateKeyJWT)
            #expect(jwtClient.clientSecret == .none)
            #expect(FileManager.default.fileExists(atPath: jwtClient.privateKeyFile ?? ""))
            let real = demo.client("wrong-secret").secret!
            #expect(configuration.client(named: "wrong-secret")?.clientSecret != .inline(real))
            #expect(configuration.client(named: "mod-client")?.clientSecret == .inline(demo.client("mod-client").secret!))
        }
    }

    @Test("secrets and the admin token are new on every start")
    func freshSecrets() async throws {
        let first = try await withDemo { demo in (demo.client("mod-client").secret!, demo.adminToken) }
        let second = try await withDemo { demo in (demo.client("mod-client").secret!, demo.adminToken) }
        #expect(first.0 != second.0)
        #expect(first.1 != second.1)
    }

    @Test("the YAML configuration, read back, is the demo's configuration with the running servers' URLs")
    func yaml() async throws {
        try await withDemo { demo in
            let yaml = try demo.configurationYAML()
            let loaded = try ConfigurationLoader.parse(yaml: yaml, path: "demo.yaml", environment: [:]).configuration
            #expect(loaded.clients == demo.configuration().clients)
            let mod = try #require(loaded.client(named: "mod-client"))
            #expect(mod.issuerURI == demo.issuer)
            #expect(mod.clientSecret == .inline(demo.client("mod-client").secret!))
            #expect(mod.resourceURI == demo.resourceURL)
            #expect(loaded.client(named: "jwt-client")?.authenticationMethod == .privateKeyJWT)
            #expect(loaded.client(named: "jwt-client")?.privateKeyFile == demo.client("jwt-client").privateKeyFile)
            #expect(loaded.client(named: "short-lived")?.refreshSkew == .seconds(10))
            #expect(loaded.client(named: "no-mod-scope")?.scopes == ["custom_read"])
            #expect(yaml.hasPrefix("# tokentop configuration for the embedded demo servers"))
        }
    }

    @Test("a DPoP client is written with dpop: true, and read back as one")
    func dpopInYAML() async throws {
        try await withDemo(DemoServerOptions(clients: [DemoClientSpec.dpopClient])) { demo in
            #expect(demo.configuration().clients.first?.dpop == true)
            let loaded = try ConfigurationLoader.parse(yaml: try demo.configurationYAML(), path: "demo.yaml", environment: [:])
            #expect(loaded.configuration.clients.first?.dpop == true)
        }
    }

    @Test("tokentop's own OAuth client gets tokens for every demo client except the one with the wrong secret")
    func tokentopClientInterop() async throws {
        try await withDemo { demo in
            let transport = HTTPTransport()
            for configuration in demo.configuration().clients {
                let client = AuthorizationClient(
                    configuration: configuration, transport: transport,
                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
                do {
                    let token = try await client.requestToken()
                    #expect(configuration.name != "wrong-secret")
                    #expect(token.decoded.subject == configuration.clientID)
                } catch {
                    #expect(configuration.name == "wrong-secret", "\(configuration.name): \(error)")
                    #expect((error as? OAuthError)?.httpStatus == 401)
                }
            }
            await transport.shutdown()
        }
    }

    @Test("tokentop's own OAuth client finds every endpoint by discovery from the issuer alone")
    func discoveryInterop() async throws {
        try await withDemo { demo in
            let transport = HTTPTransport()
            let demoClient = demo.client("mod-client")
            let client = AuthorizationClient(
                configuration: ClientConfiguration(
                    name: "discovered", issuerURI: demo.issuer, clientID: demoClient.clientID,
                    clientSecret: .inline(demoClient.secret!), scopes: ["custom_mod"]),
                transport: transport, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            do {
                let endpoints = try await client.resolvedEndpoints()
                #expect(endpoints.token == demo.tokenEndpoint)
                #expect(endpoints.jwks == demo.jwksURI)
                #expect(endpoints.introspection == demo.introspectionEndpoint)
                #expect(endpoints.revocation == demo.revocationEndpoint)
                let token = try await client.requestToken()
                #expect(await client.verify(token.accessToken, receivedAt: token.issuedAt).status == .verified)
            } catch {
                Issue.record("discovery or the token request failed: \(error)")
            }
            await transport.shutdown()
        }
    }

    @Test("shutdown stops both servers and deletes the client key files")
    func shutdown() async throws {
        let demo = try await DemoEnvironment.start()
        let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
        #expect(FileManager.default.fileExists(atPath: keyFile))
        await demo.shutdown()
        #expect(!FileManager.default.fileExists(atPath: keyFile))
        // AsyncHTTPClient retries refused connections until the deadline, so keep it short.
        await #expect(throws: (any Error).self) { try await HTTP.get(demo.endpoints.metadataURL, timeout: .seconds(1)) }
        await #expect(throws: (any Error).self) { try await HTTP.get(demo.resourceURL, timeout: .seconds(1)) }
        await demo.shutdown()
    }

    @Test("prepare's services run in the caller's group: listening() once they listen; the group's stop removes the keys")
    func servicesInCallersGroup() async throws {
        let servers = try await DemoEnvironment.prepare()
        let group = ServiceGroup(services: servers.services, logger: DemoEnvironment.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let demo = try await servers.listening()
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            #expect(FileManager.default.fileExists(atPath: keyFile))
            #expect(try await HTTP.get(demo.endpoints.metadataURL).status == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: keyFile).deletingLastPathComponent().path))
        }
    }

    @Test("a port already in use is a readable error")
    func portInUse() async throws {
        try await withDemo { demo in
            let taken = demo.endpoints.authorizationBase.port!
            let error = await #expect(throws: DemoServerError.self) {
                try await DemoEnvironment.start(DemoServerOptions(authorizationPort: taken))
            }
            #expect(error?.isAddressInUse == true)
            #expect(error?.description.contains("authorization server could not listen on 127.0.0.1 port \(taken)") == true)
            #expect(error?.description.contains("the port is in use") == true)

            let resourceError = await #expect(throws: DemoServerError.self) {
                try await DemoEnvironment.start(DemoServerOptions(resourcePort: taken))
            }
            #expect(resourceError?.description.contains("resource server could not listen on 127.0.0.1 port \(taken)") == true)
        }
    }

    @Test("a clients file replaces the built-in set, and mistakes in it are named")
    func clientsFile() async throws {
        let json = #"""
            {"audience": "api://mod", "clients": [
              {"name": "fast", "method": "client_secret_post", "scope": "custom_mod", "token-lifetime": "45s", "refresh-skew": "15s"},
              {"name": "broken", "scope": ["custom_mod", "extra"], "wrong-secret": true}
            ]}
            """#
        let parsed = try DemoClientsFile.parse(Data(json.utf8), path: "demo.json")
        #expect(parsed.audience == "api://mod")
        #expect(
            parsed.clients == [
                DemoClientSpec(
                    name: "fast", method: .clientSecretPost, scopes: ["custom_mod"], tokenLifetime: .seconds(45),
                    refreshSkew: .seconds(15)),
                DemoClientSpec(name: "broken", scopes: ["custom_mod", "extra"], configuredWithWrongSecret: true),
            ])
        let bad = [
            #"{"clients": [{"name": "x", "scope": "a", "method": "magic"}]}"#,
            #"{"clients": [{"name": "x", "scope": "a", "token-lifetime": "soon"}]}"#,
            #"{"clients": [{"scope": "a"}]}"#,
            #"clients: []"#,
        ]
        for text in bad {
            #expect(throws: DemoServerError.self) { try DemoClientsFile.parse(Data(text.utf8), path: "demo.json") }
        }
        let error = #expect(throws: DemoServerError.self) {
            try DemoClientsFile.parse(Data(bad[0].utf8), path: "demo.json")
        }
        #expect(error?.description.contains("demo.json") == true)
        #expect(error?.description.contains("client_secret_post") == true)
    }

    @Test(
        "client names that could inject YAML are refused when the clients file loads",
        arguments: [
            "evil\nclient-secret: x", "a: b", "#comment", "\"quoted\"", "{flow}", "with space", "",
            String(repeating: "a", count: 65),
        ])
    func hostileNames(name: String) throws {
        let file = try JSONSerialization.data(withJSONObject: ["clients": [["name": name, "scope": "custom_mod"]]])
        let error = #expect(throws: DemoServerError.self) { try DemoClientsFile.parse(file, path: "demo.json") }
        #expect(error?.description.contains("may hold only letters, digits") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test("names given through the API are written as quoted, escaped YAML keys")
    func namesThroughTheAPI() async throws {
        let printable = [
            DemoClientSpec(name: "svc.orders_v2-prod", scopes: ["custom_mod"]),
            DemoClientSpec(name: "a: {b} #c", scopes: ["custom_mod"]),
        ]
        try await withDemo(DemoServerOptions(clients: printable)) { demo in
            let yaml = try demo.configurationYAML()
            #expect(yaml.contains("  \'a: {b} #c\':") || yaml.contains("  \"a: {b} #c\":"))
            let loaded = try ConfigurationLoader.parse(yaml: yaml, path: "demo.yaml", environment: [:])
            #expect(loaded.configuration.clients.map(\.name) == printable.map(\.name))
        }
        let injected = [DemoClientSpec(name: "a\nclient-secret: injected", scopes: ["custom_mod"])]
        try await withDemo(DemoServerOptions(clients: injected)) { demo in
            let yaml = try demo.configurationYAML()
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(!lines.contains { $0.hasPrefix("client-secret") })
            // Read back, the newline is inside one key, which the configuration refuses as a name.
            let error = #expect(throws: (any Error).self) {
                try ConfigurationLoader.parse(yaml: yaml, path: "demo.yaml", environment: [:])
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("name must be printable"))
        }
    }

    @Test("durations in the clients file are TokenModel's: 1h30m works, a huge lifetime is a clear error, never a trap")
    func clientsFileDurations() throws {
        let ninety = #"{"clients": [{"name": "x", "scope": "a", "token-lifetime": "1h30m", "refresh-skew": "1m30s"}]}"#
        let parsed = try DemoClientsFile.parse(Data(ninety.utf8), path: "demo.json")
        #expect(parsed.clients.first?.tokenLifetime == .seconds(5400))
        #expect(parsed.clients.first?.refreshSkew == .seconds(90))
        for lifetime in ["1e300s", "99999999999999h", "1000000000000000000000000s", "-5s", "0s"] {
            let text = #"{"clients": [{"name": "x", "scope": "a", "token-lifetime": "\#(lifetime)"}]}"#
            let error = #expect(throws: DemoServerError.self, "\(lifetime)") {
                try DemoClientsFile.parse(Data(text.utf8), path: "demo.json")
            }
            #expect(error?.description.contains("from 1s to 100 years") == true, "\(lifetime)")
        }
    }

    @Test("absurd durations given through the API are refused before anything starts")
    func absurdOptions() async throws {
        let century = Duration.longestConfigurable
        let cases: [DemoServerOptions] = [
            DemoServerOptions(faults: DemoFaults(latency: .seconds(61))),
            DemoServerOptions(faults: DemoFaults(latency: .seconds(-1))),
            DemoServerOptions(faults: DemoFaults(rotateKeysEvery: century + .seconds(1))),
            DemoServerOptions(faults: DemoFaults(rotateKeysEvery: .milliseconds(10))),
            DemoServerOptions(clients: [DemoClientSpec(name: "x", scopes: ["s"], tokenLifetime: century * 2)]),
            DemoServerOptions(authorizationPort: 65536),
        ]
        for options in cases {
            await #expect(throws: DemoServerError.self) { try await DemoEnvironment.start(options) }
        }
        // A century is allowed, and the token it gets is dated without overflow.
        try await withDemo(
            DemoServerOptions(clients: [DemoClientSpec(name: "x", scopes: ["custom_mod"], tokenLifetime: century)])
        ) { demo in
            let token = try await demo.token(for: "x")
            let claims = jwtParts(token).claims
            let iat = try #require(claims["iat"] as? Int)
            #expect(claims["exp"] as? Int == iat + century.wholeSeconds)
        }
    }
}
