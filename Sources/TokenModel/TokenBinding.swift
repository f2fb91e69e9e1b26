import Foundation

/// How a token is tied to its client: not at all (a bearer token), to a DPoP key (RFC 9449), or
/// to a TLS client certificate (RFC 8705); and whether the token's own confirmation (`cnf`)
/// names this client's key or certificate.
public struct TokenBinding: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Equatable, Codable {
        case bearer
        case dpop
        case mtls
    }

    /// What the token is, by its `token_type` and its `cnf` claim.
    public var method: Method
    /// The RFC 7638 thumbprint of the local DPoP key, when the client uses DPoP.
    public var localKeyThumbprint: String?
    /// The base64url SHA-256 of the local client certificate's DER (`x5t#S256`), when one is configured.
    public var localCertificateThumbprint: String?
    /// `cnf` of the token itself (a JWT claim); empty for an opaque token.
    public var confirmation: Confirmation
    /// True when a DPoP proof was sent and the server answered `token_type: Bearer`.
    public var dpopIgnored: Bool

    enum CodingKeys: String, CodingKey {
        case method, confirmation
        case localKeyThumbprint = "local_key_thumbprint"
        case localCertificateThumbprint = "local_certificate_thumbprint"
        case dpopIgnored = "dpop_ignored"
    }

    public init(
        method: Method, localKeyThumbprint: String? = nil, localCertificateThumbprint: String? = nil,
        confirmation: Confirmation = Confirmation(), dpopIgnored: Bool = false
    ) {
        self.method = method
        self.localKeyThumbprint = localKeyThumbprint
        self.localCertificateThumbprint = localCertificateThumbprint
        self.confirmation = confirmation
        self.dpopIgnored = dpopIgnored
    }

    /// The confirmation members tokentop checks (RFC 7800 `cnf`, RFC 9449 §6, RFC 8705 §3.1).
    public struct Confirmation: Sendable, Equatable, Codable {
        public var jkt: String?
        public var x5tS256: String?

        enum CodingKeys: String, CodingKey {
            case jkt
            case x5tS256 = "x5t#S256"
        }

        public init(jkt: String? = nil, x5tS256: String? = nil) {
            self.jkt = jkt
            self.x5tS256 = x5tS256
        }

        /// Reads a `cnf` object; anything else yields no members.
        public init(_ cnf: JSONValue?) {
            let members = cnf?.objectValue ?? [:]
            self.init(jkt: members["jkt"]?.stringValue, x5tS256: members["x5t#S256"]?.stringValue)
        }

        public var isEmpty: Bool { jkt == nil && x5tS256 == nil }
    }

    /// Why a DPoP client holds a bearer token, for the verdict.
    public static let dpopIgnoredReason =
        "server ignored the DPoP key: it answered token_type Bearer, so the token is not sender-constrained"

    /// One line for the dashboard and `check`: `DPoP · jkt 0ZcO… (cnf.jkt matches the local key)`.
    public var display: String {
        switch method {
        case .bearer:
            if dpopIgnored { return "bearer (server ignored the DPoP key)" }
            // An opaque token may still be bound; only introspection's cnf can tell.
            if let certificate = localCertificateThumbprint {
                return "bearer (certificate \(Self.abbreviated(certificate)) presented; no cnf.x5t#S256 in the token)"
            }
            return "bearer"
        case .dpop:
            let shown = confirmation.jkt ?? localKeyThumbprint
            return "DPoP · jkt " + (shown.map { Self.abbreviated($0) } ?? "?") + " (" + dpopMatch + ")"
        case .mtls:
            let shown = confirmation.x5tS256 ?? localCertificateThumbprint
            return "mTLS · x5t#S256 " + (shown.map { Self.abbreviated($0) } ?? "?") + " (" + certificateMatch + ")"
        }
    }

    private var dpopMatch: String {
        guard let jkt = confirmation.jkt else { return "no cnf.jkt in the token to compare" }
        return jkt == localKeyThumbprint ? "cnf.jkt matches the local key" : "cnf.jkt is NOT the local key"
    }

    private var certificateMatch: String {
        guard let x5t = confirmation.x5tS256 else { return "no cnf.x5t#S256 in the token to compare" }
        return x5t == localCertificateThumbprint
            ? "cnf.x5t#S256 matches the local certificate" : "cnf.x5t#S256 is NOT the local certificate"
    }

    /// Why the token cannot be used by this client: its `cnf` (or, from introspection,
    /// `introspected`'s `cnf`) names a key or certificate this client does not hold. Nil when
    /// nothing contradicts the binding.
    public func mismatch(introspected: [String: JSONValue]?) -> String? {
        if let problem = mismatch(of: confirmation, source: "the token's") { return problem }
        guard let introspected else { return nil }
        return mismatch(of: Confirmation(introspected["cnf"]), source: "introspection's")
    }

    private func mismatch(of confirmation: Confirmation, source: String) -> String? {
        if let jkt = confirmation.jkt, jkt != localKeyThumbprint {
            let local =
                localKeyThumbprint.map { "the local DPoP key's thumbprint \(Self.abbreviated($0, length: 8))" }
                ?? "no DPoP key here (dpop is off)"
            return
                "DPoP binding: \(source) cnf.jkt \(Self.abbreviated(jkt, length: 8)) is not \(local); the token is bound to another key"
        }
        if let x5t = confirmation.x5tS256, x5t != localCertificateThumbprint {
            let local =
                localCertificateThumbprint.map { "the local certificate's \(Self.abbreviated($0, length: 8))" }
                ?? "any certificate here (none is configured)"
            return
                "mTLS binding: \(source) cnf.x5t#S256 \(Self.abbreviated(x5t, length: 8)) is not \(local); the token is bound to another certificate"
        }
        return nil
    }

    /// `0ZcO…`: enough of a thumbprint to tell two apart at a glance.
    public static func abbreviated(_ thumbprint: String, length: Int = 4) -> String {
        let clean = TerminalText.sanitize(thumbprint)
        return clean.count > length ? String(clean.prefix(length)) + "…" : clean
    }
}
