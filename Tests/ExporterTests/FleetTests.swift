import Foundation
import Logging
import MetricsExporter
import OAuthClient
import ServiceLifecycle
import Testing
import TokenModel
import TokenTesting

@testable import TokentopCommands

/// `tokentop --attach`: snapshots over the wire, and the dashboard's feed from real `serve`s.
@Suite("the dashboard attached to serve instances")
struct FleetTests {
    @Test("a client's snapshot survives the wire unchanged, errors, key set and history included")
    func snapshotRoundTrip() throws {
        let client = WireFixtures.client
        let decoded = try JSONDecoder().decode(ClientSnapshot.self, from: JSONEncoder().encode(client))
        #expect(decoded == client)
        #expect(decoded.lastError?.description == client.lastError?.description)
        #expect(decoded.health(at: WireFixtures.now) == client.health(at: WireFixtures.now))

        let listing = try ClientsListing.decode(WireFixtures.listing(try WireFixtures.encoded(client)))
        #expect(listing.clients == [client])
        #expect(listing.actionsAllowed == true)
    }

    @Test(
        "hostile /api/v1/clients answers are errors that say where, never a trap",
        arguments: [
            ("token.expires_at", JSONValue.number(1e300), "token.expires_at"),
            ("token.issued_at", .string("NaN"), "token.issued_at"),
            ("token.issued_at", .number(-1), "token.issued_at"),
            ("history.0.latency_ns", .number(-5), "history[0].latency_ns"),
            ("history.0.latency_ns", .number(1e30), "history[0].latency_ns"),
            ("responses.0.status", .number(1e300), "responses[0].status"),
            ("responses.0.status", .number(99_999), "responses[0].status"),
            ("clock_readings.0.offset_seconds", .number(1e308), "clock_readings[0].offset_seconds"),
            ("key_set.max_age_ns", .string("forever"), "key_set.max_age_ns"),
            ("token.serial", .number(0.5), "token.serial"),
            ("state", .string("sleeping"), "state"),
            ("poll_interval_ns", .bool(true), "poll_interval_ns"),
            ("name", .number(42), "name"),
            ("last_error.kind", .string("meltdown"), "last_error.kind"),
            ("token_endpoint_budget.remaining", .number(601), "token_endpoint_budget.remaining"),
            ("token_endpoint_budget.limit", .number(0), "token_endpoint_budget.limit"),
            ("token_endpoint_budget.reset_at", .number(1e300), "token_endpoint_budget.reset_at"),
            ("token_endpoint_budget.style", .string("guess"), "token_endpoint_budget.style"),
        ])
    func hostileFields(path: String, value: JSONValue, reported: String) throws {
        let client = try WireFixtures.encoded(WireFixtures.client).setting(path, to: value)
        let error = #expect(throws: ClientsListingError.self) { try ClientsListing.decode(WireFixtures.listing(client)) }
        #expect(error?.description.contains(reported) == true, "\(String(describing: error))")
    }

