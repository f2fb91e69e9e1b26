import Foundation
import JWTKit
import TokenConfig
import TokenModel

/// Adds a client's credentials to a request to the token, introspection or revocation
/// endpoint, by the method its configuration names.
struct ClientAuthenticator: Sendable {
    let configuration: ClientConfiguration

    /// The parameters and headers to add. `audiences` is what a `private_key_jwt` assertion is
    /// addressed to (`assertionAudiences`).
    /// `secrets` is what was sent that must never be shown, in every form a server might echo
    /// it: the secret raw, form-encoded and inside the Basic header, or the assertion.
    func credentials(audiences: [String], now: Date) async throws(OAuthError) -> (
        parameters: [(String, String)], headers: [(name: String, value: String)], secrets: [String]
    ) {
        switch configuration.authenticationMethod {
        case .clientSecretBasic:
            let secret = try await resolvedSecret()
            let header = Self.basicAuthorization(id: configuration.clientID, secret: secret, encoding: configuration.basicEncoding)
            return ([], [("Authorization", header)], [secret, FormEncoding.encode(secret), String(header.dropFirst(6))])
        case .clientSecretPost:
            let secret = try await resolvedSecret()
            return ([("client_id", configuration.clientID), ("client_secret", secret)], [], [secret, FormEncoding.encode(secret)])
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            // RFC 8705 §2: the certificate presented in the TLS handshake authenticates the client.
            return ([("client_id", configuration.clientID)], [], [])
        case .privateKeyJWT:
            let assertion = try await signedAssertion(audiences: audiences, now: now)
            return (
                [
                    ("client_id", configuration.clientID),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion),
                ], [], [assertion]
            )
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            // The certificate presented in the TLS handshake authenticates the client; the form
            // names it only by client_id (RFC 8705 §2).
            return ([("client_id", configuration.clientID)], [], [])
        }
    }

    /// The `aud` of a client assertion sent to `endpoint`. By default the called endpoint and the
    /// token endpoint together: servers that want the token endpoint (OpenID Connect Core §9) and
    /// servers that want the endpoint being called both find theirs. `client-assertion-audience`
    /// picks exactly one for servers that accept no array.
    static func assertionAudiences(
        _ setting: ClientAssertionAudience?, calling endpoint: URL, tokenEndpoint: URL, issuer: String?
    ) -> [String] {
        switch setting {
        case nil:
            let both = [endpoint.absoluteString, tokenEndpoint.absoluteString]
            return both[0] == both[1] ? [both[0]] : both
        case .endpoint: return [endpoint.absoluteString]
        case .tokenEndpoint: return [tokenEndpoint.absoluteString]
        case .issuer: return [issuer ?? tokenEndpoint.absoluteString]
        case .url(let url): return [url.absoluteString]
        }
    }

    /// `Basic base64(id:secret)`, with both parts form-urlencoded first (RFC 6749 §2.3.1)
    /// unless the client asks for them raw.
    static func basicAuthorization(id: String, secret: String, encoding: BasicCredentialEncoding) -> String {
        BasicCredentials.header(id: id, secret: secret, formEncoded: encoding == .formURLEncoded)
    }

    private func resolvedSecret() async throws(OAuthError) -> String {
        do {
            return try await SecretResolver.resolve(
                configuration.clientSecret, client: configuration.name, timeout: configuration.timeout)
        } catch {
            throw OAuthError.configuration(String(describing: error))
        }
    }

    /// An RFC 7523 client assertion, signed with the key in `private-key-file`
    /// (RSA → RS256, EC P-256 → ES256).
    private func signedAssertion(audiences: [String], now: Date) async throws(OAuthError) -> String {
        guard let path = configuration.privateKeyFile else {
            throw OAuthError.configuration("client \(configuration.name): private_key_jwt needs private-key-file")
        }
        let pem: String
        do {
            pem = try LocalFile.readText(path)
        } catch {
            throw OAuthError.configuration("client \(configuration.name): private-key-file \(error)")
        }
        let keys = JWTKeyCollection()
        if let key = try? Insecure.RSA.PrivateKey(pem: pem) {
            await keys.add(rsa: key, digestAlgorithm: .sha256)
        } else if let key = try? ES256PrivateKey(pem: pem) {
            await keys.add(ecdsa: key)
        } else {
            throw OAuthError.configuration(
                "client \(configuration.name): private-key-file \(path) holds no RSA or EC P-256 private key in PEM form")
        }
        let claims = ClientAssertionClaims(
            iss: .init(value: configuration.clientID), sub: .init(value: configuration.clientID),
            aud: .init(value: audiences), jti: .init(value: UUID().uuidString),
            iat: .init(value: now), exp: .init(value: now.addingTimeInterval(60)))
        do {
            return try await keys.sign(claims)
        } catch {
            throw OAuthError.configuration("client \(configuration.name): signing the client assertion failed: \(error)")
        }
    }
}

/// The claims of an RFC 7523 §3 client assertion.
struct ClientAssertionClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var jti: IDClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
