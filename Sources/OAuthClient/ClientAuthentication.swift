import Crypto
import Foundation
import JOSESupport
import JWTKit
import NIOSSL
import ProtocolSupport
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
    /// `assertion` is what a federated assertion sent says of itself (never the assertion).
    func credentials(audiences: [String], now: Date) async throws(OAuthError) -> (
        parameters: [(String, String)], headers: [(name: String, value: String)], secrets: [String],
        assertion: CredentialExpiry?
    ) {
        switch configuration.authenticationMethod {
        case .clientSecretBasic:
            let secret = try await resolvedSecret()
            let header = Self.basicAuthorization(
                id: configuration.clientID, secret: secret, encoding: configuration.basicEncoding)
            return ([], [("Authorization", header)], [secret, FormEncoding.encode(secret), String(header.dropFirst(6))], nil)
        case .clientSecretPost:
            let secret = try await resolvedSecret()
            return (
                [("client_id", configuration.clientID), ("client_secret", secret)], [], [secret, FormEncoding.encode(secret)], nil
            )
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            // RFC 8705 §2: the certificate presented in the TLS handshake authenticates the client.
            return ([("client_id", configuration.clientID)], [], [], nil)
        case .privateKeyJWT:
            var federated: CredentialExpiry?
            let assertion: String
            if configuration.federatedAssertion == .none {
                assertion = try await signedAssertion(audiences: audiences, now: now)
            } else {
                (assertion, federated) = try await federatedAssertion()
            }
            return (
                [
                    ("client_id", configuration.clientID),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion),
                ], [], [assertion], federated
            )
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

    /// The federated assertion as `client-assertion-file` holds it now, or as
    /// `client-assertion-command` prints it now: read for every request, never kept, so a
    /// rotated file is used at once. Its claims are read (not verified: that is the server's
    /// job) to show its `iss`, `sub`, `aud` and `exp`.
    private func federatedAssertion() async throws(OAuthError) -> (String, CredentialExpiry) {
        let source: String
        switch configuration.federatedAssertion {
        case .file(let path): source = "client-assertion-file \(path)"
        default: source = "client-assertion-command"
        }
        let text: String
        do {
            text = try await SecretResolver.resolve(
                configuration.federatedAssertion, client: configuration.name, timeout: configuration.timeout)
        } catch {
            // Read and run by the secret's rules (size, time limit, no hang); named as the setting used.
            throw OAuthError.configuration(
                String(describing: error).replacingOccurrences(of: "client-secret-", with: "client-assertion-")
                    .replacingOccurrences(of: "print the secret", with: "print the assertion"))
        }
        let assertion = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let decoded = TokenDecoder.decode(assertion)
        guard decoded.format == .jwt else {
            throw OAuthError.configuration(
                "client \(configuration.name): \(source) holds no JWT (three base64url parts, the middle one a JSON object)")
        }
        guard let expiresAt = decoded.expiresAt else {
            throw OAuthError.configuration("client \(configuration.name): the client assertion from \(source) has no exp")
        }
        var details: [String: String] = [:]
        if let issuer = decoded.issuer { details["iss"] = TerminalText.sanitize(issuer) }
        if let audience = decoded.claims["aud"] {
            let audiences = audience.arrayValue?.compactMap(\.stringValue) ?? [audience.stringValue].compactMap { $0 }
            details["aud"] = TerminalText.sanitize(audiences.joined(separator: " "))
        }
        let subject = decoded.claims["sub"]?.stringValue.map { TerminalText.sanitize($0) } ?? ""
        return (assertion, CredentialExpiry(kind: .assertion, subject: subject, expiresAt: expiresAt, details: details))
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
        var header = JWTHeader()
        if let certificateFile = configuration.clientAssertionCertificateFile {
            // Microsoft Entra names the key of a certificate credential by its thumbprint.
            let der: [UInt8]
            do {
                guard let leaf = try NIOSSLCertificate.fromPEMBytes(Array(try LocalFile.read(certificateFile))).first else {
                    throw OAuthError.configuration("holds no certificate")
                }
                der = try leaf.toDERBytes()
            } catch {
                throw OAuthError.configuration(
                    "client \(configuration.name): client-assertion-certificate-file \(certificateFile) holds no readable "
                        + "PEM certificate (\(error))")
            }
            header.x5tS256 = CertificateThumbprint.sha256(ofDER: der)
            if configuration.clientAssertionSHA1Thumbprint {
                header.x5t = Base64URL.encode(Data(Insecure.SHA1.hash(data: Data(der))))
            }
        }
        do {
            return try await keys.sign(claims, header: header)
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