    @Test("an answer that is not the listing at all is an error too")
    func notAListing() throws {
        let bodies = [
            "<html>502 Bad Gateway</html>", "", "[]", #"{"clients": {}}"#, #"{"clients": [{"name": "old-serve"}]}"#,
            #"{"clients": [{"snapshot": {"name": "x", "state": "valid", "poll_interval_ns": NaN}}]}"#,
            String(repeating: "[", count: 100_000),
        ]
        for body in bodies {
            #expect(throws: ClientsListingError.self) { try ClientsListing.decode(Data(body.utf8)) }
        }
        let old = #expect(throws: ClientsListingError.self) {
            try ClientsListing.decode(Data(#"{"clients": [{"name": "old-serve"}]}"#.utf8))
        }
        #expect(old?.description.contains("clients[0]: missing snapshot") == true, "\(String(describing: old))")
    }

    @Test("--attach takes URLs or HOST:PORT and names rows by HOST:PORT")
    func attachArguments() throws {
        #expect(try FleetInstance(attach: "127.0.0.1:9464").label == "127.0.0.1:9464")
        #expect(try FleetInstance(attach: "127.0.0.1:9464").baseURL.absoluteString == "http://127.0.0.1:9464")
        #expect(try FleetInstance(attach: "http://[::1]:9464/api/v1/clients").label == "[::1]:9464")
        #expect(try FleetInstance(attach: "https://tokens.example/").label == "tokens.example:443")
        for bad in ["ftp://host:1", "http://", "http://host:1/?token=x", "http://user@host:1"] {
            #expect(throws: CLIError.self) { try FleetInstance(attach: bad) }
        }
    }

    @Test("a bearer token would cross the network in clear only over plain http to another host: that is warned of")
    func clearTextWarning() throws {
        #expect(try FleetInstance(attach: "10.0.0.6:9464").sendsTokensInClear)
        #expect(try FleetInstance(attach: "http://tokens.example:9464").sendsTokensInClear)
        #expect(try !FleetInstance(attach: "127.0.0.1:9464").sendsTokensInClear)
        #expect(try !FleetInstance(attach: "http://[::1]:9464").sendsTokensInClear)
        #expect(try !FleetInstance(attach: "https://tokens.example").sendsTokensInClear)
    }

    @Test(
        "two serve instances in one view: rows by instance, refresh through the one that allows it, refused by the read-only one, a dead one shown as unreachable"
    )
    func attachedFleet() async throws {
        try await withServe(allowActions: true) { open, demo in
            try await withServe { readOnly, _ in
                let deadPort = try LoopbackPort.unused()
                let instances = try [
                    open.baseURL.absoluteString, readOnly.baseURL.absoluteString.replacing("http://", with: ""),
                    "http://127.0.0.1:\(deadPort)",
                ].map { try FleetInstance(attach: $0) }
                let (openLabel, readOnlyLabel, deadLabel) = (instances[0].label, instances[1].label, instances[2].label)
                let transport = HTTPTransport()
                do {
                    // Pages of two: the first reading of each instance is several requests.
                    let fleet = RemoteFleet(instances: instances, authToken: nil, transport: transport, pageSize: 2)
                    try await checkFleet(
                        fleet, names: demo.clients.map(\.name), open: (openLabel, open), readOnly: (readOnlyLabel, readOnly),
                        deadLabel: deadLabel)
                    await transport.shutdown()
                } catch {
                    await transport.shutdown()
                    throw error
                }
            }
        }
    }

    private func checkFleet(
        _ fleet: RemoteFleet, names: [String], open: (label: String, serve: Serve), readOnly: (label: String, serve: Serve),
        deadLabel: String
    ) async throws {
        var snapshot = await fleet.snapshot()
        // Two serves and a test demo starting beside other tests: on 2 loaded cores their first
        // fetches and API calls have taken over 15 s (seen once in CI), so the wait is long, and
        // a failure says who was still pending.
        var unsettled: [String] = []
        do {
            try await eventually("both instances settled", within: 45) {
                snapshot = await fleet.poll()
                let remote = snapshot.clients.filter { $0.name.contains("/") }
                unsettled = remote.filter { $0.health(at: Date()).state == .pending }.map(\.name)
                return remote.count == 2 * names.count && unsettled.isEmpty
            }
        } catch {
            Issue.record("still pending: \(unsettled); rows: \(snapshot.clients.map(\.name))")
            throw error
        }
        #expect(
            snapshot.clients.map(\.name)
                == names.map { "\(open.label)/\($0)" } + names.map { "\(readOnly.label)/\($0)" } + [deadLabel])

        // What the dashboard draws is what the instance's manager holds.
        let local = try #require(await open.serve.manager.snapshot().clients.first { $0.name == "mod-client" })
        let remote = try #require(snapshot.clients.first { $0.name == "\(open.label)/mod-client" })
        #expect(remote.token?.masked == local.token?.masked)
        #expect(
            abs((remote.token?.expiresAt?.timeIntervalSince1970 ?? 0) - (local.token?.expiresAt?.timeIntervalSince1970 ?? 1))
                < 0.001)
        #expect(remote.token?.decoded.claims == local.token?.decoded.claims)
        #expect(remote.health(at: Date()).state == .ok)
        let wrongSecret = try #require(snapshot.clients.first { $0.name == "\(readOnly.label)/wrong-secret" })
        #expect(wrongSecret.health(at: Date()).state == .error)
        #expect(wrongSecret.lastError?.oauthCode == .invalidClient)
        #expect(wrongSecret.retriesHalted)

