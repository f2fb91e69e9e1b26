import Foundation
import Testing
import TokenModel

/// The one rule for what counts as a credential in what a server sent.
@Suite("Credentials in a server's answer are masked by one rule")
struct RedactionTests {
    @Test("fields named like a credential: *token*, *secret*, *password*, *assertion*, in any case")
    func credentialNames() {
        for name in ["refresh_token", "client_secret_echo", "Password", "SAMLAssertion", "echo_access_token", "TOKEN"] {
            #expect(Redaction.isCredentialName(name), "\(name)")
        }
        for name in ["ext_expires_in", "scope", "note", "session_state", "tok", "pass"] {
            #expect(!Redaction.isCredentialName(name), "\(name)")
        }
    }

    @Test("text holding a JWT, or a long opaque string of letters and digits, looks like a credential")
    func credentialShapes() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
        for text in [
            jwt, "Bearer \(jwt)", "gho_16C7e42F292c6912E7710c838347Ae178B4a", "0123456789abcdef0123456789abcdef",
            "550e8400-e29b-41d4-a716-446655440000", "dGhpcyBpcyBhIGJhc2U2NCBzZWNyZXQgdmFsdWU=",
        ] {
            #expect(Redaction.looksLikeCredential(text), "\(text)")
        }
        for text in [
            "plain words stay", "https://auth.example.com/oauth2/default/v1/token", "urn:ietf:params:oauth:token-type:jwt",
            "short-0123", "abcdefghijklmnopqrstuvwxyzabcdefghij", "12345678901234567890123456789012345", "",
        ] {
            #expect(!Redaction.looksLikeCredential(text), "\(text)")
        }
    }

    @Test("extra fields: an echoed secret or token, a credential-named field at any depth and a token-shaped value are masked")
    func extraFields() {
        let secret = "s3cret-the-server-echoes-back"
        let token = "opaque-access-token-0123456789abcdef"
        let fields: [String: JSONValue] = [
            "client_secret_echo": .string(secret),
            "echo_access_token": .string(token),
            "said": .string("you sent \(secret)"),
            "nested": .object([
                "refresh_token": .string("rt-0123456789"), "refresh_token_expires_in": .number(7200),
                "list": .array([.object(["password": .string("hunter2")]), .string("fine")]),
            ]),
            "opaque": .string("0123456789abcdef0123456789abcdef"),
            token: .string("a key that is the token"),
            "ext_expires_in": .number(300),
            "not_before_policy": .bool(false),
            "note": .string("plain words stay"),
        ]
        let masked = Redaction.maskingCredentials(in: fields, known: [secret, token, "ab"])
        #expect(
            masked == [
                "client_secret_echo": .string(Redaction.mask(secret)),
                "echo_access_token": .string(Redaction.mask(token)),
                "said": .string(Redaction.mask("you sent \(secret)")),
                "nested": .object([
                    "refresh_token": .string(Redaction.mask("rt-0123456789")), "refresh_token_expires_in": .number(7200),
                    "list": .array([.object(["password": .string("••••")]), .string("fine")]),
                ]),
                "opaque": .string(Redaction.mask("0123456789abcdef0123456789abcdef")),
                // The key is the token, so it is masked, and it names a token, so its value is too.
                Redaction.mask(token): .string(Redaction.mask("a key that is the token")),
                "ext_expires_in": .number(300),
                "not_before_policy": .bool(false),
                "note": .string("plain words stay"),
            ])
    }
}

/// What a server echoes of what it was sent is masked before anyone sees it.
@Suite("Errors scrubbed of what was sent")
struct ErrorRedactionTests {
    @Test("a secret the server echoes in its description is masked")
    func echoedSecretMasked() {
        let error = OAuthError.server(
            code: "invalid_client", description: "bad secret s3cr3t-value-123", uri: nil, endpoint: nil, httpStatus: 401)
        let scrubbed = error.redacting(["s3cr3t-value-123"])
        #expect(scrubbed.serverDescription == "bad secret s3cr…23")
    }

    @Test("a secret with a NUL (read from a file) neither crashes the scrubbing nor changes sanitised text")
    func secretWithNUL() {
        // Foundation's replacingOccurrences traps on this needle against this text.
        let error = OAuthError.server(code: "invalid_client", description: "clé abcd", uri: nil, endpoint: nil, httpStatus: 401)
        #expect(error.redacting(["abcd\u{0}"]).serverDescription == "clé abcd")
    }
}
