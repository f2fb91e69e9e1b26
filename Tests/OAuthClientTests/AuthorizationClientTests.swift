import Foundation
import ProtocolSupport
import Synchronization
import Testing
import TokenConfig
import TokenModel

@testable import OAuthClient

@Suite("Talking to a real HTTP server on loopback")
struct AuthorizationClientTests {
    static let tokenBody =
        #"{"access_token":"opaque-token-value-0123456789","token_type":"Bearer","expires_in":300,"scope":"custom_mod"}"#

    func configuration(_ server: ScriptedServer, _ edit: (inout ClientConfiguration) -> Void = { _ in }) -> ClientConfiguration {
        var configuration = ClientConfiguration(
            name: "mod-client", tokenURI: server.baseURL.appendingPathComponent("token"), clientID: "mod client",
            clientSecret: .inline("s3:cr+t/=%"), scopes: ["custom_mod", "extra"], audience: "api://default",
            // Generous: a loaded machine (the whole suite at once) must not turn an answer into a timeout.
            timeout: .seconds(10))
        edit(&configuration)
        return configuration
    }

    @Test("client_secret_basic form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)")
    func basicEncoding() {
        let header = ClientAuthenticator.basicAuthorization(id: "mod client", secret: "s3:cr+t/=%", encoding: .formURLEncoded)
        let decoded = String(decoding: Data(base64Encoded: String(header.dropFirst(6)))!, as: UTF8.self)
        #expect(decoded == "mod+client:s3%3Acr%2Bt%2F%3D%25")
        let raw = ClientAuthenticator.basicAuthorization(id: "mod client", secret: "s3:cr+t/=%", encoding: .raw)
        #expect(String(decoding: Data(base64Encoded: String(raw.dropFirst(6)))!, as: UTF8.self) == "mod client:s3:cr+t/=%")
    }

    @Test("a token request sends the grant, scope, audience and Basic credentials")
    func tokenRequestWithBasic() async throws {
        let server = try await ScriptedServer.start { _ in .init(body: Self.tokenBody) }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(configuration: configuration(server), transport: transport)
        let token = try await client.requestToken()
        #expect(token.accessToken == "opaque-token-value-0123456789")
        #expect(token.decoded.format == .opaque)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        let form = try FormEncoding.parameters(Data(request.body.utf8))
        #expect(form["grant_type"] == "client_credentials")
        #expect(form["scope"] == "custom_mod extra")
        #expect(form["audience"] == "api://default")
        #expect(form["client_secret"] == nil)
        #expect(request.headers["authorization"] == "Basic bW9kK2NsaWVudDpzMyUzQWNyJTJCdCUyRiUzRCUyNQ==")
        await transport.shutdown()
        await server.stop()
    }

