import Foundation
import Testing
import TokenConfig

@testable import SpringConfig

@Suite("Writing tokentop clients as a Spring Boot 3 application.yml")
struct SpringApplicationYAMLTests {
    @Test("registrations and providers, with clients Spring properties cannot describe left out and named")
    func render() async throws {
        let configuration = TokentopConfiguration(clients: [
            ClientConfiguration(
                name: "mod-client", issuerURI: URL(string: "https://dev-123.okta.com/oauth2/default"),
                jwkSetURI: URL(string: "https://dev-123.okta.com/oauth2/default/v1/keys"), clientID: "0oa1",
                clientSecret: .inline("s: #1"), authenticationMethod: .clientSecretPost, scopes: ["custom_mod", "true"]),
            ClientConfiguration(
                name: "from-command", tokenURI: URL(string: "https://auth.example.com/token"), clientID: "c",
                clientSecret: .command("pass show c")),
        ])
        let yaml = try SpringApplicationYAML.render(configuration, comment: ["for the mod service"])
        #expect(
            yaml == """
                # for the mod service
                # left out from-command: its secret comes from client-secret-command, which Spring properties cannot name
                spring:
                  security:
                    oauth2:
                      client:
                        registration:
                          mod-client:
                            client-id: 0oa1
                            client-secret: 's: #1'
                            client-authentication-method: client_secret_post
                            authorization-grant-type: client_credentials
                            scope:
                            - custom_mod
                            - 'true'
                            provider: mod-client
                        provider:
                          mod-client:
                            issuer-uri: https://dev-123.okta.com/oauth2/default
                            jwk-set-uri: https://dev-123.okta.com/oauth2/default/v1/keys

                """)
        try await withSpringFiles(["application.yml": yaml]) { folder in
            let imported = try SpringImport.load(paths: [folder], environment: [:])
            let client = try #require(imported.configuration.clients.first)
            #expect(imported.configuration.clients.count == 1)
            #expect(client.clientSecret == .inline("s: #1"))
            #expect(client.scopes == ["custom_mod", "true"])
            #expect(client.authenticationMethod == .clientSecretPost)
        }
    }
}
