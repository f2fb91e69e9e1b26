import Foundation
import Hummingbird
import JOSESupport
import JWTKit
import ProtocolSupport
import TokenConfig
import TokenModel
import X509

/// A client as the authorization server knows it.
struct RegisteredClient: Sendable {
    let clientID: String
    let secret: String?
    let method: ClientAuthenticationMethod
    let scopes: [String]
    let lifetime: Duration
    /// False for credentials that may only introspect (the resource server's own).
    let mayRequestTokens: Bool
    /// For `private_key_jwt`: the client's public key.
    let assertionKeys: JWTKeyCollection?
    /// Token requests without a DPoP proof are refused.
    var requiresDPoP = false
    /// For `tls_client_auth`: the subject its certificate must have (RFC 8705 §2.1.2).
    var tlsSubject: DistinguishedName?
    /// For a client that authenticates with assertions of a trusted issuer (`--federated-issuer`).
    var federation: FederatedIssuer?
}

/// The registered clients, and client authentication at the token, introspection and
/// revocation endpoints: `client_secret_basic`, `client_secret_post`, `private_key_jwt` and
/// `tls_client_auth`.
struct ClientRegistry: Sendable {
    /// The `client_assertion_type` of RFC 7523 §2.2.
    static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    private let clients: [String: RegisteredClient]
    private let ledger: TokenLedger
    private let clock: any TokenClock

    init(clients: [RegisteredClient], ledger: TokenLedger, clock: any TokenClock) {
        self.clients = Dictionary(clients.map { ($0.clientID, $0) }, uniquingKeysWith: { first, _ in first })
        self.ledger = ledger
        self.clock = clock
    }

    /// The client that made the request, or the RFC 6749 §5.2 error to answer with.
    /// `audiences` are the values a client assertion's `aud` may name; `identity` is what the
    /// connection's TLS layer knows of the client.
    func authenticate(
        request: Request, parameters: [String: String], audiences: Set<String>, identity: ConnectionIdentity
    ) async throws(OAuthProtocolError) -> RegisteredClient {
        let basic = try basicCredentials(request)
        let usedBasic = basic != nil
        let secretInBody = parameters["client_secret"]
        let assertion = parameters["client_assertion"]
        let methodsUsed = [usedBasic, secretInBody != nil, assertion != nil].filter { $0 }.count
        guard methodsUsed <= 1 else {
            throw .invalidRequest("the client used more than one authentication method (RFC 6749 §2.3)")
        }
        if let basic {
            if let bodyID = parameters["client_id"], bodyID != basic.id {
                throw .invalidRequest("client_id in the body differs from the Basic credentials")
            }
            return try checkSecret(id: basic.id, secret: basic.secret, method: .clientSecretBasic, usedBasic: true)
        }
        if let secretInBody {
            guard let id = parameters["client_id"] else {
                throw .invalidRequest("client_secret was sent without client_id")
            }
            return try checkSecret(id: id, secret: secretInBody, method: .clientSecretPost, usedBasic: false)
        }
        if let assertion {
            return try await checkAssertion(
                assertion, type: parameters["client_assertion_type"], claimedID: parameters["client_id"],
                audiences: audiences)
        }
        if let id = parameters["client_id"], let client = clients[id], client.tlsSubject != nil {
            return try checkCertificate(of: client, identity: identity)
        }
        throw .invalidClient("client authentication is required", usedBasic: false)
    }

