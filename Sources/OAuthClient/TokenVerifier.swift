import Foundation
import JOSESupport
import JWTKit
import TokenConfig
import TokenModel

/// A verification in its two steps: the signature against the key set, then the claims (`exp`,
/// `nbf`, `iat`, `iss`, `aud`), which are checked only once the signature holds.
public struct TokenVerification: Sendable, Equatable {
    /// The signature: verified, failed, or unverified (an opaque token, no key set at hand).
    public var signature: SignatureVerdict
    /// The claims; nil when they were not checked because the signature did not hold.
    public var claims: SignatureVerdict?
    /// The one verdict most front ends show: the claims' failure, or the signature's.
    public var verdict: SignatureVerdict

    public init(signature: SignatureVerdict, claims: SignatureVerdict? = nil, verdict: SignatureVerdict? = nil) {
        self.signature = signature
        self.claims = claims
        self.verdict = verdict ?? signature
    }
}

/// Checks a JWT access token against its server's key set, then its time and audience claims,
/// and says in words what it found.
///
/// Signatures are checked by jwt-kit; this type decides which keys may be tried and which
/// algorithms are acceptable at all. `alg: none` and the HMAC algorithms are never verified:
/// an authorization server signs access tokens with a private key, and accepting a shared-secret
/// algorithm is how the classic key-confusion attack (HS256 keyed with the public key) works.
public struct TokenVerifier: Sendable {
    private let keys: JWKSCache?
    private let expectedIssuer: String?
    private let expectedAudiences: [String]
    private let leeway: Duration
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - keys: The server's key set; nil when none is known (the verdict is then `.unverified`).
    ///   - expectedIssuer: When given, `iss` must equal it exactly.
    ///   - expectedAudience: When given, `aud` (a string or an array) must contain it, or one of
    ///     `alsoAcceptedAudiences` (`expected-audience` may list several).
    ///   - leeway: Clock skew forgiven on `exp`, `nbf` and `iat`. 60 s by default: enough for
    ///     ordinary skew between two NTP-synchronised machines, small against token lifetimes.
    ///   - now: The clock.
    public init(
        keys: JWKSCache?, expectedIssuer: String?, expectedAudience: String?, alsoAcceptedAudiences: [String] = [],
        leeway: Duration = .seconds(60),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.keys = keys
        self.expectedIssuer = expectedIssuer
        self.expectedAudiences = (expectedAudience.map { [$0] } ?? []) + alsoAcceptedAudiences
        self.leeway = leeway
        self.now = now
    }

    /// The verdict on `token`, with the reason. Never throws, never logs, never repeats the token.
    public func verify(_ token: String, receivedAt: Date? = nil) async -> SignatureVerdict {
        await check(token, receivedAt: receivedAt).verdict
    }

    /// The verification in its two steps, for a front end that shows them apart (`decode`):
    /// the signature, then, only when it holds, the claims.
    /// - Parameter receivedAt: when the token arrived; a key set fetched since is final about
    ///   its `kid` (see `JWKSCache.keys(for:tokenReceivedAt:)`).
    public func check(_ token: String, receivedAt: Date? = nil) async -> TokenVerification {
        let decoded: DecodedToken
        switch TokenDecoder.inspect(token) {
        case .jwt(let token): decoded = token
        case .notJWT(let reason, let looksLikeJWT):
            return TokenVerification(
                signature: looksLikeJWT
                    ? SignatureVerdict(.failed, "malformed JWT: \(reason)")
                    : SignatureVerdict(.unverified, "opaque token: it can only be introspected"))
        }
        let algorithm: JWTSignatureAlgorithm
        switch JWTSignatureAlgorithm.accepting(decoded.header) {
        case .success(let accepted): algorithm = accepted
        case .failure(let refusal): return TokenVerification(signature: SignatureVerdict(.failed, refusal.reason))
        }
        guard let keys else {
            return TokenVerification(signature: SignatureVerdict(.notChecked, Self.noKeySet))
        }

        let candidates: [JWKSKey]
        switch await keys.keys(for: decoded.keyID, tokenReceivedAt: receivedAt) {
        case .success(let found): candidates = found
        case .failure(let error):
            // A kid the server does not publish is a finding once the copy is recent enough to
            // know; until then, and while the key set is out of reach, there is no verdict yet.
            let status: SignatureVerdict.Status =
                switch (error.isUnknownKeyID, error.settledAt) {
                case (true, nil): .failed
                case (true, .some): .checking
                case (false, _): .unverified
                }
            return TokenVerification(
                signature: SignatureVerdict(status, error.reason, failure: .keyNotPublished, recheckAt: error.settledAt))
        }
        switch await checkSignature(token, algorithm: algorithm, keyID: decoded.keyID, keys: candidates, source: keys.source) {
        case .success(let signed):
            let signature = SignatureVerdict(.verified, "\(algorithm.rawValue) signature valid with \(signed.keyLabel)")
            switch checkClaims(signed.claims) {
            case .success(let notes):
                var checked = ["time claims within the \(leeway.configText) leeway"]
                if let expectedIssuer { checked.append("iss is \(JWTText.quoted(expectedIssuer))") }
                if !expectedAudiences.isEmpty { checked.append("aud as expected") }
                return TokenVerification(
                    signature: signature, claims: SignatureVerdict(.verified, (checked + notes).joined(separator: "; ")),
                    verdict: SignatureVerdict(.verified, ([signature.reason] + notes).joined(separator: "; ")))
            case .failure(let refusal):
                return TokenVerification(
                    signature: signature, claims: SignatureVerdict(.failed, refusal.reason, failure: refusal.failure),
                    verdict: SignatureVerdict(.failed, refusal.reason, failure: refusal.failure))
            }
        case .failure(let refusal):
            return TokenVerification(signature: SignatureVerdict(.failed, refusal.reason, failure: refusal.failure))
        }
    }

