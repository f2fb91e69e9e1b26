import DemoServer
import Foundation
import Testing
import TokenConfig
import TokenModel

@testable import OAuthClient

/// Servers disagree about a client assertion's `aud`; tokentop's default satisfies both kinds,
/// and the setting picks one for servers that want exactly one value.
@Suite("private_key_jwt against both kinds of server")
struct AssertionAudienceTests {
    /// Introspection and revocation as `jwt-client` (private_key_jwt) on a demo whose
    /// authorization server checks `aud` by `policy`; the error of each, or nil.
    func introspectAndRevoke(
        policy: AssertionAudiencePolicy, setting: TokenConfig.ClientAssertionAudience?
    ) async throws -> [OAuthError?] {
        let demo = try await DemoEnvironment.start(DemoServerOptions(assertionAudience: policy))
        let transport = HTTPTransport(environment: [:])
        var configuration = try #require(demo.configuration().client(named: "jwt-client"))
        configuration.clientAssertionAudience = setting
        let client = AuthorizationClient(configuration: configuration, transport: transport)
        var errors: [OAuthError?] = []
        do {
            let token = try await client.requestToken()
            do {
                _ = try await client.introspect(token.accessToken)
                errors.append(nil)
            } catch { errors.append(error) }
            do {
                try await client.revoke(token.accessToken)
                errors.append(nil)
            } catch { errors.append(error) }
        } catch {
            errors.append(error)
        }
        await transport.shutdown()
        await demo.shutdown()
        return errors
    }

    @Test(
        "by default the assertion names the called endpoint and the token endpoint: both kinds accept it",
        arguments: [AssertionAudiencePolicy.tokenEndpoint, .calledEndpoint])
    func defaultSatisfiesBoth(policy: AssertionAudiencePolicy) async throws {
        let errors = try await introspectAndRevoke(policy: policy, setting: nil)
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
    }

    @Test("a server that wants only the token endpoint refuses the called endpoint, and the error names aud and the setting")
    func strictServerExplained() async throws {
        let errors = try await introspectAndRevoke(policy: .tokenEndpoint, setting: .endpoint)
        let introspection = try #require(errors.first ?? nil)
        #expect(introspection.oauthCode == .invalidClient)
        #expect(introspection.description.contains("client-assertion-audience"))
        #expect(introspection.description.contains("/v1/introspect"))
    }

    @Test("client-assertion-audience: token-endpoint satisfies the strict server; endpoint satisfies the other")
    func settingPicksOne() async throws {
        #expect(try await introspectAndRevoke(policy: .tokenEndpoint, setting: .tokenEndpoint).allSatisfy { $0 == nil })
        #expect(try await introspectAndRevoke(policy: .calledEndpoint, setting: .endpoint).allSatisfy { $0 == nil })
    }

    @Test("the audiences sent for each setting")
    func audiences() {
        let token = URL(string: "https://as.example/oauth2/v1/token")!
        let introspect = URL(string: "https://as.example/oauth2/v1/introspect")!
        func audiences(_ setting: TokenConfig.ClientAssertionAudience?) -> [String] {
            ClientAuthenticator.assertionAudiences(
                setting, calling: introspect, tokenEndpoint: token, issuer: "https://as.example/oauth2")
        }
        #expect(audiences(nil) == [introspect.absoluteString, token.absoluteString])
        #expect(
            ClientAuthenticator.assertionAudiences(nil, calling: token, tokenEndpoint: token, issuer: nil) == [
                token.absoluteString
            ])
        #expect(audiences(.endpoint) == [introspect.absoluteString])
        #expect(audiences(.tokenEndpoint) == [token.absoluteString])
        #expect(audiences(.issuer) == ["https://as.example/oauth2"])
        #expect(audiences(.url(URL(string: "https://other/")!)) == ["https://other/"])
    }
}