    /// RFC 8705 §2.1: the request came with a certificate (chained to the demo CA, which the
    /// TLS layer checked) whose subject is the one registered for the client.
    private func checkCertificate(
        of client: RegisteredClient, identity: ConnectionIdentity
    ) throws(OAuthProtocolError) -> RegisteredClient {
        let name = Self.quoted(client.clientID)
        guard let registered = client.tlsSubject else {
            throw .invalidClient("client \(name) is not registered for tls_client_auth", usedBasic: false)
        }
        switch identity {
        case .plaintext:
            throw .invalidClient(
                "client \(name) authenticates with tls_client_auth: call the mutual-TLS endpoint (mtls_endpoint_aliases "
                    + "in the metadata) and present its certificate", usedBasic: false)
        case .mutualTLS(nil):
            throw .invalidClient(
                "client \(name) authenticates with tls_client_auth, but the request presented no TLS client certificate",
                usedBasic: false)
        case .mutualTLS(let certificate?):
            guard certificate.subject == registered else {
                throw .invalidClient(
                    "the TLS client certificate's subject \(Self.quoted(String(describing: certificate.subject))) is not "
                        + "\(Self.quoted(String(describing: registered))), the one registered for client \(name)",
                    usedBasic: false)
            }
            return client
        }
    }

    /// The id and secret of an `Authorization: Basic` header, both form-urlencoded before
    /// base64 (RFC 6749 §2.3.1); nil when the request has no Basic credentials.
    private func basicCredentials(_ request: Request) throws(OAuthProtocolError) -> (id: String, secret: String)? {
        guard let header = request.headers[.authorization] else { return nil }
        do {
            return try BasicCredentials.parse(header)
        } catch {
            throw .invalidClient("the Basic credentials are not base64 of id:secret", usedBasic: true)
        }
    }

    private func checkSecret(
        id: String, secret: String, method: ClientAuthenticationMethod, usedBasic: Bool
    ) throws(OAuthProtocolError) -> RegisteredClient {
        guard let client = clients[id], let expected = client.secret else {
            throw .invalidClient("client authentication failed: unknown client \(Self.quoted(id))", usedBasic: usedBasic)
        }
        guard ConstantTime.equals(presented: secret, expected: expected) else {
            throw .invalidClient("client authentication failed: wrong secret for client \(Self.quoted(id))", usedBasic: usedBasic)
        }
        guard client.method == method || !client.mayRequestTokens else {
            throw .invalidClient(
                "client \(Self.quoted(id)) is registered for \(client.method.rawValue), not \(method.rawValue)",
                usedBasic: usedBasic)
        }
        return client
    }

    /// RFC 7523 §3: iss = sub = client_id, aud names this server, exp required and in the
    /// future, a jti never seen before, and a signature by the client's registered key.
    private func checkAssertion(
        _ assertion: String, type: String?, claimedID: String?, audiences: Set<String>
    ) async throws(OAuthProtocolError) -> RegisteredClient {
        guard type == Self.jwtBearerAssertionType else {
            throw .invalidRequest("client_assertion_type must be \(Self.jwtBearerAssertionType)")
        }
        guard let unverified = Self.unverifiedIssuer(of: assertion) else {
            throw .invalidClient("the client assertion is not a JWT", usedBasic: false)
        }
        if let claimedID, let client = clients[claimedID], let federation = client.federation {
            return try await checkFederated(assertion, issuer: unverified, client: client, federation: federation)
        }
        let clientID = claimedID ?? unverified
        guard unverified == clientID else {
            throw .invalidClient("the client assertion's iss is not the client_id", usedBasic: false)
        }
        guard let client = clients[clientID], let keys = client.assertionKeys, client.method == .privateKeyJWT else {
            throw .invalidClient(
                "client \(Self.quoted(clientID)) is unknown or not registered for private_key_jwt", usedBasic: false)
        }
        let claims: ClientAssertionClaims
        do {
            claims = try await keys.verify(assertion, as: ClientAssertionClaims.self)
        } catch {
            throw .invalidClient("the client assertion's signature does not verify with the client's key", usedBasic: false)
        }
        guard claims.iss == clientID, claims.sub == clientID else {
            throw .invalidClient("the client assertion's iss and sub must both be the client_id", usedBasic: false)
        }
        guard !audiences.isDisjoint(with: claims.aud.value) else {
            // The wording of the servers that refuse an audience, so clients can recognise it.
            throw .invalidClient("Invalid claim: 'aud'", usedBasic: false)
        }
        guard let exp = claims.exp else {
            throw .invalidClient("the client assertion has no exp", usedBasic: false)
        }
        let now = clock.now()
        guard exp.value > now else {
            throw .invalidClient("the client assertion expired", usedBasic: false)
        }
        guard exp.value.timeIntervalSince(now) <= 3600 else {
            throw .invalidClient("the client assertion lives longer than one hour", usedBasic: false)
        }
        guard let jti = claims.jti, !jti.isEmpty else {
            throw .invalidClient("the client assertion has no jti", usedBasic: false)
        }
        guard await ledger.admitAssertion(id: jti, clientID: clientID, expiresAt: exp.value) else {
            throw .invalidClient("the client assertion was already used (jti replay)", usedBasic: false)
        }
        return client
    }

