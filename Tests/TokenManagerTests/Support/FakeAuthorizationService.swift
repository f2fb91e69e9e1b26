import Foundation
import OAuthClient
import Synchronization
import TokenLifecycle
import TokenModel
import TokenTesting

/// A scripted authorization server: each token request takes the next scripted outcome
/// (the last one repeats), and every call is counted.
final class FakeAuthorizationService: AuthorizationService {
    enum Outcome: Sendable {
        /// A JWT-looking token with this lifetime (nil: no expires_in), scope and extra claims.
        case token(
            lifetime: TimeInterval?, scope: String = "custom_mod", refreshIn: Duration? = nil, claims: [String: JSONValue] = [:])
        case failure(OAuthError)
    }

    private struct State {
        var outcomes: [Outcome]
        var tokenRequests = 0
        var revoked: [String] = []
        var resourceCalls: [String] = []
        var resourceAnswers: [ResourceResponse] = []
        var issued = 0
        var gate: CheckedContinuation<Void, Never>?
        var gateClosed = false
        var waitingAtGate: [CheckedContinuation<Void, Never>] = []
        var verdicts: [SignatureVerdict] = []
        var verifications = 0
    }

    private let state: Mutex<State>
    private let clock: ManualClock

    init(clock: ManualClock, outcomes: [Outcome]) {
        self.clock = clock
        state = Mutex(State(outcomes: outcomes))
    }

    var tokenRequests: Int { state.withLock { $0.tokenRequests } }
    var revokedTokens: [String] { state.withLock { $0.revoked } }
    var resourceCalls: [String] { state.withLock { $0.resourceCalls } }

    func script(_ outcomes: [Outcome]) { state.withLock { $0.outcomes = outcomes } }

    /// The next verdicts, one per verification, in order; after them every token verifies.
    func scriptVerdicts(_ verdicts: [SignatureVerdict]) { state.withLock { $0.verdicts = verdicts } }

    var verifications: Int { state.withLock { $0.verifications } }

    /// The next resource answers, in order; after them every call answers 200.
    func scriptResource(_ answers: [ResourceResponse]) { state.withLock { $0.resourceAnswers = answers } }

    /// Holds token requests until `openGate()`.
    func closeGate() { state.withLock { $0.gateClosed = true } }

    func openGate() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.gateClosed = false
            defer { state.waitingAtGate = [] }
            return state.waitingAtGate
        }
        for continuation in waiting { continuation.resume() }
    }

    var waitingAtGate: Int { state.withLock { $0.waitingAtGate.count } }

    func requestToken() async throws(OAuthError) -> IssuedToken {
        let closed = state.withLock { state -> Bool in
            state.tokenRequests += 1
            return state.gateClosed
        }
        if closed {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.gateClosed else { return true }
                    state.waitingAtGate.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        let (outcome, serial) = state.withLock { state -> (Outcome, Int) in
            let outcome = state.outcomes.count > 1 ? state.outcomes.removeFirst() : state.outcomes[0]
            state.issued += 1
            return (outcome, state.issued)
        }
        switch outcome {
        case .failure(let error):
            throw error
        case .token(let lifetime, let scope, let refreshIn, let extraClaims):
            let now = clock.now()
            var claims: [String: JSONValue] = [
                "iat": .number(now.timeIntervalSince1970), "sub": .string("fake-client"), "scope": .string(scope),
                "jti": .string("token-\(serial)"),
            ]
            if let lifetime { claims["exp"] = .number(now.addingTimeInterval(lifetime).timeIntervalSince1970) }
            claims.merge(extraClaims) { $1 }
            return IssuedToken(
                accessToken: "fake-access-token-number-\(serial)", tokenType: "Bearer", issuedAt: now,
                expiresAt: lifetime.map { now.addingTimeInterval($0) }, scopes: [scope], refreshIn: refreshIn,
                extraFields: [:], decoded: DecodedToken(format: .jwt, header: ["alg": .string("RS256")], claims: claims))
        }
    }

    func verify(_ accessToken: String, receivedAt: Date) async -> SignatureVerdict {
        state.withLock { state in
            state.verifications += 1
            return state.verdicts.isEmpty ? SignatureVerdict(.verified, "fake: accepted") : state.verdicts.removeFirst()
        }
    }

    func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult {
        let revoked = state.withLock { $0.revoked.contains(accessToken) }
        return IntrospectionResult(active: !revoked, fields: ["active": .bool(!revoked)], checkedAt: clock.now())
    }

    func revoke(_ accessToken: String) async throws(OAuthError) {
        state.withLock { $0.revoked.append(accessToken) }
    }

    func callResource(_ accessToken: String) async -> ResourceResponse? {
        let scripted = state.withLock { state -> ResourceResponse? in
            state.resourceCalls.append(accessToken)
            return state.resourceAnswers.isEmpty ? nil : state.resourceAnswers.removeFirst()
        }
        return scripted
            ?? ResourceResponse(
                status: 200, latency: .milliseconds(3), at: clock.now(), bodyExcerpt: "The message of the day is boring")
    }
}

/// Waits, bounded, until a condition holds, for the one thing the manager cannot report: a
/// request parked inside the fake server.
func eventually(
    _ what: String = "condition", timeout: Duration = .seconds(10), _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    struct TimedOut: Error, CustomStringConvertible { let description: String }
    throw TimedOut(description: "timed out waiting for \(what)")
}