    @Test("client_secret_post puts the credentials in the form, not a header")
    func tokenRequestWithPost() async throws {
        let server = try await ScriptedServer.start { _ in .init(body: Self.tokenBody) }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: configuration(server) { $0.authenticationMethod = .clientSecretPost }, transport: transport)
        _ = try await client.requestToken()
        let request = try #require(server.requests.first)
        let form = try FormEncoding.parameters(Data(request.body.utf8))
        #expect(form["client_id"] == "mod client")
        #expect(form["client_secret"] == "s3:cr+t/=%")
        #expect(request.headers["authorization"] == nil)
        await transport.shutdown()
        await server.stop()
    }

    /// Asks a server that answers with `answer` for a token; returns the error it failed with
    /// and the requests the server saw.
    func tokenFailure(
        edit: (inout ClientConfiguration) -> Void = { _ in },
        _ answer: @escaping @Sendable (ScriptedServer.Seen) -> ScriptedServer.Answer
    ) async throws -> (error: OAuthError, seen: [ScriptedServer.Seen]) {
        let server = try await ScriptedServer.start(answer)
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(configuration: configuration(server, edit), transport: transport)
        let error = await #expect(throws: OAuthError.self) { try await client.requestToken() }
        await transport.shutdown()
        await server.stop()
        return (try #require(error), server.requests)
    }

    @Test("a redirect from the token endpoint is refused, never followed")
    func redirectRefused() async throws {
        let (error, seen) = try await tokenFailure { request in
            request.path == "/token"
                ? .init(status: .found, headers: [("Location", "http://127.0.0.1:9/steal")]) : .init(body: Self.tokenBody)
        }
        #expect(error.code == "redirect_refused")
        #expect(error.description.contains("http://127.0.0.1:9/steal"))
        #expect(seen.allSatisfy { $0.path == "/token" })
    }

    @Test("a body over 1 MiB is refused with a clear error")
    func bodyCap() async throws {
        let (error, _) = try await tokenFailure { _ in .init(fillerBytes: HTTPTransport.maximumBodySize + 1) }
        #expect(error.code == "body_too_large")
        #expect(error.description.contains("larger than 1024 KiB"))
    }

    @Test("a server that never answers times out after the client's timeout")
    func timeout() async throws {
        let (error, _) = try await tokenFailure(edit: { $0.timeout = .milliseconds(300) }) { _ in
            .init(body: Self.tokenBody, delay: .seconds(5))
        }
        #expect(error.code == "timeout")
        #expect(error.description.contains("no answer within 300ms"))
    }

    @Test("plain http to a host that is not loopback is refused unless allowed")
    func insecureHTTP() async throws {
        let transport = HTTPTransport(environment: [:])
        var configuration = ClientConfiguration(
            name: "remote", tokenURI: URL(string: "http://auth.example.invalid/token"), clientID: "id",
            clientSecret: .inline("secret"), timeout: .seconds(2))
        let refused = await #expect(throws: OAuthError.self) {
            try await AuthorizationClient(configuration: configuration, transport: transport).requestToken()
        }
        #expect(refused?.code == "insecure_transport")
        #expect(refused?.description.contains("allow-insecure-http") == true)

        // Allowed, the request gets as far as the network (where this name cannot resolve).
        configuration.allowInsecureHTTP = true
        let attempted = await #expect(throws: OAuthError.self) {
            try await AuthorizationClient(configuration: configuration, transport: transport).requestToken()
        }
        #expect(attempted?.code != "insecure_transport")
        await transport.shutdown()
    }

    @Test("a secret the server echoes back is masked in the error")
    func echoedSecretMasked() async throws {
        let (error, _) = try await tokenFailure(edit: { $0.authenticationMethod = .clientSecretPost }) { request in
            let form = try? FormEncoding.parameters(Data(request.body.utf8))
            let echoed = form?["client_secret"] ?? ""
            return .init(
                status: .unauthorized,
                body: #"{"error":"invalid_client","error_description":"secret \#(echoed) is wrong"}"#)
        }
        #expect(error.code == "invalid_client")
        #expect(!error.description.contains("s3:cr+t/=%"))
        #expect(error.description.contains("secret •••• is wrong"))
    }

    @Test("discovery inserts the well-known path after the host (RFC 8414 §3.1) and checks the issuer")
    func discovery() async throws {
        let portBox = PortBox()
        let server = try await ScriptedServer.start { request in
            let base = "http://127.0.0.1:\(portBox.port)"
            switch request.path {
            case "/.well-known/oauth-authorization-server/oauth2/default":
                return .init(
                    body:
                        #"{"issuer":"\#(base)/oauth2/default","token_endpoint":"\#(base)/oauth2/default/v1/token","jwks_uri":"\#(base)/oauth2/default/v1/keys","grant_types_supported":["authorization_code"]}"#
                )
            case "/oauth2/default/v1/token":
                return .init(body: Self.tokenBody)
            default:
                return .init(status: .notFound)
            }
        }
        portBox.port = server.port
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: configuration(server) {
                $0.tokenURI = nil
                $0.issuerURI = server.baseURL.appendingPathComponent("oauth2/default")
            }, transport: transport)
        let endpoints = try await client.resolvedEndpoints()
        #expect(endpoints.token.path == "/oauth2/default/v1/token")
        #expect(endpoints.jwks?.path == "/oauth2/default/v1/keys")
        #expect(await client.warnings.first?.contains("does not list client_credentials") == true)
        _ = try await client.requestToken()
        await transport.shutdown()
        await server.stop()
    }

    @Test("discovery refuses metadata whose issuer does not match issuer-uri")
    func issuerMismatch() async throws {
        let (error, _) = try await tokenFailure(edit: {
            $0.issuerURI = $0.tokenURI?.deletingLastPathComponent().appendingPathComponent("oauth2/default")
            $0.tokenURI = nil
        }) { request in
            request.path.contains("well-known")
                ? .init(body: #"{"issuer":"https://evil.example.com","token_endpoint":"https://evil.example.com/token"}"#)
                : .init(status: .notFound)
        }
        #expect(error.code == "discovery_failed")
        #expect(error.description.contains("must match"))
    }

    @Test("resource calls follow same-origin redirects and never carry the token to another origin")
    func resourceRedirects() async throws {
        let other = try await ScriptedServer.start { _ in .init(body: "stolen") }
        let server = try await ScriptedServer.start { request in
            switch request.path {
            case "/mod": return .init(status: .temporaryRedirect, headers: [("Location", "/mod2")])
            case "/mod2": return .init(headers: [("Content-Type", "text/plain")], body: "The message of the day is boring")
            default: return .init(status: .found, headers: [("Location", "http://127.0.0.1:\(other.port)/mod")])
            }
        }
        let transport = HTTPTransport(environment: [:])
        let same = AuthorizationClient(
            configuration: configuration(server) { $0.resourceURI = server.baseURL.appendingPathComponent("mod") },
            transport: transport)
        let answer = try #require(await same.callResource("the-token"))
        #expect(answer.status == 200)
        #expect(answer.bodyExcerpt == "The message of the day is boring")
        #expect(server.requests.last?.headers["authorization"] == "Bearer the-token")

        let cross = AuthorizationClient(
            configuration: configuration(server) { $0.resourceURI = server.baseURL.appendingPathComponent("elsewhere") },
            transport: transport)
        let refused = try #require(await cross.callResource("the-token"))
        #expect(refused.failure?.kind == .redirectRefused)
        #expect(refused.failure?.description.contains("not followed") == true)
        #expect(other.requests.isEmpty)
        await transport.shutdown()
        await server.stop()
        await other.stop()
    }

    @Test("a hostile resource body is stripped of escape sequences")
    func hostileBody() async throws {
        let server = try await ScriptedServer.start { _ in
            .init(headers: [("Content-Type", "text/plain")], body: "ok\u{1B}[2J\u{1B}]52;c;ZXZpbA==\u{07}\u{9B}31mdone")
        }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: configuration(server) { $0.resourceURI = server.baseURL.appendingPathComponent("mod") },
            transport: transport)
        let answer = try #require(await client.callResource("t"))
        #expect(answer.bodyExcerpt == "okdone")
        await transport.shutdown()
        await server.stop()
    }
}

/// Lets a server's answers name its own port, known only once it is listening.
final class PortBox: Sendable {
    private let value = Mutex(0)
    var port: Int {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
