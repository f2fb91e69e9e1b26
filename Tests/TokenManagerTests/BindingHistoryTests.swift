import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenModel
import TokenTesting

@testable import TokenLifecycle

/// A service whose token request answers one scripted result: a bound token, or an error.
struct BoundTokenService: AuthorizationService {
    let clock: ManualClock
    let binding: TokenBinding
    let failure: OAuthError?

    func requestToken() async throws(OAuthError) -> IssuedToken {
        if let failure { throw failure }
        let now = clock.now()
        return IssuedToken(
            accessToken: "bound-access-token-0123456789", tokenType: "DPoP", issuedAt: now,
            expiresAt: now.addingTimeInterval(3600),
            scopes: [], refreshIn: nil, extraFields: [:], decoded: DecodedToken(format: .opaque), binding: binding,
            nonceRetried: true)
    }
    func verify(_ accessToken: String, receivedAt: Date) async -> SignatureVerdict { SignatureVerdict(.unverified, "opaque") }
    func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult {
        throw OAuthError.configuration("no introspection here")
    }
    func revoke(_ accessToken: String) async throws(OAuthError) {}
    func callResource(_ accessToken: String) async -> ResourceResponse? { nil }
}

@Suite("The manager carries the token's binding to the snapshot and records DPoP nonce retries in History")
struct BindingHistoryTests {
    let clock = ManualClock()

    func snapshot(_ service: BoundTokenService) async throws -> ClientSnapshot {
        let configuration = ClientConfiguration(
            name: "dpop-client", tokenURI: URL(string: "http://127.0.0.1:1/token"), clientID: "id",
            clientSecret: .inline("secret"), dpop: true)
        let manager = TokenManager(
            registrations: [.init(configuration: configuration, service: service)], clock: clock, random: { 0 })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            await manager.settled()
            let snapshot = await manager.snapshot().clients[0]
            group.cancelAll()
            return snapshot
        }
    }

    @Test("a fetch that needed the nonce retry is marked in History; the binding reaches the snapshot and its verdict")
    func boundFetch() async throws {
        let binding = TokenBinding(method: .dpop, localKeyThumbprint: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        let snapshot = try await snapshot(BoundTokenService(clock: clock, binding: binding, failure: nil))
        #expect(snapshot.history.last?.nonceRetried == true)
        #expect(snapshot.token?.binding == binding)
        #expect(snapshot.token?.binding.display == "DPoP · jkt 0ZcO… (no cnf.jkt in the token to compare)")
        #expect(snapshot.health(at: clock.now()).state == .ok)

        var foreign = binding
        foreign.confirmation = .init(jkt: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        let mismatched = try await self.snapshot(BoundTokenService(clock: clock, binding: foreign, failure: nil))
        #expect(mismatched.health(at: clock.now()).state == .error)
    }

    @Test("a fetch that failed with use_dpop_nonce after its one retry is marked too; other failures are not")
    func failedFetch() async throws {
        let nonce = OAuthError.server(code: "use_dpop_nonce", description: nil, uri: nil, endpoint: "token", httpStatus: 400)
        let failed = try await snapshot(BoundTokenService(clock: clock, binding: TokenBinding(method: .bearer), failure: nonce))
        #expect(failed.history.last?.nonceRetried == true)
        let other = OAuthError.server(code: "server_error", description: nil, uri: nil, endpoint: "token", httpStatus: 500)
        let plain = try await snapshot(BoundTokenService(clock: clock, binding: TokenBinding(method: .bearer), failure: other))
        #expect(plain.history.last?.nonceRetried == false)
    }
}