        let dead = try #require(snapshot.clients.last)
        #expect(dead.health(at: Date()).state == .error)
        // The row is the instance: its failure is not worded as a client's failed token request.
        #expect(dead.health(at: Date()).reason.hasPrefix("instance \(deadLabel) unreachable: connection refused"))
        let summary = await fleet.summary()
        #expect(summary.contains("\(open.label) (actions allowed)"), "\(summary)")
        #expect(summary.contains("\(readOnly.label) (read-only)"), "\(summary)")
        #expect(summary.contains("\(deadLabel) (not reached)"), "\(summary)")

        // A refresh through the instance that allows it reaches its manager.
        let refreshed = await fleet.perform(.refresh(client: "\(open.label)/mod-client"))
        #expect(refreshed.count == 1)
        #expect(refreshed.first?.succeeded == true, "\(refreshed)")
        #expect(refreshed.first?.client == "\(open.label)/mod-client")
        try await eventually("the manual refresh shows in the attached view") {
            let client = await fleet.poll().clients.first { $0.name == "\(open.label)/mod-client" }
            return client?.history.contains { $0.reason == .manual && $0.succeeded } == true
        }

        // The view is kept from changes (`since`), and it is what each instance's whole listing says.
        let generations = await fleet.followedGenerations()
        #expect(generations[0] != nil && generations[1] != nil && generations[2] == nil, "\(generations)")
        try await eventually("the attached view agrees with both whole listings") {
            let view = await fleet.poll().clients
            var whole: [ClientSnapshot] = []
            for (label, serve) in [open, readOnly] {
                let listing = try ClientsListing.decode(Data(try await HTTP.get(serve.url("api/v1/clients")).text.utf8))
                whole += listing.clients.map { client in
                    var renamed = client
                    renamed.name = "\(label)/\(client.name)"
                    // What the dashboard adds of its own: the instance, and whether it takes actions.
                    renamed.instance = label
                    renamed.instanceIsReadOnly = label == readOnly.label
                    renamed.actions = client.actions.map { record in
                        var record = record
                        record.client = renamed.name
                        return record
                    }
                    return renamed
                }
            }
            return Array(view.dropLast()) == whole
        }

        // The read-only instance refuses, and the footer says why.
        for action in [
            ClientAction.refresh(client: "\(readOnly.label)/mod-client"), .revoke(client: "\(readOnly.label)/mod-client"),
        ] {
            let refused = try #require(await fleet.perform(action).first)
            #expect(!refused.succeeded)
            #expect(refused.outcome == RemoteFleet.readOnlyOutcome)
            #expect(refused.footerText.contains("read-only: start serve with --allow-actions"))
        }
        let untouched = try #require(await readOnly.serve.manager.snapshot().clients.first { $0.name == "mod-client" })
        #expect(!untouched.history.contains { $0.reason == .manual })
        #expect(untouched.token != nil)