    /// The claims of a token whose signature did not hold or was not checked (no key at hand,
    /// `alg: none`), judged on their own, as `decode` shows them: an expired token is said to
    /// be expired whatever its signature. A pass stays `unverified`: unsigned claims prove nothing.
    public func judgeClaimsAlone(_ decoded: DecodedToken) -> SignatureVerdict {
        switch checkClaims(decoded.claims) {
        case .success(let notes):
            var held = ["time claims within the \(leeway.configText) leeway"]
            if let expectedIssuer { held.append("iss is \(JWTText.quoted(expectedIssuer))") }
            if !expectedAudiences.isEmpty { held.append("aud as expected") }
            return SignatureVerdict(
                .unverified, (held + notes).joined(separator: "; ") + ", but without a verified signature they prove nothing")
        case .failure(let refusal):
            return SignatureVerdict(.failed, refusal.reason, failure: refusal.failure)
        }
    }

    /// The reason of a `notChecked` verdict: tokentop knows no key set for this token.
    public static let noKeySet = "signature not checked (no key set configured)"

    // MARK: - Signature

    private struct SignatureSuccess {
        var claims: [String: JSONValue]
        var keyLabel: String
    }

    private func checkSignature(
        _ token: String, algorithm: JWTSignatureAlgorithm, keyID: String?, keys: [JWKSKey], source: String
    ) async -> Result<SignatureSuccess, VerificationRefusal> {
        var unsuitable: [String] = []
        var candidates: [JWKSKey] = []
        for key in keys {
            if let mismatch = algorithm.mismatch(with: key.jwk) {
                unsuitable.append("\(key.label) \(mismatch)")
            } else {
                candidates.append(key)
            }
        }
        guard !candidates.isEmpty else {
            return .failure(
                VerificationRefusal(
                    "no key at \(source) can check this \(algorithm.rawValue) signature: \(unsuitable.joined(separator: "; "))"))
        }
        var failures: [String] = []
        for key in candidates {
            switch await Self.verify(token, with: key, algorithm: algorithm) {
            case .success(let claims):
                return .success(SignatureSuccess(claims: claims, keyLabel: key.label))
            case .failure(let refusal):
                failures.append(refusal.reason)
            }
        }
        if candidates.count == 1 {
            return .failure(VerificationRefusal(failures[0]))
        }
        let which = keyID.map { "keys named \(JWTText.quoted($0))" } ?? "suitable keys (the token has no kid)"
        return .failure(
            VerificationRefusal(
                "the \(algorithm.rawValue) signature matches none of the \(candidates.count) \(which) at \(source)"))
    }

