import Foundation
import TokenModel

/// The body of `GET /api/v1/clients`: for every client, live, the object `check --json` prints
/// (README.md), plus what a watcher over time wants: the fetch history, operator actions,
/// backoff, and the masked token. Built from snapshots, which hold only masked tokens;
/// JWT-shaped text in a resource's answer is masked too.
public enum ClientsDocument {
    /// One client as `check --json` shows it (TokentopCommands' `CheckReport`), so the two
    /// never drift apart.
    public typealias Describe = @Sendable (ClientSnapshot, Date) -> JSONValue

    /// - Parameter actionsAllowed: whether `POST …/refresh` and `…/revoke` are allowed
    ///   (`--allow-actions`), so an attached dashboard knows before it asks.
    ///   - instance: the index's `instance`, which its generations belong to.
    static func json(
        _ selection: ClientsIndex.Selection, instance: String, at now: Date, actionsAllowed: Bool, describe: Describe
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "generated_at": .string(TimeText.iso8601(now)),
            "actions_allowed": .bool(actionsAllowed),
            // Generations count snapshots (a few a second at most): far below 2^53, exact as a JSON number.
            "generation": .number(Double(selection.generation)),
            "instance": .string(instance),
            "complete": .bool(selection.complete),
            "clients": .array(
                selection.clients.map { listed in
                    // Changes are for watchers, which draw the snapshot: the rest would be most of the bytes.
                    selection.changesOnly ? changed(listed) : self.client(for: listed.snapshot, at: now, describe: describe)
                }),
        ]
        if selection.changesOnly && !selection.complete { object["removed"] = .array(selection.removed.map(JSONValue.string)) }
        if let next = selection.nextAfter { object["next_after"] = .string(next) }
        return .object(object)
    }

    /// A client in an answer to `since`: its name, its snapshot (each log possibly only its
    /// newest records) and the windows of its logs, which say how many records each holds.
    static func changed(_ listed: ClientsIndex.Listed) -> JSONValue {
        .object([
            "name": .string(listed.snapshot.name), "snapshot": encoded(exported(listed.snapshot)) ?? .null,
            "logs": encoded(listed.logs) ?? .null,
        ])
    }

    static func client(for client: ClientSnapshot, at now: Date, describe: Describe) -> JSONValue {
        guard case .object(var object) = describe(client, now) else { return describe(client, now) }
        // The whole snapshot, for a dashboard attached with `--attach` to draw what a local one would.
        if let snapshot = encoded(exported(client)) { object["snapshot"] = snapshot }
        object["history"] = .array(client.history.map(record))
        if !client.actions.isEmpty { object["actions"] = .array(client.actions.map(action)) }
        object["refresh_mode"] = .string(client.refreshMode.rawValue)
        if let nextRetryAt = client.nextRetryAt { object["next_retry_at"] = .string(TimeText.iso8601(nextRetryAt)) }
        if client.retriesHalted { object["retries_halted"] = .bool(true) }
        if client.revoked { object["revoked"] = .bool(true) }
        if let token = client.token, case .object(var tokenObject)? = object["token"] {
            tokenObject["masked"] = .string(token.masked)
            object["token"] = .object(tokenObject)
        }
        if case .object(var resource)? = object["resource"], case .string(let body)? = resource["body"] {
            resource["body"] = .string(Redaction.maskingJWTs(body))
            object["resource"] = .object(resource)
        }
        return .object(object)
    }

    /// An operator action and how it ended.
    static func action(_ record: ActionRecord) -> JSONValue {
        .object([
            "action": .string(record.action.rawValue),
            "at": .string(TimeText.iso8601(record.at)),
            "succeeded": .bool(record.succeeded),
            "outcome": .string(Redaction.maskingJWTs(record.outcome)),
        ])
    }

    private static func record(_ record: FetchRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "reason": .string(record.reason.rawValue),
            "started_at": .string(TimeText.iso8601(record.startedAt)),
            "latency_ms": .number((record.latency.timeInterval * 1000).rounded()),
            "status": .string(record.succeeded ? "ok" : "error"),
        ]
        if let error = record.error {
            var errorObject: [String: JSONValue] = ["code": .string(error.code), "description": .string(error.description)]
            if let status = error.httpStatus { errorObject["http_status"] = .number(Double(status)) }
            object["error"] = .object(errorObject)
        }
        if let expiresAt = record.expiresAt { object["expires_at"] = .string(TimeText.iso8601(expiresAt)) }
        if !record.claimChanges.isEmpty { object["claim_changes"] = .array(record.claimChanges.map(JSONValue.string)) }
        return .object(object)
    }

    /// The snapshot as served: what an API echoed (its body, its challenge, an action's outcome)
    /// with JWT-shaped text masked, as in the rest of the document.
    static func exported(_ client: ClientSnapshot) -> ClientSnapshot {
        var exported = client
        exported.responses = client.responses.map { response in
            var masked = response
            masked.bodyExcerpt = Redaction.maskingJWTs(response.bodyExcerpt)
            masked.wwwAuthenticate = response.wwwAuthenticate.map(Redaction.maskingJWTs)
            return masked
        }
        exported.actions = client.actions.map { record in
            var masked = record
            masked.outcome = Redaction.maskingJWTs(record.outcome)
            return masked
        }
        return exported
    }

    private static func encoded(_ value: some Encodable) -> JSONValue? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return JSONValue(data: data)
    }
}
