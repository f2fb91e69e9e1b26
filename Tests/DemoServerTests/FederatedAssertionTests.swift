import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

/// Federated client assertions end to end in-process: the demo trusts an issuer Entra-style
/// (`--federated-issuer`), joserfc (PyPI) mints the assertions into a file the way the kubelet
/// rotates a projected token, and tokentop's client reads the file again for every request.
@Suite("Federated client assertions against the demo", .serialized)
struct FederatedAssertionTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A demo with a trusted issuer on a clock the test moves, and a folder with the issuer's key.
    struct Setup {
        let clock = ManualClock(now: FederatedAssertionTests.start)
        let issuer = FederatedIssuer(issuer: "https://ci.example/oidc")
        let folder: URL
        let keyFile: String
        let assertionFile: String
        let demo: DemoEnvironment
        let transport = HTTPTransport(environment: [:])

        init() async throws {
            folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-federated-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            keyFile = folder.appending(path: "issuer-key.pem").path
            assertionFile = folder.appending(path: "token").path
            try issuer.signingKeyPEM.write(toFile: keyFile, atomically: true, encoding: .utf8)
            var options = DemoServerOptions(clock: clock)
            options.federatedIssuer = issuer
            demo = try await DemoEnvironment.start(options)
        }

        /// Writes an assertion minted by joserfc, living from `from` to `until` seconds after the start.
        func mint(from: TimeInterval, until: TimeInterval, subject: String? = nil, audience: String? = nil) async throws {
            let arguments = [
                keyFile, assertionFile, issuer.issuer, subject ?? issuer.subject, audience ?? issuer.audience,
                String(Int(FederatedAssertionTests.start.timeIntervalSince1970 + from)),
                String(Int(FederatedAssertionTests.start.timeIntervalSince1970 + until)),
            ]
            let status = try await Self.python(arguments)
            #expect(status == 0, "mint_assertion.py failed")
        }

        func client() -> AuthorizationClient {
            let clock = self.clock
            return AuthorizationClient(
                configuration: ClientConfiguration(
                    name: "federated", tokenURI: demo.tokenEndpoint, clientID: issuer.clientID,
                    authenticationMethod: .privateKeyJWT, federatedAssertion: .file(path: assertionFile)),
                transport: transport, now: { clock.now() })
        }

        func stop() async {
            await transport.shutdown()
            await demo.shutdown()
            try? FileManager.default.removeItem(at: folder)
        }

        /// Runs the minting script on a thread of its own, so the wait never holds the cooperative pool.
        static func python(_ arguments: [String]) async throws -> Int32 {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let python = root.appending(path: ".build/pyvenv/bin/python")
            let script = root.appending(path: "Tests/DemoServerTests/Validators/mint_assertion.py")
            guard FileManager.default.isExecutableFile(atPath: python.path) else { throw Validator.MissingVenv() }
            return try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(
                        with: Result {
                            let process = Process()
                            process.executableURL = python
                            process.arguments = [script.path] + arguments
                            try process.run()
                            process.waitUntilExit()
                            return process.terminationStatus
                        })
                }
            }
        }
    }

    @Test(
        "a rotation mid-run is picked up with no failed request, past the old assertion's exp; the claims are shown, never the assertion"
    )
    func rotation() async throws {
        let setup = try await Setup()
        let client = setup.client()
        do {
            try await setup.mint(from: 0, until: 600)
            _ = try await client.requestToken()
            var assertion = try #require(await client.diagnostics().credentials.first { $0.kind == .assertion })
            #expect(assertion.expiresAt == Self.start.addingTimeInterval(600))
            #expect(assertion.subject == setup.issuer.subject)
            #expect(assertion.details == ["iss": "https://ci.example/oidc", "aud": FederatedIssuer.entraAudience])

            // The kubelet rotates at 80 % of the life; the next request after it, and one past the
            // first assertion's exp, both succeed with the new one.
            setup.clock.advance(by: 480)
            try await setup.mint(from: 480, until: 1080)
            _ = try await client.requestToken()
            setup.clock.advance(to: Self.start.addingTimeInterval(700))
            _ = try await client.requestToken()
            assertion = try #require(await client.diagnostics().credentials.first { $0.kind == .assertion })
            #expect(assertion.expiresAt == Self.start.addingTimeInterval(1080))
            #expect(!assertion.details.values.contains { $0.hasPrefix("eyJ") })
        } catch {
            Issue.record("a token request failed: \(error)")
        }
        await setup.stop()
    }

    @Test("an assertion left to expire, another subject (case counts) and another audience are refused and named")
    func rejections() async throws {
        let setup = try await Setup()
        let client = setup.client()
        func refusal() async -> OAuthError? {
            do {
                _ = try await client.requestToken()
                return nil
            } catch {
                return error
            }
        }
        try await setup.mint(from: 0, until: 600)
        setup.clock.advance(by: 601)
        let expired = await refusal()
        #expect(expired?.assertionRejection == .expired, "\(String(describing: expired))")
        #expect(expired?.needsOperator == false, "a rotation may mend it: retries go on")

        try await setup.mint(from: 601, until: 1200, subject: "System:serviceaccount:demo:federated-client")
        let subject = await refusal()
        #expect(subject?.assertionRejection == .subjectRejected, "\(String(describing: subject))")
        #expect(subject?.needsOperator == true)

        try await setup.mint(from: 601, until: 1200, audience: "api://default")
        #expect(await refusal()?.assertionRejection == .audienceMismatch)

        try await setup.mint(from: 601, until: 1200)
        #expect(await refusal() == nil)
        await setup.stop()
    }
}
