import Benchmark
import Dashboard
import DemoServer
import Foundation
import JOSESupport
import OAuthClient
import TokenLifecycle
import TokenModel

// Budgets (see README.md): render + diff of 1,000 clients under 2 ms per frame; RS256
// verification and token parsing far below the cost of the HTTP round trip they follow.

/// RS256 verification: the verifier and a freshly signed token.
let verification = Prepared<(verifier: TokenVerifier, token: String)>()
/// The same key through jwt-kit alone, with the key collection built once: the floor under
/// `TokenVerifier`, which builds a one-key collection per attempt so that the cache, not
/// jwt-kit, chooses the key.
let bareVerification = Prepared<(keys: JWTKeyCollectionBox, token: String)>()
/// A token endpoint's answer carrying a real RS256 JWT.
let tokenResponse = Prepared<Data>()
/// Tokens issued per second by the demo server, measured per iteration.
let tokensPerSecond = BenchmarkMetric.custom("Tokens per second", polarity: .prefersLarger, useScalingFactor: false)
/// The demo servers and their HTTP client.
let demoLoad = Prepared<DemoLoad>()
/// The 10,000-client fleet the screens are drawn for, built on first use (a global is lazy).
let dashboardFleet = DashboardFixtures.fleet(clients: 10_000)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], warmupIterations: 10, maxDuration: .seconds(4),
        maxIterations: 1_000_000)

    let issuer = "http://127.0.0.1:8080/oauth2/default"
    let audience = "api://default"

    Benchmark("RS256 verification") { benchmark in
        let (verifier, token) = verification.value
        for _ in benchmark.scaledIterations {
            blackHole(await verifier.verify(token))
        }
    } setup: {
        let signer = try RS256Signer()
        let keys = try JWKSCache(jwksData: signer.jwks(), source: "benchmark JWKS")
        let token = try await signer.sign(
            RS256Signer.accessTokenClaims(issuer: issuer, audience: audience, clientID: "mod-client", now: Date()))
        let verifier = TokenVerifier(keys: keys, expectedIssuer: issuer, expectedAudience: audience)
        let verdict = await verifier.verify(token)
        guard verdict.status == .verified else {
            throw BenchmarkSetupFailure("the benchmark token does not verify: \(verdict.reason)")
        }
        verification.store((verifier, token))
    } teardown: {
        verification.store(nil)
    }

    Benchmark("RS256 verification (jwt-kit alone, key parsed once)") { benchmark in
        let (keys, token) = bareVerification.value
        for _ in benchmark.scaledIterations {
            blackHole(try await keys.collection.verify(token, as: PlainClaims.self))
        }
    } setup: {
        let signer = try RS256Signer()
        let token = try await signer.sign(
            RS256Signer.accessTokenClaims(issuer: issuer, audience: audience, clientID: "mod-client", now: Date()))
        let keys = try await JWTKeyCollectionBox(jwks: signer.jwks())
        bareVerification.store((keys, token))
    } teardown: {
        bareVerification.store(nil)
    }

    Benchmark("Token response parsing") { benchmark in
        let body = tokenResponse.value
        for _ in benchmark.scaledIterations {
            blackHole(try TokenResponseParser.parseSuccess(body, issuedAt: Date(), endpoint: nil))
        }
    } setup: {
        let signer = try RS256Signer()
        let token = try await signer.sign(
            RS256Signer.accessTokenClaims(issuer: issuer, audience: audience, clientID: "mod-client", now: Date()))
        // As Okta and Entra ID answer: expires_in sometimes a string, extra fields kept.
        let body: JSONValue = .object([
            "access_token": .string(token), "token_type": .string("Bearer"), "expires_in": .string("3600"),
            "scope": .string("custom_mod billing.read"), "ext_expires_in": .number(3600),
        ])
        let data = Data(body.compactText.utf8)
        let parsed = try TokenResponseParser.parseSuccess(data, issuedAt: Date(), endpoint: nil)
        guard parsed.decoded.format == .jwt, parsed.expiresAt != nil else {
            throw BenchmarkSetupFailure("the benchmark token response was not read as a JWT with a lifetime")
        }
        tokenResponse.store(data)
    } teardown: {
        tokenResponse.store(nil)
    }

    // One iteration is one dashboard tick: draw the frame for the next second and find the
    // cells that changed since the previous frame (what the terminal driver writes).
    Benchmark("Render 1,000 clients") { benchmark in
        let snapshot = DashboardFixtures.snapshot(clients: 1_000)
        let renderer = Renderer()
        let state = ViewState(selectedClient: "client-0500")
        var previous = renderer.render(
            snapshot, state: state, size: DashboardFixtures.size, now: DashboardFixtures.now, context: DashboardFixtures.context)
        var tick = 0.0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            tick += 1
            let frame = renderer.render(
                snapshot, state: state, size: DashboardFixtures.size, now: DashboardFixtures.now.addingTimeInterval(tick),
                context: DashboardFixtures.context)
            blackHole(frame.changedRuns(since: previous))
            previous = frame
        }
        benchmark.stopMeasurement()
    }

    // The same tick on each screen at 10,000 clients. Lines are made for the visible rows only
    // (DashboardTests' ScreenCostTests counts them); what grows with the fleet is one pass over
    // the clients (each one's verdict, for the header's counts and the sort).
    for (name, state) in DashboardFixtures.screens(selecting: "client-5000") {
        Benchmark("Render 10,000 clients: \(name)") { benchmark in
            let fleet = dashboardFleet
            let renderer = Renderer()
            var previous = renderer.render(
                fleet, state: state, size: DashboardFixtures.size, now: DashboardFixtures.now, context: DashboardFixtures.context)
            var tick = 0.0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                tick += 1
                let frame = renderer.render(
                    fleet, state: state, size: DashboardFixtures.size, now: DashboardFixtures.now.addingTimeInterval(tick),
                    context: DashboardFixtures.context)
                blackHole(frame.changedRuns(since: previous))
                previous = frame
            }
            benchmark.stopMeasurement()
        }
    }

    // One iteration is 1,000 token requests over 50 concurrent connections; "Tokens per
    // second" is that iteration's 1,000 divided by its wall-clock time.
    Benchmark(
        "Demo server tokens per second",
        configuration: .init(
            metrics: [.wallClock, .throughput, tokensPerSecond], warmupIterations: 1, maxDuration: .seconds(15),
            maxIterations: 12)
    ) { benchmark in
        let load = demoLoad.value
        let tokens = 1_000
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        try await load.issue(tokens)
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        benchmark.measurement(tokensPerSecond, Int((Double(tokens) / seconds).rounded()))
    } setup: {
        demoLoad.store(try await DemoLoad.start())
    } teardown: {
        await demoLoad.take()?.stop()
    }
}
