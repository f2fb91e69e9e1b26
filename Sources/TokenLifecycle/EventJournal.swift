import Foundation
import OAuthClient
import TokenModel

/// What happened, for every reader: the unbounded event feed (metrics, `--events-file`,
/// `check`), the bounded event log the snapshot carries, and the bookkeeping that keeps the
/// log about changes (a verdict that changed, an API answer unlike the one before, a clock
/// first seen skewed) rather than about routine.
struct EventJournal {
    /// Unbounded: every reader (the metrics' counters, `--events-file`, `check`) needs every
    /// event, and a start-up of 10,000 clients makes 40,000 in seconds, faster than a scrape-busy
    /// exporter reads them. Readers catch up after the burst; in steady state the queue is empty.
    let feed = Broadcast<ManagerEvent>(policy: .unbounded)
    private var recent: EventRing
    /// Per client, the verdict the log last recorded.
    private var lastHealth: [String: HealthVerdict] = [:]
    /// Per client, the last API answer the log kept: a poll that answers as the one before is
    /// left out of the log (not of the feed), so a thousand polls do not push out what happened.
    private var lastLoggedAnswer: [String: String] = [:]
    /// Per client, the servers whose clocks are already reported as skewed (one event each).
    private var skewedServers: [String: Set<String>] = [:]

    init(capacity: Int) {
        recent = EventRing(capacity: capacity)
    }

    /// The log, oldest first.
    var recentEvents: [ManagerEvent] { recent.inOrder }

    /// Publishes an event to the feed and keeps it in the log, unless it is an API answer like
    /// the client's last one.
    mutating func record(_ event: ManagerEvent) {
        feed.publish(event)
        if case .resourceCalled(let response) = event.kind {
            guard lastLoggedAnswer.updateValue(response.outcomeKey, forKey: event.client) != response.outcomeKey else { return }
        }
        recent.append(event)
    }

    /// The event for a client whose verdict changed state since the log last recorded it; nil
    /// when it did not (a routine refresh, a countdown).
    mutating func healthChange(of client: String, to health: HealthVerdict, at now: Date) -> ManagerEvent? {
        let before = lastHealth[client]
        guard before?.state != health.state else { return nil }
        lastHealth[client] = health
        return ManagerEvent(at: now, client: client, kind: .healthChanged(from: before, to: health))
    }

    /// Events for what the servers newly show: key-set changes not seen before, and clocks
    /// newly off by more than the leeway (a server back within it is reported again if it
    /// drifts off again).
    mutating func changes(
        of client: String, from old: ServerDiagnostics, to new: ServerDiagnostics, at now: Date
    ) -> [ManagerEvent] {
        var events: [ManagerEvent] = []
        if let keySet = new.keySet {
            let before = old.keySet?.changes ?? []
            for change in keySet.changes where !before.contains(change) {
                events.append(ManagerEvent(at: now, client: client, kind: .keySetChanged(source: keySet.source, change: change)))
            }
        }
        let leeway = ClientSnapshot.clockLeeway
        var skewed = skewedServers[client] ?? []
        for reading in new.clockReadings where reading.exceeds(leeway) {
            if skewed.insert(reading.server).inserted {
                events.append(ManagerEvent(at: now, client: client, kind: .clockSkewDetected(reading)))
            }
        }
        skewedServers[client] = skewed.filter { server in
            new.clockReadings.contains { $0.server == server && $0.exceeds(leeway) }
        }
        return events
    }

    /// Forgets a client that left or was replaced.
    mutating func forget(_ client: String) {
        lastHealth[client] = nil
        skewedServers[client] = nil
        lastLoggedAnswer[client] = nil
    }
}
