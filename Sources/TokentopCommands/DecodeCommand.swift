import ArgumentParser
import Foundation
import JOSESupport
import OAuthClient
import TokenModel

/// `tokentop decode`: a token's header and claims, times absolute and relative, and the
/// verification verdict, the signature and the claims reported apart.
struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a JWT and, with --jwks, --issuer or --client, verify it.",
        discussion: """
            The key set comes from --jwks (a URL or a file), else from the metadata of --issuer (RFC 8414, then \
            OpenID Connect discovery), else from the configuration of --client NAME, which also gives the issuer and \
            audience to expect (--config, --spring or --demo say where NAME is configured, as for the other commands). \
            The signature and the claims (exp, nbf, iat, iss, aud) are reported apart; the claims are judged even \
            without a key (an expired token is said to be expired), and an unsigned token (alg none) is called out.
            Exit status: 0 for a JWT that is usable as far as was checked; 1 when it is not (its claims fail, it is \
            unsigned, verification was asked for and failed) or the token is not a JWT; 2 on a usage error.
            """)

    @Argument(help: "The token, or - (the default) to read it from stdin.")
    var token: String = "-"

    @Option(help: "A JWKS URL or file to verify the signature against.", completion: .file(extensions: ["json"]))
    var jwks: String?

    @Option(help: "The issuer the token must carry (iss); without --jwks, its key set is found from its metadata.")
    var issuer: String?

    @Option(help: "The audience the token must carry (aud).")
    var audience: String?

    @Option(help: "Verify with this configured client's key set, issuer and audience.", completion: ClientNameCompletion.kind)
    var client: String?

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if client != nil, jwks != nil || issuer != nil || audience != nil {
            throw ValidationError(
                "--client takes the key set, issuer and audience from the client's configuration: leave out --jwks, --issuer and --audience"
            )
        }
        if client == nil, options.config != nil || options.demo || !options.springPaths.isEmpty {
            throw ValidationError(
                "--config, --spring and --demo say where the client of --client NAME is configured: add --client")
        }
        if audience != nil, jwks == nil, issuer == nil {
            throw ValidationError("--audience is checked once the signature holds: add --jwks URL|FILE or --issuer URL")
        }
    }

    func run() async throws {
        let raw = try readToken()
        let inspection = TokenDecoder.inspect(raw)
        // Three dot-separated parts were meant as a JWT: when they are not one, that is said, not "opaque".
        let meantAsJWT = raw.split(separator: ".", omittingEmptySubsequences: false).count == 3
        var verification =
            inspection.isJWT
            ? try await verify(raw)
            : TokenVerification(
                signature: meantAsJWT
                    ? SignatureVerdict(.unverified, "not a JWT, so there is no signature to check")
                    : SignatureVerdict(.unverified, "opaque token: it can only be introspected"))
        // Claims the signature step did not reach are judged on their own.
        if case .jwt(let decoded) = inspection, verification.claims == nil {
            verification.claims = TokenVerifier(
                keys: nil, expectedIssuer: issuer, expectedAudience: audience, leeway: .seconds(60), now: Date.init
            ).judgeClaimsAlone(decoded)
        }
        if json {
            try printResult(
                TerminalText.sanitize(
                    Self.json(inspection, meantAsJWT: meantAsJWT, verification: verification).prettyText, singleLine: false))
        } else {
            try printResult(Self.describe(inspection, meantAsJWT: meantAsJWT, verification: verification, now: Date()))
        }
        let verificationAsked = jwks != nil || issuer != nil || client != nil
        if !inspection.isJWT || (verificationAsked && verification.verdict.status != .verified)
            || verification.claims?.status == .failed || Self.isUnsigned(inspection)
        {
            throw ExitCode(1)
        }
    }

    private func readToken() throws -> String {
        var text = token
        if token == "-" {
            text = try readStandardInput(holding: "the token")
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("bearer ") { text = String(text.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty else { throw CLIError.usage("no token given: pass it as an argument or on stdin") }
        return text
    }

    /// Verifies a JWT with the key set the options name.
    private func verify(_ raw: String) async throws -> TokenVerification {
        if let client {
            return try await AppContext.with(options) { context in
                try await context.withClient(client) { client async throws(OAuthError) -> TokenVerification in
                    await client.verification(of: raw)
                }
            }
        }
        if let jwks {
            if let url = URL(string: jwks), let scheme = url.scheme, scheme == "http" || scheme == "https" {
                return await withTransport { transport in
                    await verifier(keys: Self.remoteKeySet(url, transport: transport)).check(raw)
                }
            }
            let data: Data
            do {
                data = try LocalFile.read(jwks)
            } catch {
                throw CLIError.usage("--jwks \(error)")
            }
            do {
                return await verifier(keys: try JWKSCache(jwksData: data, source: jwks)).check(raw)
            } catch {
                throw CLIError.usage(error.description)
            }
        }
        if let issuer {
            guard let issuerURL = URL(string: issuer), let scheme = issuerURL.scheme, scheme == "http" || scheme == "https" else {
                throw CLIError.usage("--issuer \(issuer) is not an http(s) URL to discover a key set from: add --jwks URL|FILE")
            }
            return await withTransport { transport in
                do {
                    let (metadata, _) = try await MetadataDiscovery.discover(
                        issuer: issuerURL, transport: transport, timeout: .seconds(10), caFile: nil, allowInsecureHTTP: false)
                    guard let jwksURI = metadata.jwksURI else {
                        return TokenVerification(
                            signature: SignatureVerdict(
                                .unverified, "the metadata at \(URLText.describe(metadata.source)) has no jwks_uri: pass --jwks"))
                    }
                    return await verifier(keys: Self.remoteKeySet(jwksURI, transport: transport)).check(raw)
                } catch {
                    return TokenVerification(
                        signature: SignatureVerdict(
                            .unverified, "no key set: discovery from the issuer failed: \(error)"))
                }
            }
        }
        return TokenVerification(
            signature: SignatureVerdict(
                .unverified, "no key set given: pass --jwks URL|FILE, --issuer URL or --client NAME to verify"))
    }

    private func verifier(keys: JWKSCache) -> TokenVerifier {
        TokenVerifier(keys: keys, expectedIssuer: issuer, expectedAudience: audience, leeway: .seconds(60), now: Date.init)
    }

    private func withTransport(_ body: (HTTPTransport) async -> TokenVerification) async -> TokenVerification {
        let transport = HTTPTransport()
        let verification = await body(transport)
        await transport.shutdown()
        return verification
    }

    private static func remoteKeySet(_ url: URL, transport: HTTPTransport) -> JWKSCache {
        JWKSCache(url: url) { url in
            let response = try await transport.send(
                OutgoingRequest(method: .get, url: url, headers: [("Accept", "application/json")]))
            guard response.status == 200 else {
                throw TokenResponseParser.parseError(response, endpoint: URLText.describe(url), now: Date())
            }
            return response.body
        }
    }

    /// True for a JWT whose header says `alg: none`: anyone could have written it.
    static func isUnsigned(_ inspection: TokenDecoder.Inspection) -> Bool {
        guard case .jwt(let decoded) = inspection else { return false }
        return decoded.algorithm?.lowercased() == "none"
    }

    /// What `decode` says of an unsigned token, in its own line.
    static let unsignedWarning = "alg none: the token is unsigned, so anyone could have written it; no API should accept it"

    /// The JSON form: the format, header and claims of a JWT, and each verdict.
    static func json(_ inspection: TokenDecoder.Inspection, meantAsJWT: Bool, verification: TokenVerification) -> JSONValue {
        let verdict = { (verdict: SignatureVerdict) -> JSONValue in
            .object(["status": .string(verdict.status.rawValue), "reason": .string(verdict.reason)])
        }
        var object: [String: JSONValue] = ["signature": verdict(verification.signature)]
        if let claims = verification.claims { object["claims_verdict"] = verdict(claims) }
        if isUnsigned(inspection) { object["warning"] = .string(unsignedWarning) }
        switch inspection {
        case .jwt(let decoded):
            object["format"] = .string(TokenFormat.jwt.rawValue)
            object["header"] = .object(decoded.header)
            object["claims"] = .object(decoded.claims)
        case .notJWT(let reason, _):
            object["format"] = .string(meantAsJWT ? "not-jwt" : TokenFormat.opaque.rawValue)
            if meantAsJWT { object["reason"] = .string(reason) }
        }
        return .object(object)
    }

    /// The human form: header, claims with times, then the signature's verdict and the claims'.
    static func describe(
        _ inspection: TokenDecoder.Inspection, meantAsJWT: Bool, verification: TokenVerification, now: Date
    ) -> String {
        let verdictLine = { (label: String, verdict: SignatureVerdict) in
            "\(label): \(verdict.status.words): \(TerminalText.sanitize(verdict.reason))"
        }
        let decoded: DecodedToken
        switch inspection {
        case .jwt(let token): decoded = token
        case .notJWT(let reason, _):
            let format = meantAsJWT ? "format: not a JWT (\(reason))" : "format: opaque (not a JWT)"
            return format + "\n" + verdictLine("signature", verification.signature)
        }
        var lines = ["format: JWT", "header:"]
        for (key, value) in decoded.header.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(TerminalText.sanitize(key)): \(TerminalText.sanitize(display(value)))")
        }
        lines.append("claims:")
        let timeClaims: Set = ["exp", "iat", "nbf", "auth_time"]
        for (key, value) in decoded.claims.sorted(by: { $0.key < $1.key }) {
            var text = TerminalText.sanitize(display(value))
            if timeClaims.contains(key), let date = value.timestampValue {
                text += "  (\(TimeText.iso8601(date)), \(TimeText.relative(date, now: now)))"
            }
            lines.append("  \(TerminalText.sanitize(key)): \(text)")
        }
        if isUnsigned(inspection) { lines.append(unsignedWarning) }
        lines.append(verdictLine("signature", verification.signature))
        if let claims = verification.claims { lines.append(verdictLine("claims", claims)) }
        return lines.joined(separator: "\n")
    }

    private static func display(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return JSONValue.numberText(number)
        default: return value.compactText
        }
    }
}

extension TokenDecoder.Inspection {
    var isJWT: Bool {
        if case .jwt = self { return true }
        return false
    }
}
