import DemoServer
import Foundation
import JWTKit
import ProtocolSupport
import Testing
import TokenConfig
import TokenModel
import _CryptoExtras

@testable import OAuthClient

/// A folder for kept DPoP keys, as `XDG_STATE_HOME`, removed by the caller.
func temporaryStateHome() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-state-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// A JWT-shaped access token with these claims; the signature is not what these tests check.
func accessTokenJWT(_ claims: [String: Any]) throws -> String {
    let header = Base64URL.encode(try JSONSerialization.data(withJSONObject: ["alg": "ES256", "typ": "at+jwt"]))
    return header + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims)) + ".c2lnbmF0dXJl"
}

/// The claims of a proof a server received.
func proofClaims(_ proof: String?) -> [String: Any] {
    guard let proof, case let parts = proof.split(separator: "."), parts.count == 3, let data = Base64URL.decode(parts[1]),
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { return [:] }
    return object
}

@Suite("DPoP (RFC 9449) from the client's side: proofs, nonces, bound tokens, the binding verdict")
struct DPoPClientTests {
    static let options = DemoServerOptions(clients: DemoClientSpec.standardSet + [DemoClientSpec.dpopClient])

    /// dpop-client of `demo` with `dpop: true`, its API `/mod`.
    func dpopClientConfiguration(_ demo: DemoEnvironment) throws -> ClientConfiguration {
        var configuration = try #require(demo.configuration().client(named: "dpop-client"))
        configuration.dpop = true
        configuration.resourceURI = demo.resourceURL
        return configuration
    }

    @Test(
        "dpop-client gets a DPoP token bound to a key kept 0600 under XDG_STATE_HOME; a restart keeps the key; /mod, introspection and revocation work with it"
    )
    func boundTokenFromTheDemo() async throws {
        let demo = try await DemoEnvironment.start(Self.options)
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let environment = ["XDG_STATE_HOME": state.path, "HOME": "/nonexistent"]
        let client = AuthorizationClient(
            configuration: try dpopClientConfiguration(demo), transport: transport, environment: environment)

        let token = try await client.requestToken()
        let thumbprint = try #require(try await client.dpopThumbprint())
        #expect(token.tokenType == "DPoP")
        #expect(!token.nonceRetried)
        #expect(token.binding.method == .dpop)
        #expect(token.binding.confirmation.jkt == thumbprint)
        #expect(token.binding.mismatch(introspected: nil) == nil)
        #expect(token.binding.display == "DPoP · jkt \(thumbprint.prefix(4))… (cnf.jkt matches the local key)")

        let keyFile = state.appending(path: "tokentop/dpop/dpop-client.pem")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: keyFile.deletingLastPathComponent().path)
        #expect(folder[.posixPermissions] as? Int == 0o700)
        let restarted = AuthorizationClient(
            configuration: try dpopClientConfiguration(demo), transport: transport, environment: environment)
        #expect(try await restarted.dpopThumbprint() == thumbprint)

        let answer = try #require(await client.callResource(token.accessToken))
        #expect(answer.status == 200, "\(answer.wwwAuthenticate ?? answer.bodyExcerpt)")
        #expect(!answer.nonceRetried)

        let introspection = try await client.introspect(token.accessToken)
        #expect(introspection.active)
        #expect(introspection.fields["cnf"]?.objectValue?["jkt"]?.stringValue == thumbprint)
        #expect(token.binding.mismatch(introspected: introspection.fields) == nil)
        try await client.revoke(token.accessToken)
        #expect(try await client.introspect(token.accessToken).active == false)

