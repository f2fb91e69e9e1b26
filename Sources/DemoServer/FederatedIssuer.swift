import Foundation
import JWTKit

/// An identity provider the demo's authorization server trusts, in the manner of Microsoft Entra's
/// federated identity credentials: an assertion issued by `issuer` for `subject`, addressed to
/// `audience`, authenticates `clientID` (RFC 7523 client authentication with an assertion made
/// elsewhere, such as a Kubernetes service-account token). The demo makes the issuer's key, so
/// tests and tutorials can mint assertions offline.
public struct FederatedIssuer: Sendable {
    /// The audience Entra expects of federated assertions.
    public static let entraAudience = "api://AzureADTokenExchange"

    /// The `iss` an assertion must carry.
    public var issuer: String
    /// The `sub` an assertion must carry, compared case-sensitively as Entra does.
    public var subject: String
    /// A value the assertion's `aud` must hold.
    public var audience: String
    /// The client such an assertion authenticates.
    public var clientID: String
    /// The issuer's signing key (EC P-256, ES256) as PEM: whoever holds it can mint assertions.
    public let signingKeyPEM: String
    let verificationKey: ES256PublicKey

    public init(
        issuer: String, subject: String = "system:serviceaccount:demo:federated-client",
        audience: String = FederatedIssuer.entraAudience, clientID: String = "federated-client"
    ) {
        let key = ES256PrivateKey()
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.clientID = clientID
        signingKeyPEM = key.pemRepresentation
        verificationKey = key.publicKey
    }
}

extension FederatedIssuer {
    /// An assertion for `subject`, signed with the issuer's key and living `lifetime` from `now`:
    /// what a projected service-account token would hold, for the demo's written configuration.
    public func mint(now: Date, lifetime: TimeInterval) async throws -> String {
        let keys = await JWTKeyCollection().add(ecdsa: try ES256PrivateKey(pem: signingKeyPEM))
        return try await keys.sign(
            FederatedAssertionClaims(
                iss: issuer, sub: subject, aud: AudienceClaim(value: [audience]),
                exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)), nbf: NotBeforeClaim(value: now)))
    }
}

/// The claims of a federated assertion, each optional so a missing one gets its own error.
struct FederatedAssertionClaims: JWTPayload {
    var iss: String?
    var sub: String?
    var aud: AudienceClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?

    /// Signature checks only; `ClientRegistry` judges the claims against its injected clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
