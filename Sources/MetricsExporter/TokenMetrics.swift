import Foundation
import Prometheus
import TokenConfig
import TokenModel

/// The metric set of examples/prometheus/README.md in one swift-prometheus registry.
///
/// Counters and histograms move with the manager's events, as they happen. Gauges are set from
/// the newest snapshot when a scrape asks for them, so a verdict is as of the scrape, and
/// 10,000 clients cost one pass per scrape rather than one per change.
public actor TokenMetrics {
    /// The registry the exposition is written from.
    public nonisolated let registry = PrometheusCollectorRegistry()

    private var issuers: [String: String]
    private var series: [String: ClientSeries] = [:]
    /// When a fetch last succeeded, per client: kept after the token is revoked or expires.
    private var lastSuccess: [String: Date] = [:]
    /// Per issuer, the signing key (`kid`) and issue time of the newest token seen.
    private var newestKey: [String: (kid: String, issuedAt: Date)] = [:]
    /// Per issuer, the key set's series, followed through one of its clients.
    private var keySets: [String: KeySetSeries] = [:]
    /// Per issuer and token endpoint, the rate-limit budget's series.
    private var rateLimits: [RateLimitSeries.Labels: RateLimitSeries] = [:]
    /// The log and events files, whose lost lines are counted.
    private let fileSinks: FileSinkHealth?
    /// Per file, the failed writes already added to its counter.
    private var countedWriteErrors: [String: Int] = [:]

    /// - Parameters:
    ///   - clients: the configured clients, for their `issuer` label.
    ///   - version: tokentop's version, for `tokentop_build_info`.
    ///   - fileSinks: `--log-file` and `--events-file`, for `tokentop_log_write_errors_total`.
    public init(clients: [ClientConfiguration], version: String, fileSinks: FileSinkHealth? = nil) {
        self.fileSinks = fileSinks
        var issuers: [String: String] = [:]
        for client in clients { issuers[client.name] = MetricLabels.issuer(of: client) }
        self.issuers = issuers
        registry.makeGauge(descriptor: MetricDefinitions.buildInfo, labels: [("version", version)]).set(to: 1)
        registry.makeGauge(descriptor: MetricDefinitions.clients).set(to: Double(clients.count))
    }

    /// Takes a reloaded configuration: the gauges of a client that is gone (or has moved to
    /// another issuer) are removed, so a removed client's last verdict does not stay on a
    /// graph or keep an alert firing. Counters keep their totals, as Prometheus expects.
    public func configure(clients: [ClientConfiguration]) {
        var fresh: [String: String] = [:]
        for client in clients { fresh[client.name] = MetricLabels.issuer(of: client) }
        for (name, gauges) in series where fresh[name] != issuers[name] {
            for gauge in gauges.all { registry.unregisterGauge(gauge) }
            series[name] = nil
            lastSuccess[name] = nil
        }
        issuers = fresh
        let configuredIssuers = Set(fresh.values)
        for (issuer, keySet) in keySets where !configuredIssuers.contains(issuer) {
            registry.unregisterGauge(keySet.keys)
            keySets[issuer] = nil
        }
        for (labels, budget) in rateLimits where !configuredIssuers.contains(labels.issuer) {
            budget.unregister(from: registry)
            rateLimits[labels] = nil
        }
        registry.makeGauge(descriptor: MetricDefinitions.clients).set(to: Double(clients.count))
    }

    /// Counts what happened.
    public func record(_ event: ManagerEvent) {
        let issuer = issuer(of: event.client)
        let client = [("client", event.client), ("issuer", issuer)]
        switch event.kind {
        case .tokenFetched(let reason, let latency, _):
            registry.makeCounter(
                descriptor: MetricDefinitions.tokenFetches,
                labels: client + [("reason", reason.rawValue), ("outcome", "success"), ("error", MetricLabels.noError)]
            ).increment()
            fetchDuration(issuer: issuer, outcome: "success").record(latency)
            lastSuccess[event.client] = max(lastSuccess[event.client] ?? .distantPast, event.at)
        case .tokenFailed(let reason, let latency, let error):
            registry.makeCounter(
                descriptor: MetricDefinitions.tokenFetches,
                labels: client + [
                    ("reason", reason.rawValue), ("outcome", "error"), ("error", MetricLabels.errorCode(error)),
                ]
            ).increment()
            fetchDuration(issuer: issuer, outcome: "error").record(latency)
        case .resourceCalled(let response):
            let statusClass = MetricLabels.statusClass(response.status)
            registry.makeCounter(
                descriptor: MetricDefinitions.resourceRequests, labels: client + [("status_class", statusClass)]
            ).increment()
            registry.makeDurationHistogram(
                descriptor: MetricDefinitions.resourceRequestDuration,
                labels: [("issuer", issuer), ("status_class", statusClass)], buckets: MetricDefinitions.latencyBuckets
            ).record(response.latency)
        case .signatureChecked(let verdict):
            registry.makeCounter(
                descriptor: MetricDefinitions.signatureVerifications, labels: client + [("result", verdict.status.rawValue)]
            ).increment()
        case .introspected(let active):
            registry.makeCounter(
                descriptor: MetricDefinitions.introspections, labels: client + [("result", active ? "active" : "inactive")]
            ).increment()
        case .operatorAction(let record):
            registry.makeCounter(
                descriptor: MetricDefinitions.operatorActions,
                labels: client + [("action", record.action.rawValue), ("outcome", record.succeeded ? "success" : "error")]
            ).increment()
        case .healthChanged, .keySetChanged, .clockSkewDetected:
            // Gauges, read from the snapshot at each scrape.
            break
        }
    }

    /// The Prometheus text exposition, with every gauge set from `snapshot` (the newest) at `now`.
    public func exposition(from snapshot: ManagerSnapshot?, at now: Date) -> [UInt8] {
        if let snapshot { update(from: snapshot, at: now) }
        countWriteErrors()
        return registry.emitToBuffer()
    }

    /// Brings each file's counter up to the failures `fileSinks` has seen: they happen in a log
    /// handler, outside this actor, so they are collected when a scrape asks.
    private func countWriteErrors() {
        for sink in fileSinks?.snapshot() ?? [] {
            let counter = registry.makeCounter(descriptor: MetricDefinitions.logWriteErrors, labels: [("file", sink.label)])
            let new = sink.failedWrites - countedWriteErrors[sink.label, default: 0]
            if new > 0 { counter.increment(by: Int64(new)) }
            countedWriteErrors[sink.label] = sink.failedWrites
        }
    }

    // MARK: Gauges

    private func update(from snapshot: ManagerSnapshot, at now: Date) {
        // A snapshot taken before a reload may still hold a removed client: its series stay gone.
        for client in snapshot.clients where issuers[client.name] != nil {
            var gauges = series[client.name] ?? ClientSeries(labels: labels(of: client.name), registry: registry)
            let token = client.token
            if let token {
                lastSuccess[client.name] = max(lastSuccess[client.name] ?? .distantPast, token.issuedAt)
                noteSigningKey(of: token, client: client.name)
            }
            gauges.expiry = present(gauges.expiry, MetricDefinitions.tokenExpiry, gauges.labels, token?.expiresAt)
            gauges.issued = present(gauges.issued, MetricDefinitions.tokenIssued, gauges.labels, token?.issuedAt)
            gauges.refresh = present(gauges.refresh, MetricDefinitions.tokenRefresh, gauges.labels, token?.refreshAt)
            gauges.lastSuccess = present(
                gauges.lastSuccess, MetricDefinitions.lastSuccessfulFetch, gauges.labels, lastSuccess[client.name])
            let backingOff = client.nextRetryAt != nil && !client.retriesHalted
            gauges.nextRetry = present(
                gauges.nextRetry, MetricDefinitions.backoffNextRetry, gauges.labels, backingOff ? client.nextRetryAt : nil)
            gauges.backoffActive.set(to: backingOff ? 1 : 0)
            gauges.retriesHalted.set(to: client.retriesHalted ? 1 : 0)
            gauges.signingKeyRemoved.set(to: client.retiredSigningKey != nil ? 1 : 0)
            let state = client.health(at: now).state
            for (candidate, gauge) in gauges.health { gauge.set(to: candidate == state ? 1 : 0) }
            let credentialEnds = CredentialExpiry.earliestByKind(client.credentials)
            for kind in CredentialExpiry.Kind.allCases {
                gauges.credentialExpiry[kind] = present(
                    gauges.credentialExpiry[kind], MetricDefinitions.credentialExpiry,
                    gauges.labels + [("kind", kind.rawValue)], credentialEnds[kind])
            }
            series[client.name] = gauges
        }
        noteKeySets(of: snapshot.clients.filter { issuers[$0.name] != nil })
        noteRateLimits(of: snapshot.clients.filter { issuers[$0.name] != nil })
    }

    /// Sets each issuer's token endpoint budget from the newest answer any of its clients saw:
    /// one series per issuer and endpoint, however many clients share the bucket.
    private func noteRateLimits(of clients: [ClientSnapshot]) {
        var newest: [RateLimitSeries.Labels: RateLimitBudget] = [:]
        for client in clients {
            guard let budget = client.tokenEndpointBudget else { continue }
            let labels = RateLimitSeries.Labels(issuer: issuer(of: client.name), endpoint: budget.endpoint)
            if newest[labels].map({ budget.observedAt > $0.observedAt }) ?? true { newest[labels] = budget }
        }
        for (labels, budget) in newest {
            var gauges = rateLimits[labels] ?? RateLimitSeries(labels, registry: registry)
            gauges.remaining.set(to: Double(budget.remaining))
            gauges.limit.set(to: Double(budget.limit))
            gauges.reset = present(gauges.reset, MetricDefinitions.rateLimitReset, labels.pairs, budget.resetAt)
            rateLimits[labels] = gauges
        }
    }

    /// Sets each issuer's key count from the freshest copy of its key set, and counts the key
    /// changes not counted yet. Every client watches its issuer's key set on its own, so a
    /// change is counted once per issuer, by the key it concerns, whichever client saw it first.
    private func noteKeySets(of clients: [ClientSnapshot]) {
        var freshest: [String: KeySetStatus] = [:]
        for client in clients {
            guard let keySet = client.keySet, let fetchedAt = keySet.fetchedAt else { continue }
            let issuer = issuer(of: client.name)
            var watched = keySets[issuer] ?? KeySetSeries(issuer: issuer, registry: registry)
            for change in keySet.changes {
                let key = KeySetSeries.Counted(kind: change.kind, kid: change.kid)
                guard watched.counted.insert(key).inserted else { continue }
                (change.kind == .added ? watched.added : watched.removed).increment()
            }
            keySets[issuer] = watched
            if freshest[issuer].flatMap(\.fetchedAt).map({ fetchedAt > $0 }) ?? true { freshest[issuer] = keySet }
        }
        for (issuer, keySet) in freshest { keySets[issuer]?.keys.set(to: Double(keySet.keys.count)) }
    }

    /// A gauge that exists only while there is a value: set, created, or unregistered.
    private func present(
        _ gauge: Gauge?, _ descriptor: MetricNameDescriptor, _ labels: [(String, String)], _ value: Date?
    ) -> Gauge? {
        guard let value else {
            if let gauge { registry.unregisterGauge(gauge) }
            return nil
        }
        let gauge = gauge ?? registry.makeGauge(descriptor: descriptor, labels: labels)
        gauge.set(to: value.timeIntervalSince1970)
        return gauge
    }

    /// Counts a key change when this token is the issuer's newest and names another `kid`.
    private func noteSigningKey(of token: TokenSummary, client: String) {
        guard let kid = token.decoded.keyID else { return }
        let issuer = issuer(of: client)
        let previous = newestKey[issuer]
        guard previous.map({ token.issuedAt > $0.issuedAt }) ?? true else { return }
        if let previous, previous.kid != kid {
            registry.makeCounter(descriptor: MetricDefinitions.signingKeyChanges, labels: [("issuer", issuer)]).increment()
        }
        newestKey[issuer] = (kid, token.issuedAt)
    }

    private func fetchDuration(issuer: String, outcome: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: MetricDefinitions.tokenFetchDuration, labels: [("issuer", issuer), ("outcome", outcome)],
            buckets: MetricDefinitions.latencyBuckets)
    }

    private func issuer(of client: String) -> String {
        issuers[client] ?? "unknown"
    }

    private func labels(of client: String) -> [(String, String)] {
        [("client", client), ("issuer", issuer(of: client))]
    }
}