    /// Entra's rules for a federated identity credential, with its codes in the descriptions:
    /// the trusted issuer's signature, `exp` ahead (AADSTS700024), the configured `sub` exactly
    /// (AADSTS700213), the configured audience (AADSTS70021). No `jti` rule: a projected token is
    /// sent many times until it rotates.
    private func checkFederated(
        _ assertion: String, issuer: String, client: RegisteredClient, federation: FederatedIssuer
    ) async throws(OAuthProtocolError) -> RegisteredClient {
        guard issuer == federation.issuer else {
            throw .invalidClient(
                "AADSTS700211: No matching federated identity record found for presented assertion issuer "
                    + "'\(Self.shortened(issuer))'.", usedBasic: false)
        }
        let claims: FederatedAssertionClaims
        do {
            claims = try await JWTKeyCollection().add(ecdsa: federation.verificationKey)
                .verify(assertion, as: FederatedAssertionClaims.self)
        } catch {
            throw .invalidClient(
                "AADSTS50013: the client assertion's signature does not verify with the federated issuer's key",
                usedBasic: false)
        }
        let now = clock.now()
        guard let exp = claims.exp?.value, exp > now, (claims.nbf?.value ?? now) <= now else {
            throw .invalidClient(
                "AADSTS700024: Client assertion is not within its valid time range. Current time: "
                    + "\(TimeText.iso8601(now)), expiry time of assertion "
                    + "\(claims.exp.map { TimeText.iso8601($0.value) } ?? "none").", usedBasic: false)
        }
        let subject = claims.sub ?? ""
        guard subject == federation.subject else {
            throw .invalidClient(
                "AADSTS700213: No matching federated identity record found for presented assertion subject "
                    + "'\(Self.shortened(subject))'. Please check your federated identity credential Subject, Audience "
                    + "and Issuer against the presented assertion.", usedBasic: false)
        }
        let audiences = claims.aud?.value ?? []
        guard audiences.contains(federation.audience) else {
            throw .invalidClient(
                "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: "
                    + "'\(Self.shortened(issuer))'. Assertion Subject: '\(Self.shortened(subject))'. Assertion Audience: "
                    + "'\(Self.shortened(audiences.joined(separator: ",")))'.", usedBasic: false)
        }
        return client
    }

    /// Text from an assertion, cut short for an error description.
    private static func shortened(_ text: String) -> String {
        text.count > 120 ? String(text.prefix(120)) + "…" : text
    }

    /// The `iss` of a JWT, read without verifying: only to find whose key to verify with.
    private static func unverifiedIssuer(of jwt: String) -> String? {
        (try? CompactJWS(jwt))?.claims?["iss"]?.stringValue
    }

    /// A client id from the request, short and quoted, for an error description.
    private static func quoted(_ id: String) -> String {
        "\"\(id.count > 64 ? String(id.prefix(64)) + "…" : id)\""
    }
}

/// The claims of an RFC 7523 client assertion, each optional so a missing one gets its own error.
private struct ClientAssertionClaims: JWTPayload {
    var iss: String?
    var sub: String?
    var aud: AudienceClaim
    var exp: ExpirationClaim?
    var jti: String?

    /// Signature checks only; `ClientRegistry` judges the claims against its injected clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