        await transport.shutdown()
        await demo.shutdown()
    }

    @Test(
        "with the demo's nonce challenge on, the token request and the API call are each retried once with the nonce, and the nonce is kept",
        arguments: TokenValidationMode.allCases)
    func nonceChallenge(mode: TokenValidationMode) async throws {
        var options = Self.options
        options.validationMode = mode
        let demo = try await DemoEnvironment.start(options)
        var faults = await demo.faults
        faults.dpopNonceRequired = true
        await demo.setFaults(faults)
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = AuthorizationClient(
            configuration: try dpopClientConfiguration(demo), transport: transport, environment: ["XDG_STATE_HOME": state.path])

        let first = try await client.requestToken()
        #expect(first.nonceRetried)
        #expect(first.tokenType == "DPoP")
        let second = try await client.requestToken()
        #expect(!second.nonceRetried, "the nonce of the first answer is kept for the next request")

        let answer = try #require(await client.callResource(second.accessToken))
        #expect(answer.status == 200, "\(answer.wwwAuthenticate ?? answer.bodyExcerpt)")
        #expect(answer.nonceRetried)
        let again = try #require(await client.callResource(second.accessToken))
        #expect(again.status == 200)
        #expect(!again.nonceRetried)

        await transport.shutdown()
        await demo.shutdown()
    }

    @Test("without dpop: true the DPoP-only client is refused with the server's invalid_dpop_proof, marked as wanting DPoP")
    func withoutDPoP() async throws {
        let demo = try await DemoEnvironment.start(Self.options)
        let transport = HTTPTransport(environment: [:])
        var configuration = try #require(demo.configuration().client(named: "dpop-client"))
        #expect(configuration.dpop, "the demo configures its DPoP client with dpop: true")
        configuration.dpop = false
        let client = AuthorizationClient(configuration: configuration, transport: transport)
        await #expect {
            _ = try await client.requestToken()
        } throws: { error in
            let error = error as? OAuthError
            return error?.oauthCode == .invalidDPoPProof && error?.requirement == .dpop && error?.needsOperator == true
        }
        await transport.shutdown()
        await demo.shutdown()
    }

    enum KeyKind: String, CaseIterable { case ec, rsa }

    @Test(
        "every proof passes joserfc: typ, jwk signature, htm, htu without query or fragment, iat, jti, ath at the API; ES256 and PS256 keys",
        arguments: KeyKind.allCases)
    func proofsCheckedIndependently(kind: KeyKind) async throws {
        let folder = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appending(path: "dpop.pem")
        let pem =
            kind == .ec ? ES256PrivateKey().pemRepresentation : try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        try Data(pem.utf8).write(to: keyFile)

        let server = try await ScriptedServer.start { request in
            if request.path.hasPrefix("/token") {
                return .init(body: #"{"access_token":"opaque-dpop-token-0123456789","token_type":"dpop","expires_in":300}"#)
            }
            return .init(body: "{}")
        }
        let transport = HTTPTransport(environment: [:])
        let configuration = ClientConfiguration(
            name: "proofs", tokenURI: URL(string: "\(server.baseURL)/token?tenant=a")!, clientID: "proofs",
            clientSecret: .inline("secret"), resourceURI: URL(string: "\(server.baseURL)/api/items?page=2#top")!,
            timeout: .seconds(5), dpop: true, dpopKeyFile: keyFile.path)
        let client = AuthorizationClient(configuration: configuration, transport: transport, environment: [:])
        let token = try await client.requestToken()
        #expect(token.binding.method == .dpop)
        let answer = try #require(await client.callResource(token.accessToken))
        #expect(answer.status == 200)
        let thumbprint = try #require(try await client.dpopThumbprint())

        let requests = server.requests
        #expect(requests.count == 2)
        let tokenRequest = try #require(requests.first)
        let apiRequest = try #require(requests.last)
        #expect(apiRequest.headers["authorization"] == "DPoP opaque-dpop-token-0123456789")
        let tokenProof = try await ProofValidator.check(
            try #require(tokenRequest.headers["dpop"]), method: "POST", url: "\(server.baseURL)/token?tenant=a")
        #expect(tokenProof.passed, "\(tokenProof.output)")
        #expect(tokenProof.output == "ok: \(thumbprint)")
        let apiProof = try await ProofValidator.check(
            try #require(apiRequest.headers["dpop"]), method: "GET", url: "\(server.baseURL)/api/items",
            accessToken: token.accessToken)
        #expect(apiProof.passed, "\(apiProof.output)")
        let header =
            try JSONSerialization.jsonObject(
                with: Base64URL.decode(try #require(apiRequest.headers["dpop"]?.split(separator: ".").first))!) as? [String: Any]
        #expect(header?["alg"] as? String == (kind == .ec ? "ES256" : "PS256"))
        #expect(
            proofClaims(tokenRequest.headers["dpop"])["jti"] as? String != proofClaims(apiRequest.headers["dpop"])["jti"]
                as? String)

        // The validator can fail: a proof for another URL or token is refused.
        let wrong = try await ProofValidator.check(
            try #require(apiRequest.headers["dpop"]), method: "GET", url: "\(server.baseURL)/other",
            accessToken: token.accessToken + "x")
        #expect(!wrong.passed)

        await transport.shutdown()
        await server.stop()
    }

    /// A `dpop: true` client of `server`'s `/token`, `/introspect` and `/api`, keeping its key under `state`.
    func dpopClient(of server: ScriptedServer, transport: HTTPTransport, state: URL) -> AuthorizationClient {
        let configuration = ClientConfiguration(
            name: "dpop", tokenURI: server.baseURL.appending(path: "token"),
            introspectionURI: server.baseURL.appending(path: "introspect"), clientID: "dpop", clientSecret: .inline("secret"),
            resourceURI: server.baseURL.appending(path: "api"), timeout: .seconds(5), dpop: true)
        return AuthorizationClient(
            configuration: configuration, transport: transport, environment: ["XDG_STATE_HOME": state.path])
    }

    @Test("a token endpoint that wants a fresh nonce on every request gets exactly one retry, then a clear error")
    func endlessNoncesAtTheTokenEndpoint() async throws {
        let server = try await ScriptedServer.start { _ in
            .init(
                status: .badRequest,
                headers: [("Content-Type", "application/json"), ("DPoP-Nonce", UUID().uuidString)],
                body: #"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#)
        }
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = dpopClient(of: server, transport: transport, state: state)
        await #expect {
            _ = try await client.requestToken()
        } throws: { error in
            guard let error = error as? OAuthError else { return false }
            return error.oauthCode == .useDPoPNonce && error.description.contains("retries once")
        }
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(proofClaims(requests.first?.headers["dpop"])["nonce"] == nil)
        #expect(proofClaims(requests.last?.headers["dpop"])["nonce"] is String)

        // The manager's history records the retry of a failed fetch by its code.
        let record = FetchRecord(
            reason: .startup, startedAt: Date(), latency: .zero,
            error: OAuthError.server(code: "use_dpop_nonce", description: nil, uri: nil, endpoint: nil, httpStatus: 400),
            claimChanges: [], expiresAt: nil, nonceRetried: true)
        #expect(record.nonceRetried)
        await transport.shutdown()
        await server.stop()
    }

    @Test("a DPoP-Nonce that is not RFC 9449 NQCHAR text is never echoed into a proof: no retry, and the error says why")
    func hostileNonce() async throws {
        let server = try await ScriptedServer.start { _ in
            .init(
                status: .badRequest,
                headers: [("Content-Type", "application/json"), ("DPoP-Nonce", #"a"b\c"#)],
                body: #"{"error":"use_dpop_nonce"}"#)
        }
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = dpopClient(of: server, transport: transport, state: state)
        await #expect {
            _ = try await client.requestToken()
        } throws: { error in
            (error as? OAuthError)?.description.contains("sent no DPoP-Nonce header") == true
        }
        #expect(server.requests.count == 1)
        await transport.shutdown()
        await server.stop()
    }

    @Test("an API that wants a fresh nonce on every call gets one retry; the answer shows the 401 use_dpop_nonce")
    func endlessNoncesAtTheAPI() async throws {
        let server = try await ScriptedServer.start { request in
            if request.path.hasPrefix("/token") {
                return .init(body: #"{"access_token":"opaque-dpop-token-0123456789","token_type":"DPoP","expires_in":300}"#)
            }
            return .init(
                status: .unauthorized,
                headers: [
                    ("DPoP-Nonce", UUID().uuidString),
                    (
                        "WWW-Authenticate",
                        #"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#
                    ),
                ], body: "")
        }
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = dpopClient(of: server, transport: transport, state: state)
        let token = try await client.requestToken()
        let answer = try #require(await client.callResource(token.accessToken))
        #expect(answer.status == 401)
        #expect(answer.nonceRetried)
        #expect(answer.challengeError?.error == .useDPoPNonce)
        #expect(server.requests.filter { $0.path.hasPrefix("/api") }.count == 2)

        let summary = TokenSummary(
            masked: token.masked, tokenType: token.tokenType, decoded: token.decoded, issuedAt: Date(),
            expiresAt: Date().addingTimeInterval(300), refreshAt: nil, scopes: [],
            verdict: SignatureVerdict(.unverified, "opaque"),
            extraFields: [:], binding: token.binding)
        let snapshot = ClientSnapshot(
            name: "nonces", state: .valid, token: summary, responses: [answer], resourceURI: "api")
        let verdict = snapshot.health(at: Date())
        #expect(verdict.state == .degraded)
        #expect(verdict.reason.contains("API 401 use_dpop_nonce"))
        await transport.shutdown()
        await server.stop()
    }

    /// A snapshot holding `token` as its current token.
    func snapshot(holding token: IssuedToken, introspection: IntrospectionResult? = nil) -> ClientSnapshot {
        let summary = TokenSummary(
            masked: token.masked, tokenType: token.tokenType, decoded: token.decoded, issuedAt: token.issuedAt,
            expiresAt: token.expiresAt, refreshAt: nil, scopes: token.scopes,
            verdict: SignatureVerdict(.unverified, "not checked here"),
            extraFields: token.extraFields, binding: token.binding)
        return ClientSnapshot(name: "bound", state: .valid, token: summary, introspection: introspection)
    }

    @Test("a token whose cnf.jkt names another key makes the verdict an error with that reason")
    func foreignJKT() async throws {
        let foreign = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        let jwt = try accessTokenJWT(["sub": "bound", "exp": Date().timeIntervalSince1970 + 300, "cnf": ["jkt": foreign]])
        let server = try await ScriptedServer.start { request in
            if request.path.hasPrefix("/introspect") {
                return .init(body: #"{"active":true,"token_type":"DPoP","cnf":{"jkt":"\#(foreign)"}}"#)
            }
            return .init(body: #"{"access_token":"\#(jwt)","token_type":"DPoP","expires_in":300}"#)
        }
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = dpopClient(of: server, transport: transport, state: state)
        let token = try await client.requestToken()
        #expect(token.binding.display.hasSuffix("(cnf.jkt is NOT the local key)"))
        let verdict = snapshot(holding: token).health(at: Date())
        #expect(verdict.state == .error)
        #expect(verdict.reason.contains("cnf.jkt NzbLsXh8… is not the local DPoP key's thumbprint"), "\(verdict.reason)")

        // An opaque token: the foreign key shows up through introspection.
        var opaque = token
        opaque.decoded = DecodedToken(format: .opaque)
        opaque.binding.confirmation = .init()
        #expect(snapshot(holding: opaque).health(at: Date()).state != .error)
        let introspection = try await client.introspect(token.accessToken)
        let introspected = snapshot(holding: opaque, introspection: introspection).health(at: Date())
        #expect(introspected.state == .error)
        #expect(introspected.reason.contains("introspection's cnf.jkt"), "\(introspected.reason)")
        await transport.shutdown()
        await server.stop()
    }

    @Test("a Bearer answer to a DPoP request is degraded (server ignored the DPoP key) and the token goes to the API as Bearer")
    func serverIgnoresTheKey() async throws {
        let server = try await ScriptedServer.start { request in
            if request.path.hasPrefix("/token") {
                return .init(body: #"{"access_token":"opaque-bearer-token-0123456789","token_type":"Bearer","expires_in":300}"#)
            }
            return .init(body: "{}")
        }
        let transport = HTTPTransport(environment: [:])
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let client = dpopClient(of: server, transport: transport, state: state)
        let token = try await client.requestToken()
        #expect(token.binding.method == .bearer)
        #expect(token.binding.dpopIgnored)
        #expect(token.binding.display == "bearer (server ignored the DPoP key)")
        let verdict = snapshot(holding: token).health(at: Date())
        #expect(verdict.state == .degraded)
        #expect(verdict.reason.contains("server ignored the DPoP key"))

        _ = await client.callResource(token.accessToken)
        let api = try #require(server.requests.last)
        #expect(api.headers["authorization"] == "Bearer opaque-bearer-token-0123456789")
        #expect(api.headers["dpop"] == nil)
        await transport.shutdown()
        await server.stop()
    }

    @Test("token_type DPoP is refused when the client sends no proofs, and accepted in any case when it does")
    func tokenTypes() throws {
        let body = Data(#"{"access_token":"abc0123456789","token_type":"DpOp","expires_in":60}"#.utf8)
        #expect(throws: OAuthError.self) { try TokenResponseParser.parseSuccess(body, issuedAt: Date(), endpoint: nil) }
        do {
            _ = try TokenResponseParser.parseSuccess(body, issuedAt: Date(), endpoint: nil)
        } catch {
            #expect(error.description.contains("set dpop: true"))
        }
        #expect(try TokenResponseParser.parseSuccess(body, issuedAt: Date(), endpoint: nil, dpop: true).tokenType == "DpOp")
    }

    @Test("a kept key that others may read is refused with what to do")
    func looseKeyPermissions() async throws {
        let state = try temporaryStateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let configuration = ClientConfiguration(
            name: "loose", tokenURI: URL(string: "http://127.0.0.1:9/token")!, clientID: "loose", clientSecret: .inline("s"),
            dpop: true)
        let environment = ["XDG_STATE_HOME": state.path]
        let file = try #require(DPoPKey.keptKeyFile(client: "loose", environment: environment))
        _ = try await DPoPKey.load(for: configuration, environment: environment)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        await #expect {
            _ = try await DPoPKey.load(for: configuration, environment: environment)
        } throws: { error in
            (error as? OAuthError)?.description.contains("chmod 600") == true
        }
        #expect(
            DPoPKey.keptKeyFile(client: "../evil/x", environment: ["HOME": "/home/u"])?.path
                == "/home/u/.local/state/tokentop/dpop/_.._evil_x.pem")
    }
}
