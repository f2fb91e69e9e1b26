import Foundation
import TokenModel

/// The event log as the dashboard shows it: the manager's recent events, oldest first, put in
/// words, of the clients the table shows (or of the selected one only), with the dashboard's
/// own notes (its footer's messages, kept) among them. Key handling and drawing both use it, so
/// scrolling stops where the log ends. Which events are shown is decided for the whole log;
/// their words are made only for the lines drawn.
enum EventLogView {
    /// One line of the log.
    struct Entry: Equatable {
        /// What a line tells: the manager's event, or a note of the dashboard's.
        enum Source: Equatable {
            case event(ManagerEvent.Kind)
            case note(FooterMessage)
        }

        var at: Date
        /// The client's name as the manager has it (drawn sanitised); empty for a note about no client.
        var client: String
        var source: Source
        /// For an API answer, the client's previous one in the log, which it changed.
        var previousAnswer: ResourceResponse?

        /// What happened, sanitised (events carry text from the network), and its role.
        var words: (text: String, role: StyleRole) {
            let (text, role): (String, StyleRole)
            switch source {
            case .event(.resourceCalled(let response)):
                text =
                    "API " + (previousAnswer.map { "\(answerWords($0)) \u{2192} " } ?? "") + answerWords(response)
                    + " (" + TimeText.latency(response.latency) + ")"
                role = response.isSuccess ? .ok : .error
            case .event(let kind):
                (text, role) = describe(kind)
            case .note(let message):
                // Named as the dashboard's, beside the manager's "you: …" lines.
                (text, role) = ("dashboard: " + message.text, message.isError ? .error : .muted)
            }
            return (TerminalText.sanitize(text), role)
        }
    }

    /// The entries to show, oldest first, the dashboard's notes after the manager's events of
    /// the same instant. An API answer or a signature verdict that only repeats the client's
    /// previous one is left out: the log says when the status changes, not every poll.
    static func entries(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> [Entry] {
        let shown = shownClients(snapshot, state: state, now: now)
        return merged(events(snapshot, of: shown), notes(state, of: shown))
    }

    /// The notes to show: every one while the log shows every client; once it is narrowed (to
    /// the selected client, or by the filter), those about a client it shows.
    private static func notes(_ state: ViewState, of shown: Set<String>) -> [Entry] {
        let narrowed = state.eventsOfSelectedOnly || !state.filterText.isEmpty
        return state.footerNotes.compactMap { note in
            if narrowed, !(note.message.client.map(shown.contains) ?? false) { return nil }
            return Entry(at: note.at, client: note.message.client ?? "", source: .note(note.message))
        }
    }

    /// Two lists oldest first as one, the first's entry before the second's at the same instant.
    private static func merged(_ events: [Entry], _ notes: [Entry]) -> [Entry] {
        guard !notes.isEmpty else { return events }
        var result: [Entry] = []
        result.reserveCapacity(events.count + notes.count)
        var next = notes.startIndex
        for event in events {
            while next < notes.endIndex, notes[next].at < event.at {
                result.append(notes[next])
                next += 1
            }
            result.append(event)
        }
        return result + notes[next...]
    }

    /// The manager's events of the clients shown, oldest first, repeats folded.
    private static func events(_ snapshot: ManagerSnapshot, of shown: Set<String>) -> [Entry] {
        var lastAnswer: [String: ResourceResponse] = [:]
        var lastSignature: [String: SignatureVerdict.Status] = [:]
        var entries: [Entry] = []
        for event in snapshot.recentEvents {
            var previousAnswer: ResourceResponse?
            switch event.kind {
            case .resourceCalled(let response):
                // The manager keeps an answer only when its outcome changed; folded here the same way.
                let previous = lastAnswer.updateValue(response, forKey: event.client)
                guard previous?.outcomeKey != response.outcomeKey else { continue }
                previousAnswer = previous
            case .signatureChecked(let verdict):
                let previous = lastSignature.updateValue(verdict.status, forKey: event.client)
                guard previous != verdict.status || verdict.status == .failed else { continue }
            default:
                break
            }
            guard shown.contains(event.client) else { continue }
            entries.append(Entry(at: event.at, client: event.client, source: .event(event.kind), previousAnswer: previousAnswer))
        }
        return entries
    }

    /// The names of the clients whose events are shown: the selected one, or those the table
    /// shows (every client unless a filter hides some; no sorting needed for that).
    private static func shownClients(_ snapshot: ManagerSnapshot, state: ViewState, now: Date) -> Set<String> {
        if state.eventsOfSelectedOnly {
            let visible = ClientList.visible(snapshot, state: state, now: now)
            return ClientList.selectedIndex(in: visible, state: state).map { [visible[$0].name] } ?? []
        }
        let clients = snapshot.clients
        guard !state.filterText.isEmpty else { return Set(clients.indices.lazy.map { clients[$0].name }) }
        return Set(
            clients.indices.lazy.filter {
                ClientList.matches(clients[$0], filter: state.filterText, verdict: clients[$0].healthState(at: now))
            }.map { clients[$0].name })
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
            return (
                "token fetched (\(reason.words), \(TimeText.latency(latency)))"
                    + (expiresAt.map { ", expires " + TimeText.clock($0) } ?? ", no expiry"), .ok
            )
        case .tokenFailed(let reason, let latency, let error):
            return ("token request failed (\(reason.words), \(TimeText.latency(latency))): \(error.description)", .error)
        case .resourceCalled(let response):
            return ("API \(answerWords(response)) (\(TimeText.latency(response.latency)))", response.isSuccess ? .ok : .error)
        case .signatureChecked(let verdict):
            let role: StyleRole =
                switch verdict.status {
                case .verified: .ok
                case .failed: .error
                case .unverified, .checking, .notChecked: .muted
                }
            return ("\(verdict.subject) \(verdict.status.words): \(verdict.reason)", role)
        case .introspected(let active):
            return (
                active ? "introspected: active" : "introspected: inactive (revoked or expired at the server)",
                active ? .ok : .error
            )
        case .healthChanged(let from, let to):
            return (
                "verdict " + (from.map { "\($0.state.rawValue) \u{2192} " } ?? "") + to.state.rawValue + ": " + to.reason,
                to.state.role
            )
        case .operatorAction(let record):
            return (
                "you: \(record.action.rawValue)" + (record.succeeded ? " \u{2014} " : " failed: ") + record.outcome,
                record.succeeded ? .key : .error
            )
        case .keySetChanged(let source, let change):
            return (
                "key \(change.kind.rawValue): \(change.kid ?? "(no kid)") at \(source)",
                change.kind == .added ? .text : .refreshDue
            )
        case .clockSkewDetected(let reading):
            return ("clock skew: " + reading.summary, .refreshDue)
        }
    }
}
