import ArgumentParser
import Dashboard
import Foundation
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
            try printResult(CheckReport.json(snapshot, now: now, deep: deep, events: events).prettyText)
        } else {
            try printResult(CheckReport.table(snapshot, now: now, deep: deep))
        }
        // A client that cannot even be tried (an unreadable secret file or key) is a configuration error.
        if snapshot.clients.contains(where: { $0.lastError?.kind == .configuration }) { throw ExitCode(2) }
        if snapshot.clients.contains(where: { $0.health(at: now).state != .ok }) { throw ExitCode(1) }
    }
}

/// How `check` prints a round's snapshot, for people and for machines.
enum CheckReport {
    /// The `check --json` shape documented in README.md; absent parts are left out.
    static func json(_ snapshot: ManagerSnapshot, now: Date, deep: Bool = false, events: [ManagerEvent] = []) -> JSONValue {
        .object([
            "checked_at": .string(TimeText.iso8601(now)),
            "clients": .array(
                snapshot.clients.map { client in
                    var object = fields(client, now: now, deep: deep, reader: .command)
                    object["events"] = .array(events.filter { $0.client == client.name }.map(\.json))
                    return .object(object)
                }),
        ])
    }

    /// One client as `check --json` shows it; `serve`'s /api/v1/clients lists the same, with the
    /// next step in words for the service (its reload, not a second run).
    static func client(json client: ClientSnapshot, now: Date, reader: NextStepReader = .serve) -> JSONValue {
        .object(fields(client, now: now, deep: false, reader: reader))
    }

    private static func fields(
        _ client: ClientSnapshot, now: Date, deep: Bool, reader: NextStepReader
    ) -> [String: JSONValue] {
        let health = client.health(at: now)
        var object: [String: JSONValue] = [
            "name": .string(client.name),
            "status": .string(health.state == .ok ? "ok" : "error"),
            "verdict": .string(health.state.rawValue),
            "reason": .string(health.reason),
        ]
        if let cause = health.cause { object["next_step"] = .string(client.nextStep(for: cause, in: reader)) }
        if let token = client.token {
            var tokenObject: [String: JSONValue] = [
                "format": .string(token.decoded.format.rawValue),
                "scope": .string(token.scopes.joined(separator: " ")),
                "type": .string(token.tokenType),
                "issued_at": .string(TimeText.iso8601(token.issuedAt)),
            ]
            if let expiresAt = token.expiresAt {
                tokenObject["expires_at"] = .string(TimeText.iso8601(expiresAt))
                tokenObject["expires_in"] = .number(Double(max(0, Int(min(expiresAt.timeIntervalSince(now), 1e12).rounded()))))
            }
            if token.decoded.format == .jwt {
                tokenObject["header"] = .object(token.decoded.header)
                tokenObject["claims"] = .object(token.decoded.claims)
            }
            tokenObject["binding"] = .string(token.binding.display)
            tokenObject["signature"] = .object([
                "status": .string(token.verdict.status.rawValue), "reason": .string(token.verdict.reason),
            ])
            object["token"] = .object(tokenObject)
        }
        if let introspection = client.introspection {
            object["introspection"] = .object(
                introspection.fields.merging(
                    ["checked_at": .string(TimeText.iso8601(introspection.checkedAt))]) { sent, _ in sent })
        } else if let error = client.introspectionError {
            object["introspection"] = .object(["error": errorJSON(error)])
        }
        if let response = client.lastResponse {
            var resourceObject: [String: JSONValue] = [
                "latency_ms": .number(Double(Int((response.latency.timeInterval * 1000).rounded()))),
                "body": .string(response.bodyExcerpt),
                "at": .string(TimeText.iso8601(response.at)),
            ]
            if let status = response.status { resourceObject["status"] = .number(Double(status)) }
            if let failure = response.failure { resourceObject["error"] = errorJSON(failure) }
            if let challenge = response.challengeError, let code = challenge.error {
                var challengeObject: [String: JSONValue] = ["error": .string(code.rawValue)]
                if let description = challenge.errorDescription { challengeObject["error_description"] = .string(description) }
                if !challenge.scope.isEmpty { challengeObject["scope"] = .string(challenge.scope.joined(separator: " ")) }
                resourceObject["challenge"] = .object(challengeObject)
            }
            object["resource"] = .object(resourceObject)
        }
        if let error = client.lastError {
            object["error"] = errorJSON(error)
        }
        if !client.credentials.isEmpty {
            object["credentials"] = .array(
                client.credentials.map { credential in
                    var credentialObject: [String: JSONValue] = [
                        "kind": .string(credential.kind.rawValue), "subject": .string(credential.subject),
                        "expires_at": .string(TimeText.iso8601(credential.expiresAt)),
                    ]
                    for (name, value) in credential.details { credentialObject[name] = .string(value) }
                    return .object(credentialObject)
                })
        }
        if deep {
            object["diagnoses"] = .array(
                client.diagnoses(at: now).map { diagnosis in
                    .object([
                        "cause": .string(diagnosis.cause.rawValue), "summary": .string(diagnosis.summary),
                        "evidence": .array(diagnosis.evidence.map(JSONValue.string)),
                        "next_step": .string(client.nextStep(for: .diagnosed(diagnosis.cause), in: reader)),
                    ])
                })
            object["checks"] = .array(
                client.diagnosticChecks(at: now).map { check in
                    let (outcome, detail): (String, String) =
                        switch check.outcome {
                        case .ran(let finding): ("ran", finding)
                        case .notConfigured(let why): ("not_configured", why)
                        case .notYet(let why): ("not_yet", why)
                        }
                    return .object([
                        "check": .string(check.kind.rawValue), "outcome": .string(outcome), "detail": .string(detail),
                    ])
                })
            object["clocks"] = .array(
                client.clockReadings.map { reading in
                    .object([
                        "server": .string(reading.server), "source": .string(reading.source.rawValue),
                        "offset_seconds": .number((reading.offset * 10).rounded() / 10),
                        "uncertainty_seconds": .number((reading.uncertainty * 10).rounded() / 10),
                    ])
                })
            if let keySet = client.keySet {
                var keySetObject: [String: JSONValue] = [
                    "source": .string(keySet.source),
                    "keys": .array(
                        keySet.keys.map { key in
                            var keyObject: [String: JSONValue] = ["type": .string(key.type)]
                            if let kid = key.kid { keyObject["kid"] = .string(kid) }
                            if let algorithm = key.algorithm { keyObject["alg"] = .string(algorithm) }
                            return .object(keyObject)
                        }),
                ]
                if let maxAge = keySet.maxAge { keySetObject["max_age_seconds"] = .number(Double(maxAge.wholeSeconds)) }
                if let kid = client.token?.decoded.keyID { keySetObject["token_kid"] = .string(kid) }
                object["key_set"] = .object(keySetObject)
            }
        }
        return object
    }

    private static func errorJSON(_ error: OAuthError) -> JSONValue {
        var object: [String: JSONValue] = ["code": .string(error.code), "description": .string(error.description)]
        if let status = error.httpStatus { object["http_status"] = .number(Double(status)) }
        return .object(object)
    }

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
