import ArgumentParser
import Foundation
import JOSESupport
import OAuthClient
import TokenModel

/// `tokentop decode`: a token's header and claims, times absolute and relative, and the
/// verification verdict.
struct DecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a JWT and, with --jwks, verify it.",
        discussion: "Exit status 1 when verification was asked for (--jwks) and failed, or the token is not a JWT.")

    @Argument(help: "The token, or - (the default) to read it from stdin.")
    var token: String = "-"

    @Option(help: "A JWKS URL or file to verify the signature against.")
    var jwks: String?

    @Option(help: "The issuer the token must carry (iss).")
    var issuer: String?

    @Option(help: "The audience the token must carry (aud).")
    var audience: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let raw = try readToken()
        let decoded = TokenDecoder.decode(raw)
        let verdict = try await verify(raw, decoded: decoded)

        if json {
            var object: [String: JSONValue] = [
                "format": .string(decoded.format.rawValue),
                "signature": .object(["status": .string(verdict.status.rawValue), "reason": .string(verdict.reason)]),
            ]
            if decoded.format == .jwt {
                object["header"] = .object(decoded.header)
                object["claims"] = .object(decoded.claims)
            }
            print(TerminalText.sanitize(JSONValue.object(object).prettyText, singleLine: false))
        } else {
            print(Self.describe(decoded, verdict: verdict, now: Date()))
        }
        if decoded.format == .opaque || (jwks != nil && verdict.status != .verified) { throw ExitCode(1) }
    }

    private func readToken() throws -> String {
        var text = token
        if token == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            text = String(decoding: data, as: UTF8.self)
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("bearer ") { text = String(text.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard !text.isEmpty else { throw CLIError.usage("no token given: pass it as an argument or on stdin") }
        return text
    }

    private func verify(_ raw: String, decoded: DecodedToken) async throws -> SignatureVerdict {
        guard let jwks else {
            return decoded.format == .jwt
                ? SignatureVerdict(.unverified, "no key set given: pass --jwks URL|FILE to verify")
                : SignatureVerdict(.unverified, "opaque token: it can only be introspected")
        }
        let cache: JWKSCache
        if let url = URL(string: jwks), let scheme = url.scheme, scheme == "http" || scheme == "https" {
            let transport = HTTPTransport()
            cache = JWKSCache(url: url) { url in
                let response = try await transport.send(
                    OutgoingRequest(method: .get, url: url, headers: [("Accept", "application/json")]))
                guard response.status == 200 else {
                    throw TokenResponseParser.parseError(response, endpoint: HTTPTransport.describe(url), now: Date())
                }
                return response.body
            }
            let verdict = await TokenVerifier(
                keys: cache, expectedIssuer: issuer, expectedAudience: audience, leeway: .seconds(60), now: Date.init
            ).verify(raw)
            await transport.shutdown()
            return verdict
        }
        guard let data = FileManager.default.contents(atPath: jwks) else {
            throw CLIError.usage("cannot read the key set file \(jwks)")
        }
        do {
            cache = try JWKSCache(jwksData: data, source: jwks)
        } catch {
            throw CLIError.usage(error.description)
        }
        return await TokenVerifier(
            keys: cache, expectedIssuer: issuer, expectedAudience: audience, leeway: .seconds(60), now: Date.init
        ).verify(raw)
    }

    /// The human form: header, claims with times, verdict.
    static func describe(_ decoded: DecodedToken, verdict: SignatureVerdict, now: Date) -> String {
        guard decoded.format == .jwt else {
            return "format: opaque (not a JWT)\nsignature: \(verdict.status.rawValue): \(verdict.reason)"
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
        lines.append("signature: \(verdict.status.rawValue): \(TerminalText.sanitize(verdict.reason))")
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
