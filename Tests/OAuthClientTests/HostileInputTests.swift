import Foundation
import NIOHTTP1
import ProtocolSupport
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import OAuthClient

/// Inputs found by trying hostile servers: each used to crash or mislead; none may any more.
@Suite("Hostile and broken servers")
struct HostileInputTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func parse(_ json: String) throws(OAuthError) -> IssuedToken {
        try TokenResponseParser.parseSuccess(Data(json.utf8), issuedAt: now, endpoint: "http://127.0.0.1/token")
    }

    func jwt(claims: String) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"RS256","kid":"k1"}"#.utf8))
        return "\(header).\(Base64URL.encode(Data(claims.utf8))).c2ln"
    }

    @Test("a JWT with no expires_in whose exp is 1e300 is clamped to a year, not a crash")
    func hugeExp() throws {
        let token = try parse(#"{"access_token":"\#(jwt(claims: #"{"exp":1e300}"#))","token_type":"Bearer"}"#)
        #expect(token.expiresAt == now.addingTimeInterval(366 * 86400))
    }

    @Test("an exp of \"NaN\" or \"inf\" is refused as an invalid response", arguments: [#""NaN""#, #""inf""#, #""-inf""#])
    func nonFiniteExp(exp: String) {
        let error = #expect(throws: OAuthError.self) {
            try parse(#"{"access_token":"\#(jwt(claims: #"{"exp":\#(exp)}"#))","token_type":"Bearer"}"#)
        }
        #expect(error?.kind == .invalidResponse)
        #expect(error?.reason.contains("exp") == true)
    }

    @Test(
        "expires_in of 1e-300, 0, a negative number or NaN is refused, never an ok token",
        arguments: [
            "1e-300", "0", "-5", #""NaN""#, #""soon""#,
        ])
    func deadOnArrival(expiresIn: String) {
        let error = #expect(throws: OAuthError.self) {
            try parse(#"{"access_token":"abcdef","token_type":"Bearer","expires_in":\#(expiresIn)}"#)
        }
        #expect(error?.kind == .invalidResponse)
    }

    @Test("a JWT already expired on arrival is refused with the reason")
    func expiredJWT() {
        let error = #expect(throws: OAuthError.self) {
            try parse(#"{"access_token":"\#(jwt(claims: #"{"exp":1799999000}"#))","token_type":"Bearer"}"#)
        }
        #expect(error?.reason.contains("already expired on arrival") == true)
    }

    @Test("an HTML page whose lower-cased text is longer than itself is summarised, not a crash")
    func titleLongerWhenLowercased() {
        let page = String(repeating: "İ", count: 300) + "<TITLE>Gateway down</TITLE>"
        let summary = BodySummary.describe(Data(page.utf8), contentType: "text/html")
        #expect(summary == #"HTML page "Gateway down""#)
        let mixed = "<!DOCTYPE html><html><head><Title>İİİ 502</tItLe>"
        #expect(BodySummary.describe(Data(mixed.utf8), contentType: nil) == #"HTML page "İİİ 502""#)
    }

    @Test("an empty or unreadable Retry-After is ignored, not read as an hour", arguments: ["", "   ", "soon", "-1", "1.5"])
    func emptyRetryAfter(value: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: value)
        let response = ReceivedResponse(status: 503, headers: headers, body: Data(), latency: .zero)
        #expect(response.retryAfter(now: now) == nil)
    }

    @Test("claims with numbers beyond Int64 are printed, and time claims out of range are not dates")
    func hugeClaimNumbers() {
        #expect(JSONValue.numberText(1e300) == "1e+300")
        #expect(JSONValue.numberText(18_446_744_073_709_551_616) == "1.8446744073709552e+19")
        #expect(JSONValue.numberText(1_800_000_000) == "1800000000")
        #expect(JSONValue.number(1e300).timestampValue == nil)
        #expect(JSONValue.number(.nan).timestampValue == nil)
        #expect(TimeText.dateTime(Date(timeIntervalSince1970: 1e300)) == "9999-12-31 23:59:59")
        #expect(TimeText.relative(Date(timeIntervalSince1970: -1e300), now: now).hasSuffix("ago"))
    }
}

@Suite("An API that echoes the token")
struct EchoedTokenTests {
    @Test("the token an API echoes in its body or challenge is masked before anyone sees it")
    func echoedTokenMasked() async throws {
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtb2QifQ.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
        let server = try await ScriptedServer.start { request in
            .init(
                status: .unauthorized,
                headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"bad \(token)\"")],
                body: "you sent: \(request.headers["authorization"] ?? "")")
        }
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: ClientConfiguration(
                name: "c", tokenURI: server.baseURL.appendingPathComponent("token"), clientID: "id",
                clientSecret: .inline("secret"), resourceURI: server.baseURL.appendingPathComponent("mod")),
            transport: transport)
        let answer = try #require(await client.callResource(token))
        await transport.shutdown()
        await server.stop()
        #expect(answer.status == 401)
        #expect(!answer.bodyExcerpt.contains(token))
        #expect(answer.bodyExcerpt.contains(Redaction.mask(token)))
        #expect(answer.wwwAuthenticate?.contains(token) == false)
    }
}

/// Failures named for what they are, and at once rather than at the deadline.
@Suite("Network failures are classified")
struct NetworkFailureTests {
    /// The error a token request to `tokenURI` ends with.
    func failure(of tokenURI: String) async throws -> OAuthError {
        let transport = HTTPTransport(environment: [:])
        let client = AuthorizationClient(
            configuration: ClientConfiguration(
                name: "c", tokenURI: URL(string: tokenURI), clientID: "id", clientSecret: .inline("secret"),
                allowInsecureHTTP: true),
            transport: transport)
        let error = await #expect(throws: OAuthError.self) { try await client.requestToken() }
        await transport.shutdown()
        return try #require(error)
    }

    @Test("a refused connection is reported as refused, not as a timeout")
    func refused() async throws {
        let port = try LoopbackPort.unused()
        let error = try await failure(of: "http://127.0.0.1:\(port)/token")
        #expect(error.kind == .connectionRefused)
        #expect(error.description.contains("refused"))
    }

    @Test("a name that does not resolve is a DNS failure")
    func dns() async throws {
        let error = try await failure(of: "http://tokentop-test.invalid/token")
        #expect(error.kind == .dnsFailure)
    }

    @Test("TLS to a server that speaks plain HTTP is a TLS failure")
    func tls() async throws {
        let server = try await ScriptedServer.start { _ in .init(status: .ok, body: "{}") }
        let port = server.baseURL.port!
        let error = try await failure(of: "https://127.0.0.1:\(port)/token")
        await server.stop()
        #expect(error.kind == .tlsFailure)
    }
}