/// One client's gauges, kept so a scrape sets them without looking them up.
private struct ClientSeries {
    let labels: [(String, String)]
    let health: [HealthState: Gauge]
    let backoffActive: Gauge
    let retriesHalted: Gauge
    let signingKeyRemoved: Gauge
    var expiry: Gauge?
    var issued: Gauge?
    var refresh: Gauge?
    var lastSuccess: Gauge?
    var nextRetry: Gauge?
    /// The earliest end of each kind of credential the client holds.
    var credentialExpiry: [CredentialExpiry.Kind: Gauge] = [:]

    /// Every gauge of the client, to remove them together.
    var all: [Gauge] {
        Array(health.values) + [backoffActive, retriesHalted, signingKeyRemoved]
            + [expiry, issued, refresh, lastSuccess, nextRetry].compactMap { $0 }
            + Array(credentialExpiry.values)
    }

    init(labels: [(String, String)], registry: PrometheusCollectorRegistry) {
        self.labels = labels
        var health: [HealthState: Gauge] = [:]
        for state in HealthState.allCases {
            health[state] = registry.makeGauge(
                descriptor: MetricDefinitions.healthState, labels: labels + [("state", state.rawValue)])
        }
        self.health = health
        backoffActive = registry.makeGauge(descriptor: MetricDefinitions.backoffActive, labels: labels)
        retriesHalted = registry.makeGauge(descriptor: MetricDefinitions.retriesHalted, labels: labels)
        signingKeyRemoved = registry.makeGauge(descriptor: MetricDefinitions.signingKeyRemoved, labels: labels)
    }
}

