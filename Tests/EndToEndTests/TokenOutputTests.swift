import Foundation
import Testing
import TokenHandout
import TokenModel

@testable import TokentopCommands

/// The shapes `token --output` prints, exactly, and the rules of the helpers around them.
@Suite("Token output formats and the helper commands' rules")
struct TokenOutputTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var bearer: HandedToken {
        HandedToken(
            accessToken: "eyJ.abc.def", tokenType: "Bearer", expiresAt: now.addingTimeInterval(300), scopes: ["read", "write"])
    }

    @Test("token prints the token alone; with a proof, the proof on the next line")
    func token() {
        #expect(TokenOutput.render(bearer, as: .token, now: now) == "eyJ.abc.def\n")
        #expect(TokenOutput.render(bearer, as: .token, proof: "eyJproof", now: now) == "eyJ.abc.def\neyJproof\n")
    }

    @Test("header is a Bearer header, or DPoP with its proof header, for curl -H @-")
    func header() {
        #expect(TokenOutput.render(bearer, as: .header, now: now) == "Authorization: Bearer eyJ.abc.def\n")
        var bound = bearer
        bound.tokenType = "DPoP"
        #expect(
            TokenOutput.render(bound, as: .header, proof: "eyJproof", now: now)
                == "Authorization: DPoP eyJ.abc.def\nDPoP: eyJproof\n")
    }

    @Test("json carries token, type, expiry, seconds left and scope")
    func json() {
        #expect(
            TokenOutput.render(bearer, as: .json, now: now)
                == #"{"access_token":"eyJ.abc.def","expires_at":"2027-01-15T08:05:00Z","expires_in":300,"scope":"read write","token_type":"Bearer"}"#
                + "\n")
    }

    @Test("git answers username, password and password_expiry_utc")
    func git() {
        #expect(
            TokenOutput.render(bearer, as: .git, username: "oauth2", now: now)
                == "username=oauth2\npassword=eyJ.abc.def\npassword_expiry_utc=1800000300\n")
    }

    @Test("exec-credential is a client.authentication.k8s.io/v1 ExecCredential as the v1 types define it")
    func execCredential() throws {
        let text = TokenOutput.render(bearer, as: .execCredential, now: now)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        // k8s.io/client-go/pkg/apis/clientauthentication/v1: ExecCredential{TypeMeta, Spec, Status};
        // ExecCredentialStatus{ExpirationTimestamp *metav1.Time, Token, ClientCertificateData, ClientKeyData}.
        #expect(Set(object.keys).isSubset(of: ["apiVersion", "kind", "spec", "status"]))
        #expect(object["apiVersion"] as? String == "client.authentication.k8s.io/v1")
        #expect(object["kind"] as? String == "ExecCredential")
        let status = try #require(object["status"] as? [String: Any])
        #expect(Set(status.keys).isSubset(of: ["expirationTimestamp", "token", "clientCertificateData", "clientKeyData"]))
        #expect(status["token"] as? String == "eyJ.abc.def")
        // metav1.Time marshals and parses RFC 3339 in UTC.
        let stamp = try #require(status["expirationTimestamp"] as? String)
        #expect(stamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil)
        #expect(try Date(stamp, strategy: .iso8601) == now.addingTimeInterval(300))
        var unknown = bearer
        unknown.expiresAt = nil
        #expect(!TokenOutput.render(unknown, as: .execCredential, now: now).contains("expirationTimestamp"))
    }

    @Test("a git request's attributes are read to the blank line; the first value of a key wins")
    func gitRequest() {
        let request = GitCredential(text: "protocol=https\nhost=git.example.com\nusername=a=b\nusername=c\n\nhost=ignored\n")
        #expect(request.attributes == ["protocol": "https", "host": "git.example.com", "username": "a=b"])
    }

    @Test(
        "git gets no token for plain http unless the host is this machine",
        arguments: [
            ("https", "git.example.com", false), ("http", "git.example.com", true), ("http", "git.example.com:8080", true),
            ("http", "127.0.0.1:3000", false), ("http", "localhost", false), ("http", "[::1]:8080", false),
        ])
    func gitRefusal(scheme: String, host: String, refused: Bool) {
        #expect((GitCredential(text: "protocol=\(scheme)\nhost=\(host)\n\n").refusal != nil) == refused)
    }

    @Test("the write-through writes new tokens and removes revoked, failed, inactive and refused ones")
    func writeThroughSteps() {
        let at = Date()
        #expect(CacheWriteThrough.step(for: .tokenFetched(reason: .startup, latency: .zero, expiresAt: nil)) == .write)
        #expect(
            CacheWriteThrough.step(
                for: .operatorAction(ActionRecord(action: .revoke, client: "a", at: at, succeeded: true, outcome: "")))
                == .remove(because: "revoked"))
        #expect(
            CacheWriteThrough.step(
                for: .operatorAction(ActionRecord(action: .revoke, client: "a", at: at, succeeded: false, outcome: ""))) == .none)
        #expect(CacheWriteThrough.step(for: .signatureChecked(SignatureVerdict(.failed, "bad"))) != .none)
        #expect(CacheWriteThrough.step(for: .signatureChecked(SignatureVerdict(.verified, "ok"))) == .none)
        #expect(CacheWriteThrough.step(for: .introspected(active: false)) != .none)
        #expect(CacheWriteThrough.step(for: .introspected(active: true)) == .none)
        #expect(
            CacheWriteThrough.step(for: .resourceCalled(ResourceResponse(status: 401, latency: .zero, at: at, bodyExcerpt: "")))
                != .none)
        #expect(
            CacheWriteThrough.step(for: .resourceCalled(ResourceResponse(status: 403, latency: .zero, at: at, bodyExcerpt: "")))
                == .none)
    }

    @Test("exec --renew waits until the token has --min-ttl left, and never less than half its rest or a second")
    func renewalWait() {
        func wait(left: TimeInterval, minimum: Duration) -> Duration {
            ExecCommand.renewalWait(
                for: HandedToken(accessToken: "t", tokenType: "Bearer", expiresAt: now.addingTimeInterval(left), scopes: []),
                minimum: minimum, now: now)
        }
        #expect(wait(left: 3600, minimum: .seconds(60)) == .seconds(3540))
        #expect(wait(left: 30, minimum: .seconds(60)) == .seconds(15))
        #expect(wait(left: 1, minimum: .seconds(60)) == .seconds(1))
        #expect(wait(left: -10, minimum: .seconds(60)) == .seconds(1))
    }
}
