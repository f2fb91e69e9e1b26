import Foundation
import TokenModel

/// The event log as the dashboard shows it: the manager's recent events, oldest first, put in
/// words, of the clients the table shows (or of the selected one only). Key handling and
/// drawing both use it, so scrolling stops where the log ends.
enum EventLog {
    /// One line of the log.
    struct Entry: Equatable {
        var at: Date
        var client: String
        /// What happened, sanitised: events carry text from the network.
        var text: String
        var role: StyleRole
    }

    /// The entries to show, oldest first. An API answer or a signature verdict that only repeats
    /// the client's previous one is left out: the log says when the status changes, not every poll.
    static func entries(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> [Entry] {
        let visible = ClientList.visible(snapshot, state: state, now: now)
        let shown: Set<String>
        if state.eventsOfSelectedOnly {
            shown = ClientList.selectedIndex(in: visible, state: state).map { [visible[$0].name] } ?? []
        } else {
            shown = Set(visible.map(\.name))
        }
        var lastAnswer: [String: (key: String, words: String)] = [:]
        var lastSignature: [String: SignatureVerdict.Status] = [:]
        var entries: [Entry] = []
        for event in snapshot.recentEvents {
            let words: (String, StyleRole)?
            switch event.kind {
            case .resourceCalled(let response):
                // The manager keeps an answer only when its outcome changed; folded here the same way.
                let status = answerWords(response)
                let previous = lastAnswer.updateValue((response.outcomeKey, status), forKey: event.client)
                words = previous?.key == response.outcomeKey
                    ? nil
                    : ("API " + (previous.map { "\($0.words) \u{2192} " } ?? "") + status + " (" + TimeText.latency(response.latency) + ")",
                       response.isSuccess ? .ok : .error)
            case .signatureChecked(let verdict):
                let previous = lastSignature.updateValue(verdict.status, forKey: event.client)
                words = previous == verdict.status && verdict.status != .failed ? nil : describe(event.kind)
            default:
                words = describe(event.kind)
            }
            guard let (text, role) = words, shown.contains(event.client) else { continue }
            entries.append(Entry(at: event.at, client: TerminalText.sanitize(event.client), text: TerminalText.sanitize(text), role: role))
        }
        return entries
    }

    /// `200`, `403 insufficient_scope`, `refused`: an API answer's status and the challenge's error.
    static func answerWords(_ response: ResourceResponse) -> String {
        var words = Renderer.answerStatus(response)
        if let error = response.challengeError?.error { words += " " + error.rawValue }
        return words
    }

    /// An event in words, with the role it is drawn in.
    static func describe(_ kind: ManagerEvent.Kind) -> (String, StyleRole) {
        switch kind {
        case .tokenFetched(let reason, let latency, let expiresAt):
            return ("token fetched (\(reason.words), \(TimeText.latency(latency)))"
                + (expiresAt.map { ", expires " + TimeText.clock($0) } ?? ", no expiry"), .ok)
        case .tokenFailed(let reason, let latency, let error):
            return ("token request failed (\(reason.words), \(TimeText.latency(latency))): \(error.description)", .error)
        case .resourceCalled(let response):
            return ("API \(answerWords(response)) (\(TimeText.latency(response.latency)))", response.isSuccess ? .ok : .error)
        case .signatureChecked(let verdict):
            let role: StyleRole = switch verdict.status {
            case .verified: .ok
            case .failed: .error
            case .unverified, .checking, .notChecked: .muted
            }
            return ("signature \(verdict.status.words): \(verdict.reason)", role)
        case .introspected(let active):
            return (active ? "introspected: active" : "introspected: inactive (revoked or expired at the server)", active ? .ok : .error)
        case .healthChanged(let from, let to):
            return ("verdict " + (from.map { "\($0.state.rawValue) \u{2192} " } ?? "") + to.state.rawValue + ": " + to.reason, to.state.role)
        case .operatorAction(let record):
            return ("you: \(record.action.rawValue)" + (record.succeeded ? " \u{2014} " : " failed: ") + record.outcome,
                    record.succeeded ? .key : .error)
        case .keySetChanged(let source, let change):
            return ("key \(change.kind.rawValue): \(change.kid ?? "(no kid)") at \(source)", change.kind == .added ? .text : .refreshDue)
        case .clockSkewDetected(let reading):
            return ("clock skew: " + reading.summary, .refreshDue)
        }
    }
}