/// One issuer's key-set series and the changes already counted.
private struct KeySetSeries {
    /// A key appearing or leaving; a key that comes back after leaving is not counted again.
    struct Counted: Hashable {
        let kind: KeySetChange.Kind
        let kid: String?
    }

    let keys: Gauge
    let added: Counter
    let removed: Counter
    var counted: Set<Counted> = []

    init(issuer: String, registry: PrometheusCollectorRegistry) {
        keys = registry.makeGauge(descriptor: MetricDefinitions.keySetKeys, labels: [("issuer", issuer)])
        added = registry.makeCounter(
            descriptor: MetricDefinitions.keySetChanges,
            labels: [("issuer", issuer), ("change", KeySetChange.Kind.added.rawValue)])
        removed = registry.makeCounter(
            descriptor: MetricDefinitions.keySetChanges,
            labels: [("issuer", issuer), ("change", KeySetChange.Kind.removed.rawValue)])
    }
}

/// One issuer's token endpoint budget: its remaining requests, its limit, and when it resets.
private struct RateLimitSeries {
    struct Labels: Hashable {
        let issuer: String
        let endpoint: String
        var pairs: [(String, String)] { [("issuer", issuer), ("endpoint", endpoint)] }
    }

    let remaining: Gauge
    let limit: Gauge
    /// Only while the latest answer gave a reset.
    var reset: Gauge?

    init(_ labels: Labels, registry: PrometheusCollectorRegistry) {
        remaining = registry.makeGauge(descriptor: MetricDefinitions.rateLimitRemaining, labels: labels.pairs)
        limit = registry.makeGauge(descriptor: MetricDefinitions.rateLimitLimit, labels: labels.pairs)
    }

    func unregister(from registry: PrometheusCollectorRegistry) {
        for gauge in [remaining, limit] + [reset].compactMap({ $0 }) { registry.unregisterGauge(gauge) }
    }
}