        let onDead = try #require(await fleet.perform(.refresh(client: deadLabel)).first)
        #expect(!onDead.succeeded)
        #expect(onDead.outcome.contains("not reachable"))
        let introspect = try #require(await fleet.perform(.introspect(client: "\(open.label)/mod-client")).first)
        #expect(!introspect.succeeded)
        #expect(introspect.outcome.contains("refresh and revoke only"))
        // No token leaves an instance: there is nothing to copy.
        #expect(await DashboardFeed.fleet(fleet).tokenForCopy("\(open.label)/mod-client") == nil)
    }

    @Test("as a service it publishes merged snapshots until the group shuts down, and then ends its stream")
    func runsAsAService() async throws {
        let instance = try FleetInstance(attach: "127.0.0.1:\(try LoopbackPort.unused())")
        let transport = HTTPTransport()
        let fleet = RemoteFleet(instances: [instance], authToken: nil, transport: transport)
        let group = ServiceGroup(services: [fleet], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { try await group.run() }
        var updates = fleet.snapshots().makeAsyncIterator()
        let first = try #require(await updates.next())
        #expect(first.clients.map(\.name) == [instance.label])
        #expect(first.clients.first?.health(at: Date()).reason.contains("unreachable") == true)
        await group.triggerGracefulShutdown()
        try await running.value
        while await updates.next() != nil {}
        await transport.shutdown()
    }

    @Test("an instance that wants a bearer token says so, and is read with it")
    func bearerToken() async throws {
        let token = "attach-" + UUID().uuidString
        try await withServe(authToken: token) { serve, _ in
            let instance = try FleetInstance(attach: serve.baseURL.absoluteString)
            let transport = HTTPTransport()
            let anonymous = await RemoteFleet(instances: [instance], authToken: nil, transport: transport).poll()
            let authorized = await RemoteFleet(instances: [instance], authToken: token, transport: transport).poll()
            await transport.shutdown()
            let refused = try #require(anonymous.clients.first)
            #expect(refused.name == instance.label)
            #expect(refused.health(at: Date()).reason.contains("HTTP 401"))
            #expect(refused.health(at: Date()).reason.contains("--auth-token-file"))
            #expect(authorized.clients.contains { $0.name == "\(instance.label)/mod-client" })
        }
    }
}

