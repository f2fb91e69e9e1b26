import Foundation
import NIOHTTP1
import ProtocolSupport
import Testing
import TokenModel

@testable import OAuthClient

@Suite("Reading token responses as real servers send them")
struct TokenResponseParserTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func parse(_ json: String) throws -> IssuedToken {
        try TokenResponseParser.parseSuccess(Data(json.utf8), issuedAt: now, endpoint: "http://127.0.0.1/token")
    }

    @Test("expires_in as a number sets the expiry")
    func numericExpiry() throws {
        let token = try parse(#"{"access_token":"abc","token_type":"Bearer","expires_in":3600,"scope":"a b"}"#)
        #expect(token.expiresAt == now.addingTimeInterval(3600))
        #expect(token.scopes == ["a", "b"])
    }

    @Test("expires_in as a numeric string is accepted (Azure AD v1 sends strings)")
    func stringExpiry() throws {
        let token = try parse(#"{"access_token":"abc","token_type":"bearer","expires_in":"599"}"#)
        #expect(token.expiresAt == now.addingTimeInterval(599))
    }

    @Test("token_type is accepted in any case")
    func tokenTypeCase() throws {
        #expect(try parse(#"{"access_token":"abc","token_type":"BEARER"}"#).tokenType == "BEARER")
        #expect(throws: OAuthError.self) { try parse(#"{"access_token":"abc","token_type":"mac"}"#) }
    }

    @Test("without expires_in the JWT's exp gives the expiry, else it is unknown")
    func missingExpiry() throws {
        let claims = Base64URL.encode(Data(#"{"exp":1800000300,"scp":["custom_mod"]}"#.utf8))
        let header = Base64URL.encode(Data(#"{"alg":"RS256","kid":"k1"}"#.utf8))
        let jwt = "\(header).\(claims).c2ln"
        let token = try parse(#"{"access_token":"\#(jwt)","token_type":"Bearer"}"#)
        #expect(token.expiresAt == Date(timeIntervalSince1970: 1_800_000_300))
        #expect(token.scopes == ["custom_mod"])
        #expect(try parse(#"{"access_token":"opaque-value","token_type":"Bearer"}"#).expiresAt == nil)
    }

    @Test("extra fields such as ext_expires_in and refresh_in are kept")
    func extraFields() throws {
        let token = try parse(
            #"{"access_token":"abc","token_type":"Bearer","expires_in":3600,"ext_expires_in":7200,"refresh_in":1800}"#)
        #expect(token.extraFields["ext_expires_in"] == .number(7200))
        #expect(token.refreshIn == .seconds(1800))
    }

    @Test("a body that is not JSON, or has no access_token, is an invalid response that says so")
    func invalidBodies() {
        #expect(throws: OAuthError.self) { try parse("<html>login</html>") }
        let error = #expect(throws: OAuthError.self) { try parse(#"{"token_type":"Bearer"}"#) }
        #expect(error?.description.contains("no access_token") == true)
    }

    func response(_ status: Int, _ body: String, headers: [(String, String)] = []) -> ReceivedResponse {
        ReceivedResponse(status: status, headers: HTTPHeaders(headers), body: Data(body.utf8), latency: .zero)
    }

    @Test("RFC 6749 §5.2 errors keep error, error_description and error_uri")
    func standardError() {
        let error = TokenResponseParser.parseError(
            response(
                401,
                #"{"error":"invalid_client","error_description":"Client authentication failed","error_uri":"https://x/e"}"#),
            endpoint: "http://127.0.0.1/token", now: now)
        #expect(error.code == "invalid_client")
        #expect(error.httpStatus == 401)
        #expect(error.needsOperator)
        #expect(
            error.description
                == "HTTP 401 invalid_client: Client authentication failed (see https://x/e) at http://127.0.0.1/token")
    }

    @Test("non-standard error codes are shown as they are")
    func nonStandardCode() {
        let error = TokenResponseParser.parseError(
            response(400, #"{"error":"AADSTS7000215","error_description":"Invalid client secret provided."}"#),
            endpoint: nil, now: now)
        #expect(error.code == "AADSTS7000215")
        #expect(!error.needsOperator)
    }

    @Test("an empty 403 or an HTML error page is summarised with its status")
    func summarisedErrors() {
        let bare = TokenResponseParser.parseError(response(403, ""), endpoint: nil, now: now)
        #expect(bare.code == "http_error")
        #expect(bare.description == "HTTP 403 Forbidden, empty body")
        let html = TokenResponseParser.parseError(
            response(
                502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                headers: [("Content-Type", "text/html")]),
            endpoint: nil, now: now)
        #expect(html.description == "HTTP 502 Bad Gateway, HTML page \"502 Bad Gateway\"")
    }

    @Test("Retry-After in seconds or as an HTTP date is read")
    func retryAfter() {
        let seconds = TokenResponseParser.parseError(
            response(503, "", headers: [("Retry-After", "120")]), endpoint: nil, now: now)
        #expect(seconds.retryAfter == .seconds(120))
        let date = TokenResponseParser.parseError(
            response(429, "", headers: [("Retry-After", "Fri, 15 Jan 2027 08:00:30 GMT")]), endpoint: nil,
            now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(date.retryAfter == .seconds(Int64(1_800_000_030 - 1_800_000_000)))
    }

    @Test("a huge Retry-After is read as at most an hour")
    func hugeRetryAfter() {
        let error = TokenResponseParser.parseError(
            response(429, "", headers: [("Retry-After", "99999999999999999999")]), endpoint: nil, now: now)
        #expect(error.retryAfter == .seconds(3600))
    }

    @Test("an access_token with control characters is refused, and a non-JSON success body is never quoted")
    func hostileSuccess() {
        let control = #expect(throws: OAuthError.self) {
            try parse(#"{"access_token":"abc\u001b[2Jdef","token_type":"Bearer"}"#)
        }
        #expect(control?.description.contains("cannot have") == true)
        let form = #expect(throws: OAuthError.self) { try parse("access_token=gho_secretvalue&token_type=bearer") }
        #expect(form?.description.contains("gho_secretvalue") == false)
    }

    @Test("control characters in server errors never reach the description")
    func sanitisedErrors() {
        let error = TokenResponseParser.parseError(
            response(400, #"{"error":"bad\u001b[2J","error_description":"x\u001b]0;pwned\u0007y"}"#), endpoint: nil, now: now)
        #expect(!error.description.contains("\u{1B}"))
        #expect(error.description.contains("xy"))
    }
}

@Suite("Extra fields of a token response are masked where the answer is accepted")
struct TokenResponseExtraFieldTests {
    @Test("an echoed client secret, the access token again and a nested refresh token are masked; other fields kept")
    func echoedCredentials() throws {
        let secret = "s3cret-the-server-echoes-back"
        let accessToken = "opaque-access-token-0123456789abcdef"
        let body = """
            {"access_token": "\(accessToken)", "client_secret_echo": "\(secret)", "echo_access_token": "\(accessToken)",
             "nested": {"refresh_token": "rt-0123456789"}, "ext_expires_in": 300, "note": "plain words stay"}
            """
        let token = try TokenResponseParser.parseSuccess(
            Data(body.utf8), issuedAt: Date(), endpoint: "http://127.0.0.1/token", sent: [secret])
        #expect(token.accessToken == accessToken)
        #expect(
            token.extraFields == [
                "client_secret_echo": .string(Redaction.mask(secret)),
                "echo_access_token": .string(Redaction.mask(accessToken)),
                "nested": .object(["refresh_token": .string(Redaction.mask("rt-0123456789"))]),
                "ext_expires_in": .number(300),
                "note": .string("plain words stay"),
            ])
    }
}