    /// One key, one attempt, through jwt-kit. The key is given the token's algorithm only after
    /// `mismatch(with:)` has checked that its type, curve and own `alg` allow it.
    private static func verify(
        _ token: String, with key: JWKSKey, algorithm: JWTSignatureAlgorithm
    ) async -> Result<[String: JSONValue], VerificationRefusal> {
        var jwk = key.jwk
        jwk.algorithm = JWK.Algorithm(rawValue: algorithm.rawValue)
        // A one-key collection: jwt-kit falls back to its default key for an unknown kid, so
        // the choice of key is made by the cache, never by the collection.
        jwk.keyIdentifier = JWKIdentifier(string: key.kid ?? "unnamed")
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwk: jwk)
        } catch {
            return .failure(VerificationRefusal("\(key.label) in the key set is unusable: \(describe(error))"))
        }
        do {
            let payload = try await collection.verify(token, as: JWTClaimsPayload.self)
            return .success(payload.claims)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            return .failure(VerificationRefusal("signature does not match \(key.label)"))
        } catch {
            return .failure(VerificationRefusal("the signature could not be checked with \(key.label): \(describe(error))"))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? JWTError {
            return TerminalText.sanitize(error.reason ?? error.errorType.description)
        }
        return TerminalText.sanitize(String(describing: error))
    }

    // MARK: - Claims

    /// The time, issuer and audience claims of a token whose signature held: notes worth
    /// showing (no `exp`, expired within the leeway), or the refusal.
    private func checkClaims(_ claims: [String: JSONValue]) -> Result<[String], VerificationRefusal> {
        let now = self.now()
        let leewaySeconds = leeway.timeInterval
        var notes: [String] = []

        switch claims["exp"] {
        case nil:
            notes.append("it has no exp")
        case .number(let seconds):
            guard let expiry = JSONValue.number(seconds).timestampValue else {
                return .failure(VerificationRefusal("exp is not a usable time: \(seconds)", failure: .timeClaims))
            }
            let overdue = now.timeIntervalSince(expiry)
            if overdue > leewaySeconds {
                return .failure(
                    VerificationRefusal("expired \(Self.span(overdue)) ago (exp \(Self.timestamp(expiry)))", failure: .timeClaims)
                )
            }
            if overdue > 0 {
                notes.append("expired \(Self.span(overdue)) ago, within the \(leeway.configText) leeway")
            }
        case .some(let other):
            return .failure(
                VerificationRefusal("exp is not a number of seconds: \(JWTText.quoted(other.compactText))", failure: .timeClaims))
        }

        switch claims["nbf"] {
        case nil: break
        case .number(let seconds):
            guard let start = JSONValue.number(seconds).timestampValue else {
                return .failure(VerificationRefusal("nbf is not a usable time: \(seconds)", failure: .timeClaims))
            }
            let early = start.timeIntervalSince(now)
            if early > leewaySeconds {
                return .failure(
                    VerificationRefusal(
                        "not valid for another \(Self.span(early)) (nbf \(Self.timestamp(start)))", failure: .timeClaims))
            }
        case .some(let other):
            return .failure(
                VerificationRefusal("nbf is not a number of seconds: \(JWTText.quoted(other.compactText))", failure: .timeClaims))
        }

        if case .number(let seconds) = claims["iat"] {
            guard let issued = JSONValue.number(seconds).timestampValue else {
                return .failure(VerificationRefusal("iat is not a usable time: \(seconds)", failure: .timeClaims))
            }
            let ahead = issued.timeIntervalSince(now)
            if ahead > leewaySeconds {
                return .failure(
                    VerificationRefusal(
                        "issued \(Self.span(ahead)) in the future (iat \(Self.timestamp(issued))): the server's clock or this machine's is wrong",
                        failure: .timeClaims))
            }
        }

        if let expectedIssuer {
            switch claims["iss"] {
            case .string(let issuer) where issuer == expectedIssuer: break
            case .string(let issuer):
                return .failure(
                    VerificationRefusal(
                        "iss is \(JWTText.quoted(issuer)), expected \(JWTText.quoted(expectedIssuer))", failure: .claims))
            case nil:
                return .failure(
                    VerificationRefusal("the token has no iss, expected \(JWTText.quoted(expectedIssuer))", failure: .claims))
            case .some(let other):
                return .failure(
                    VerificationRefusal("iss is not a string: \(JWTText.quoted(other.compactText))", failure: .claims))
            }
        }

        if !expectedAudiences.isEmpty {
            let expectedAudience =
                expectedAudiences.count == 1 ? expectedAudiences[0] : "one of " + expectedAudiences.joined(separator: ", ")
            switch claims["aud"] {
            case .string(let audience) where expectedAudiences.contains(audience): break
            case .array(let audiences) where audiences.contains(where: { expectedAudiences.contains($0.stringValue ?? "") }):
                break
            case .string(let audience):
                return .failure(
                    VerificationRefusal(
                        "aud is \(JWTText.quoted(audience)), expected \(JWTText.quoted(expectedAudience))", failure: .claims))
            case .array(let audiences):
                return .failure(
                    VerificationRefusal(
                        "aud \(JWTText.list(audiences)) does not include \(JWTText.quoted(expectedAudience))", failure: .claims))
            case nil:
                return .failure(
                    VerificationRefusal("the token has no aud, expected \(JWTText.quoted(expectedAudience))", failure: .claims))
            case .some(let other):
                return .failure(
                    VerificationRefusal(
                        "aud is neither a string nor an array: \(JWTText.quoted(other.compactText))", failure: .claims))
            }
        }

        return .success(notes)
    }

    /// `2m10s`: whole seconds, as the configuration writes durations; from a day on in days
    /// (`2275d21h`), which the configuration's notation lacks (`54621h` reads as nothing).
    private static func span(_ interval: TimeInterval) -> String {
        let seconds = min(abs(interval), 1e12).rounded()
        if seconds >= 86_400 { return TimeText.duration(seconds: Int(seconds)) }
        return Duration.seconds(Int64(seconds)).configText
    }

    /// `2026-11-27T03:01:00Z`.
    private static func timestamp(_ date: Date) -> String {
        TimeText.iso8601(date)
    }
}

/// The claims of a JWT exactly as sent, for jwt-kit to decode after it has checked a signature.
/// Its `verify` accepts everything: `TokenVerifier` checks the claims itself so that every
/// failure can be explained in words.
struct JWTClaimsPayload: JWTPayload {
    let claims: [String: JSONValue]

    init(from decoder: any Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