/// A client with every part filled in, for the wire tests.
enum WireFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static var client: ClientSnapshot {
        let issued = now.addingTimeInterval(-60)
        let serverError = OAuthError.server(
            code: "invalid_scope", description: "scope admin not granted", uri: "https://as.example/errors",
            endpoint: "https://as.example/token", httpStatus: 400, retryAfter: .seconds(30)
        ).hinting("ask for fewer scopes")
        var client = ClientSnapshot(
            name: "orders", state: .valid,
            token: TokenSummary(
                masked: "eyJh…Qw", tokenType: "Bearer",
                decoded: DecodedToken(
                    format: .jwt, header: ["alg": .string("RS256"), "kid": .string("k1")],
                    claims: [
                        "iss": .string("https://as.example"), "exp": .number(1_800_003_540), "scp": .array([.string("read")]),
                    ]),
                issuedAt: issued, expiresAt: issued.addingTimeInterval(3600), refreshAt: issued.addingTimeInterval(3000),
                scopes: ["read"], verdict: SignatureVerdict(.verified, "RS256 signature by k1"),
                extraFields: ["ext": .object(["tenant": .string("eu")])], serial: 3,
                binding: TokenBinding(
                    method: .dpop, localKeyThumbprint: "abcd", localCertificateThumbprint: "efgh",
                    confirmation: .init(jkt: "abcd", x5tS256: "efgh"), dpopIgnored: true)),
            lastError: serverError, nextRetryAt: now.addingTimeInterval(30), retriesHalted: true, isFetching: true,
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: issued),
            lastActionError: .network(.connectionRefused, "connection refused", endpoint: "https://as.example/revoke"),
            responses: [
                ResourceResponse(
                    status: 401, latency: .milliseconds(42), at: now, wwwAuthenticate: #"Bearer error="invalid_token""#,
                    bodyExcerpt: "no", wasRetry: true, tokenSerial: 3, nonceRetried: true),
                ResourceResponse(
                    status: nil, latency: .nanoseconds(1_234_567), at: now,
                    bodyExcerpt: "", failure: .timeout(after: .seconds(10), endpoint: "https://api.example")),
            ],
            history: [
                FetchRecord(
                    reason: .retryAfter401, startedAt: issued, latency: .milliseconds(80), error: nil,
                    claimChanges: ["~kid"], expiresAt: issued.addingTimeInterval(3600), nonceRetried: true),
                FetchRecord(
                    reason: .retry, startedAt: now, latency: .seconds(2),
                    error: .bodyTooLarge(limit: 1 << 20, endpoint: "https://as.example/token", httpStatus: 200),
                    claimChanges: [], expiresAt: nil),
            ],
            pollingPaused: true, refreshMode: .manual, configuredScopes: ["read", "write"],
            resourceURI: "https://api.example/orders", pollInterval: .seconds(15), revoked: true,
            introspectionError: .redirectRefused(
                to: "https://elsewhere", endpoint: "https://as.example/introspect", httpStatus: 302),
            actions: [
                ActionRecord(action: .revoke, client: "orders", at: now, succeeded: false, outcome: "invalid_client"),
                ActionRecord(action: .refresh, client: "orders", at: now, succeeded: true, outcome: "new token eyJh…Qw"),
            ],
            clockReadings: [
                ClockReading(server: "https://as.example:443", offset: -1.25, uncertainty: 0.5, source: .dateHeader, at: now)
            ],
            keySet: KeySetStatus(
                source: "https://as.example/jwks",
                keys: [
                    PublishedKey(kid: "k1", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: issued, lastSeen: now)
                ],
                changes: [KeySetChange(kind: .added, kid: "k1", at: issued), KeySetChange(kind: .removed, kid: nil, at: now)],
                fetchedAt: now, maxAge: .seconds(300), lastError: "HTTP 503"),
            credentialWarning: .seconds(3 * 86_400), issuer: "https://as.example")
        client.tokenEndpointBudget = RateLimitBudget(
            issuer: "https://as.example", endpoint: "https://as.example/token", limit: 600, remaining: 12,
            resetAt: now.addingTimeInterval(38), window: .seconds(60), observedAt: now, style: .ietf, heaviestClient: "noisy",
            heaviestClientRequests: 540)
        client.credentials = [
            CredentialExpiry(
                kind: .assertion, subject: "orders@as.example", expiresAt: now.addingTimeInterval(600),
                details: ["iss": "https://idp.example", "aud": "https://as.example/token"])
        ]
        return client
    }

    static func encoded(_ client: ClientSnapshot) throws -> JSONValue {
        try #require(JSONValue(data: try JSONEncoder().encode(client)))
    }

    /// A `/api/v1/clients` body with this client object as its snapshot.
    static func listing(_ snapshot: JSONValue) -> Data {
        let document = JSONValue.object([
            "actions_allowed": .bool(true), "clients": .array([.object(["name": .string("orders"), "snapshot": snapshot])]),
        ])
        return Data(document.compactText.utf8)
    }
}

extension JSONValue {
    /// This value with the member at a dotted path (`history.0.latency_ns`) replaced.
    func setting(_ path: String, to value: JSONValue) -> JSONValue {
        setting(path.split(separator: ".").map(String.init)[...], to: value)
    }

    private func setting(_ path: ArraySlice<String>, to value: JSONValue) -> JSONValue {
        guard let step = path.first else { return value }
        switch self {
        case .object(var members):
            members[step] = (members[step] ?? .null).setting(path.dropFirst(), to: value)
            return .object(members)
        case .array(var elements):
            guard let index = Int(step), elements.indices.contains(index) else { return self }
            elements[index] = elements[index].setting(path.dropFirst(), to: value)
            return .array(elements)
        default:
            return self
        }
    }
}
