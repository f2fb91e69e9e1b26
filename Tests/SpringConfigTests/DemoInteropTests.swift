import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenConfig

@testable import SpringConfig

@Suite("The tutorial's Spring files against the embedded demo")
struct DemoInteropTests {
    /// The tutorial's two files, exactly, with the demo's values put in place of Okta's.
    func tutorialFiles(_ demo: DemoEnvironment, client: DemoClient) throws -> [String: String] {
        var files: [String: String] = [:]
        var base = demo.resourceURL.absoluteString
        base.removeLast("/mod".count)
        let substitutions = [
            ("0oabcd12yz2EpHuis75s3", client.clientID),
            ("https://dev-123.okta.com/oauth2/default/v1/introspect", demo.introspectionEndpoint.absoluteString),
            ("https://dev-123.okta.com/oauth2/default/v1/token", demo.tokenEndpoint.absoluteString),
            ("http://localhost:8080", base),
        ]
        for name in ["mod/application.yml", "client/application.yml"] {
            var text = try String(contentsOfFile: fixture("tutorial/" + name), encoding: .utf8)
            for (from, to) in substitutions { text = text.replacingOccurrences(of: from, with: to) }
            files[name] = text
        }
        return files
    }

    @Test("imported with --resource-path /mod, the client gets a token, an active introspection, and 200 from /mod")
    func tutorialAgainstDemo() async throws {
        let demo = try await DemoEnvironment.start(DemoServerOptions())
        do {
            let modClient = try #require(demo.clients.first { $0.name == "mod-client" })
            #expect(modClient.method == .clientSecretBasic)
            try await withSpringFiles(try tutorialFiles(demo, client: modClient)) { folder in
                let environment = ["OKTA_CLIENT_SECRET": try #require(modClient.secret)]
                let imported = try SpringImport.load(
                    paths: [folder + "/mod/application.yml", folder + "/client/application.yml"], profiles: [],
                    resourcePath: "/mod", environment: environment)
                #expect(imported.configuration.clients.count == 1)
                let configuration = try #require(imported.configuration.clients.first)
                #expect(configuration.resourceURI == demo.resourceURL)

                let transport = HTTPTransport(environment: [:])
                let client = AuthorizationClient(configuration: configuration, transport: transport)
                do {
                    let token = try await client.requestToken()
                    #expect(token.scopes == [DemoClientSpec.modScope])
                    let introspection = try await client.introspect(token.accessToken)
                    #expect(introspection.active)
                    let resource = await client.callResource(token.accessToken)
                    #expect(resource?.status == 200)
                } catch {
                    await transport.shutdown()
                    throw error
                }
                await transport.shutdown()

                // The written form, reloaded by tokentop's own loader, describes the same client.
                let yaml = try imported.configurationYAML()
                #expect(!yaml.contains(modClient.secret!))
                let reloaded = try ConfigurationLoader.parse(yaml: yaml, path: "tokentop.yaml", environment: environment)
                #expect(reloaded.warnings.isEmpty)
                #expect(reloaded.configuration.clients.first?.clientSecret == .inline(modClient.secret!))
            }
        } catch {
            await demo.shutdown()
            throw error
        }
        await demo.shutdown()
    }

    @Test("the demo's clients rendered as a Spring Boot 3 application.yml import back as the same clients")
    func springApplicationYAMLRoundTrip() async throws {
        let demo = try await DemoEnvironment.start(DemoServerOptions())
        do {
            let configuration = demo.configuration()
            let yaml = try SpringApplicationYAML.render(configuration, comment: ["the embedded demo's clients"])
            #expect(yaml.hasPrefix("# the embedded demo's clients\n"))
            #expect(yaml.contains("# left out jwt-client: private_key_jwt needs a signing key"))
            try await withSpringFiles(["application.yml": yaml]) { folder in
                let imported = try SpringImport.load(paths: [folder + "/application.yml"], environment: [:])
                let expected = configuration.clients.filter { $0.authenticationMethod != .privateKeyJWT }
                #expect(imported.clients.map(\.name) == expected.map(\.name))
                for (read, original) in zip(imported.configuration.clients, expected) {
                    #expect(read.clientID == original.clientID)
                    #expect(read.clientSecret == original.clientSecret)
                    #expect(read.authenticationMethod == original.authenticationMethod)
                    #expect(read.scopes == original.scopes)
                    #expect(read.issuerURI == original.issuerURI)
                    #expect(read.tokenURI == original.tokenURI)
                    #expect(read.jwkSetURI == original.jwkSetURI)
                }
                let modClient = try #require(imported.configuration.client(named: "mod-client"))
                let transport = HTTPTransport(environment: [:])
                let token = try? await AuthorizationClient(configuration: modClient, transport: transport).requestToken()
                await transport.shutdown()
                #expect(token != nil)
            }
        } catch {
            await demo.shutdown()
            throw error
        }
        await demo.shutdown()
    }
}
