import ArgumentParser
import Dashboard
import Foundation
import MetricsExporter
import TokenModel

/// `tokentop check`: one health check of every client, for cron and CI. The verdicts are the
/// token manager's, exactly as the dashboard shows them.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Fetch a token for each client, verify or introspect it, and call its resource-uri once.",
        discussion: """
            Exit status: 0 when every client's verdict is ok, 1 when any is degraded, expired, pending or \
            error, 2 on a configuration or usage error (including a client whose secret file or key cannot be read).
            """)

    @OptionGroup var options: ConfigurationOptions
    @OptionGroup var eventsFile: EventsFileOption

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Introspect JWT access tokens too (opaque tokens are always introspected).")
    var introspect = false

    @Flag(
        help: """
            Three-way check: compare the local verdict, the authorization server's introspection and a live API call, \
            and name why a token is rejected (revoked, audience or issuer, scope, clock skew, key rotation, \
            introspection not allowed), with the evidence.
            """)
    var deep = false

    @Argument(help: "The clients to check (default: all).", completion: ClientNameCompletion.kind)
    var names: [String] = []

    func run() async throws {
        let (snapshot, events) = try await AppContext.with(options) { context in
            let manager = try context.makeManager(clients: names)
            let log = try eventsFile.path.map { path throws(CLIError) in try EventsFile.open(path, health: context.fileSinks) }
            let feed = await manager.events()
            let snapshot = await manager.checkRound(introspectJWTs: introspect || deep)
            // The round is over: what the feed holds is this round's events.
            await manager.finishEvents()
            var events: [ManagerEvent] = []
            for await event in feed {
                events.append(event)
                log?.append(EventsFile.line(event))
            }
            return (snapshot, events)
        }
        let now = snapshot.takenAt
        if json {
            try printResult(WireJSON.text(CheckDocument(snapshot, at: now, deep: deep, events: events)))
        } else {
            try printResult(CheckReport.table(snapshot, now: now, deep: deep))
        }
        // A client that cannot even be tried (an unreadable secret file or key) is a configuration error.
        if snapshot.clients.contains(where: { $0.lastError?.kind == .configuration }) { throw ExitCode(2) }
        if snapshot.clients.contains(where: { $0.health(at: now).state != .ok }) { throw ExitCode(1) }
    }
}

/// How `check` prints a round's snapshot for people; `--json` is `CheckDocument`, which `serve` shares.
enum CheckReport {
    /// The table for people: one row a client, the verdict in a word and a symbol.
    static func table(_ snapshot: ManagerSnapshot, now: Date, deep: Bool = false) -> String {
        let header = ["CLIENT", "VERDICT", "TOKEN", "EXPIRES", "SIGNATURE", "API", "REASON"]
        var rows: [[String]] = []
        for client in snapshot.clients {
            let health = client.health(at: now)
            let expires = client.token?.expiresAt.map { TimeText.relative($0, now: now) } ?? "-"
            let signature =
                client.token.map { token in
                    token.decoded.format == .opaque
                        ? "opaque"
                        : token.verdict.subject == "claims" ? "claims failed" : token.verdict.status.words
                } ?? "-"
            let api =
                client.lastResponse.map { response in
                    (response.status.map(String.init) ?? "none") + " " + TimeText.latency(response.latency)
                } ?? "-"
            rows.append(
                [
                    client.name, "\(symbol(health.state)) \(health.state.rawValue)", client.token?.masked ?? "-", expires,
                    signature, api, health.reason,
                ].map { TerminalText.sanitize($0) })
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        var lines = ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let steps = snapshot.clients.compactMap { client in
            client.nextStep(at: now, in: .command).map { TerminalText.sanitize("\(client.name): next step: \($0)") }
        }
        if !steps.isEmpty { lines += [""] + steps }
        if deep {
            for client in snapshot.clients {
                let diagnoses = client.diagnoses(at: now)
                for diagnosis in diagnoses {
                    lines.append("")
                    lines.append(TerminalText.sanitize("\(client.name): \(diagnosis.cause.rawValue): \(diagnosis.summary)"))
                    lines += diagnosis.evidence.map { "  · " + TerminalText.sanitize($0) }
                    // The verdict's own next step is printed above.
                    if client.health(at: now).cause != .diagnosed(diagnosis.cause) {
                        lines.append(
                            "  → " + TerminalText.sanitize(client.nextStep(for: .diagnosed(diagnosis.cause), in: .command)))
                    }
                }
                if !diagnoses.isEmpty {
                    lines += client.checksNotRun(at: now).map { "  not checked: " + TerminalText.sanitize($0.line) }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The same symbols the dashboard's table and legend use.
    static func symbol(_ state: HealthState) -> String {
        String(state.symbol(.unicode))
    }
}
