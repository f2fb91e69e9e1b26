import Foundation
import TokenModel

/// The detail pane: one tab of the selected client, as lines of spans, scrolled.
extension Renderer {
    static let labelWidth = 12

    /// The lines of the selected client's tab; zoomed, with nothing cut: long lines wrap and
    /// the Responses tab shows each answer's whole body.
    static func detailLines(_ client: ClientSnapshot, tab: DetailTab, width: Int, now: Date, context: ScreenContext, zoomed: Bool)
        -> [[Span]]
    {
        let lines: [[Span]]
        switch tab {
        case .token: lines = tokenLines(client, width: width, now: now, context: context)
        case .claims: lines = claimLines(client, width: width, now: now, glyphs: context.glyphs)
        case .responses: lines = responseLines(client, width: width, now: now, glyphs: context.glyphs, wholeBodies: zoomed)
        case .history: lines = historyLines(client, now: now, glyphs: context.glyphs)
        }
        return zoomed ? wrapped(lines, width: width) : lines
    }

    func drawDetail(
        _ canvas: inout Canvas, client: ClientSnapshot?, lines: [[Span]], state: ViewState, layout: ScreenLayout,
        context: ScreenContext
    ) {
        let rows = layout.detailRows
        guard !rows.isEmpty else { return }
        guard client != nil else {
            canvas.put("Select a client to see its token.", x: 2, y: rows.lowerBound, role: .muted)
            return
        }
        let width = canvas.width - 2
        for (index, y) in zip(0..<layout.pinnedLines, rows) { canvas.put(lines[index], x: 1, y: y, width: width) }
        let body = layout.scrollingRows
        let scroll = min(state.detailScroll, layout.maximumDetailScroll)
        for (offset, y) in body.enumerated() {
            let index = layout.pinnedLines + scroll + offset
            guard index < lines.count else { break }
            canvas.put(lines[index], x: 1, y: y, width: width)
        }
        // The pane's last row is the note's own, so it never covers text.
        guard layout.paneOverflows else { return }
        let hidden = lines.count - layout.pinnedLines - scroll - body.count
        let down = context.keyMap.keys(for: .pageDown).first?.label(glyphs: context.glyphs) ?? ""
        let up = context.keyMap.keys(for: .pageUp).first?.label(glyphs: context.glyphs) ?? ""
        let note =
            hidden > 0 ? " \(context.glyphs.down) \(hidden) more (\(down)) " : " \(context.glyphs.up) \(scroll) above (\(up)) "
        canvas.put(note, x: canvas.width - note.columnWidth - 1, y: rows.upperBound - 1, role: .muted)
    }

    // MARK: Token tab

    static func tokenLines(_ client: ClientSnapshot, width: Int, now: Date, context: ScreenContext) -> [[Span]] {
        let glyphs = context.glyphs
        var lines: [[Span]] = []
        func row(_ label: String, _ spans: [Span]) {
            lines.append([Span(padded(label, labelWidth), .muted)] + spans)
        }
        /// Long explanations (errors, reasons) wrap under their label rather than being cut.
        func wrappedRow(_ label: String, _ text: String, _ role: StyleRole, prefix: [Span] = []) {
            let prefixWidth = prefix.reduce(0) { $0 + $1.text.columnWidth }
            for (index, piece) in wrap(text, width: max(10, width - labelWidth - prefixWidth)).enumerated() {
                lines.append(
                    [Span(padded(index == 0 ? label : "", labelWidth), .muted)]
                        + (index == 0 ? prefix : [Span(padded("", prefixWidth))]) + [Span(piece, role)])
            }
        }
        let verdict = client.health(at: now)
        wrappedRow(
            "Health", clean(verdict.reason), verdict.state == .ok ? .text : verdict.state.role,
            prefix: [Span(verdict.state.label(glyphs), verdict.state.role), Span("  ")])
        if let cause = verdict.cause {
            wrappedRow("Next step", clean(client.nextStep(for: cause)), .text)
        }
        lines += diagnosisLines(client, width: width, now: now, glyphs: glyphs, verdictCause: verdict.cause)
        if let token = client.token {
            row("Token", [Span(clean(token.masked)), Span("  " + clean(token.tokenType), .muted)])
            var format = [Span(token.decoded.format == .jwt ? "JWT" : "opaque")]
            if let algorithm = token.decoded.algorithm { format += [Span("  alg ", .muted), Span(clean(algorithm))] }
            if let keyID = token.decoded.keyID { format += [Span("  kid ", .muted), Span(clean(keyID))] }
            row("Format", format)
            wrappedRow("Binding", clean(token.binding.display), token.binding.method == .bearer ? .muted : .text)
            row("Issued", timeSpans(token.issuedAt, now: now))
            row("Expires", token.expiresAt.map { timeSpans($0, now: now) } ?? [Span("unknown lifetime", .muted)])
            if let refreshAt = token.refreshAt {
                row("Refresh at", timeSpans(refreshAt, now: now))
            } else {
                let key = context.keyMap.keys(for: .refresh).first?.label(glyphs: glyphs) ?? "r"
                row(
                    "Refresh at",
                    [Span(client.refreshMode == .manual ? "manual mode: press \(key) to refresh" : "not scheduled", .muted)])
            }
            let verdict = verdictSpans(token.verdict, glyphs: glyphs)
            wrappedRow(
                token.verdict.subject == "claims" ? "Claims" : "Signature", clean(token.verdict.reason(at: now)), .muted,
                prefix: [verdict[0], Span(": ", .muted)])
            row(
                "Scopes",
                token.scopes.isEmpty ? [Span("none granted", .muted)] : [Span(clean(token.scopes.joined(separator: " ")))])
            if !token.extraFields.isEmpty {
                row(
                    "Response",
                    [
                        Span(
                            token.extraFields.keys.sorted().map { "\(clean($0))=\(valueText(token.extraFields[$0]!))" }.joined(
                                separator: "  "), .muted)
                    ])
            }
        } else {
            row("Token", [Span(client.isFetching ? "fetching a token\u{2026}" : "none held", .muted)])
        }
        lines += credentialLines(client, now: now)
        if let introspection = client.introspection {
            row(
                "Introspect",
                [
                    Span(introspection.active ? "active" : "inactive", introspection.active ? .ok : .critical),
                    Span("  checked ", .muted),
                ] + timeSpans(introspection.checkedAt, now: now))
            for key in introspection.fields.keys.sorted() where key != "active" {
                let value = introspection.fields[key]!
                let label = [Span(padded("", labelWidth + 2)), Span(padded(clean(key), 12), .muted)]
                if timeClaims.contains(key), let seconds = value.numberValue, let date = value.timestampValue {
                    lines.append(label + [Span(JSONValue.numberText(seconds) + "  ", .muted)] + timeSpans(date, now: now))
                } else {
                    lines.append(label + [Span(valueText(value))])
                }
            }
        } else {
            let key = context.keyMap.keys(for: .introspect).first?.label(glyphs: glyphs) ?? "i"
            row("Introspect", [Span("not fetched (press \(key))", .muted)])
        }
        if let error = client.lastError {
            let failedAt = client.history.last.flatMap { $0.succeeded ? nil : $0.startedAt }
            wrappedRow("Last error", clean(error.description) + age(failedAt, now: now, glyphs: glyphs), .error)
        }
        if client.retriesHalted {
            let key = context.keyMap.keys(for: .refresh).first?.label(glyphs: glyphs) ?? "r"
            wrappedRow("Retries", "halted: the server rejected the credentials; fix them, then press \(key)", .error)
        } else if let retry = client.nextRetryAt {
            row("Retry", [Span("next attempt " + TimeText.relative(retry, now: now))])
        }
        if let budget = client.tokenEndpointBudget { row("Budget", budgetSpans(budget, now: now)) }
        if let actionError = client.lastActionError {
            let failedAt = client.actions.last { !$0.succeeded }?.at
            wrappedRow("Last action", clean(actionError.description) + age(failedAt, now: now, glyphs: glyphs), .error)
        }
        var resource = [Span(client.resourceURI.map(clean) ?? "none configured", client.resourceURI == nil ? .muted : .text)]
        if client.pollingPaused { resource.append(Span("  polling paused", .refreshDue)) }
        row("Resource", resource)
        if client.resourceURI != nil, let response = client.lastResponse {
            row("Last answer", [answerSpan(response, client: client, now: now, glyphs: glyphs)])
        }
        row("Mode", [Span(client.refreshMode == .manual ? "manual refresh" : "automatic refresh", .muted)])
        return lines
    }

    /// `token endpoint: 412/600 left, resets in 38s`, a word besides the colour when it is low,
    /// and who spends it most: the Token tab's and the key-set screen's budget line.
    static func budgetSpans(_ budget: RateLimitBudget, now: Date) -> [Span] {
        let low = budget.isLow(at: now)
        var spans = [Span(clean(budget.text(at: now)), low ? .refreshDue : .text)]
        if low { spans.append(Span("  low: under \(Int(RateLimitBudget.lowShare * 100)) %", .refreshDue)) }
        if let heaviest = budget.heaviestClient, budget.heaviestClientRequests > 0 {
            spans.append(
                Span("  most requests: \(clean(heaviest)) (\(budget.heaviestClientRequests) in the last minute)", .muted))
        }
        return spans
    }

    /// Each credential behind the token with its countdown, in the colour of what it does to the
    /// verdict (ended, inside `credential-warning`, or fine); an assertion's claims, never the assertion.
    static func credentialLines(_ client: ClientSnapshot, now: Date) -> [[Span]] {
        var lines: [[Span]] = []
        for (index, credential) in client.credentials.sorted(by: { $0.expiresAt < $1.expiresAt }).enumerated() {
            let left = credential.expiresAt.timeIntervalSince(now)
            let role: StyleRole = left <= 0 ? .error : left <= client.credentialWarning.timeInterval ? .refreshDue : .text
            let label = Span(padded(index == 0 ? "Credentials" : "", labelWidth), .muted)
            lines.append(
                [label, Span(padded(credential.kind.rawValue, 16), .muted), Span(clean(credential.subject) + "  ", role)]
                    + [
                        Span(TimeText.dateTime(credential.expiresAt) + " UTC", role),
                        Span("  (" + TimeText.relative(credential.expiresAt, now: now) + ")", .muted),
                    ]
                    // In words too, not in colour alone.
                    + (left <= 0 ? [Span("  expired", .error)] : role == .refreshDue ? [Span("  renew soon", .refreshDue)] : []))
            for name in credential.details.keys.sorted() {
                lines.append([
                    Span(padded("", labelWidth + 16)), Span(padded(clean(name), 6), .muted),
                    Span(clean(credential.details[name] ?? "")),
                ])
            }
        }
        return lines
    }

    static func verdictSpans(_ verdict: SignatureVerdict, glyphs: Glyphs) -> [Span] {
        let (symbol, role): (Unicode.Scalar, StyleRole) =
            switch verdict.status {
            case .verified: (glyphs.ok, .ok)
            case .failed: (glyphs.error, .error)
            case .unverified: (glyphs.unchecked, .muted)
            case .checking: (glyphs.pending, .pending)
            case .notChecked: (glyphs.unchecked, .muted)
            }
        return [Span(String(symbol) + " " + verdict.status.words, role)]
    }

    /// ` · 12s ago`, for an error whose time is known.
    static func age(_ date: Date?, now: Date, glyphs: Glyphs) -> String {
        date.map { " \(glyphs.separator) " + TimeText.relative($0, now: now) } ?? ""
    }

    /// `200 12ms · 8s ago`, dim when the answer is old news (`ClientSnapshot.isStale`).
    static func answerSpan(_ response: ResourceResponse, client: ClientSnapshot, now: Date, glyphs: Glyphs) -> Span {
        let text = answerText(response, now: now, glyphs: glyphs)
        if client.isStale(response, at: now) { return Span(text + " (stale)", .muted) }
        return Span(text, response.isSuccess ? .ok : .error)
    }

    static func timeSpans(_ date: Date, now: Date) -> [Span] {
        [Span(TimeText.dateTime(date) + " UTC"), Span("  (" + TimeText.relative(date, now: now) + ")", .muted)]
    }

    // MARK: Claims tab

    static let timeClaims: Set<String> = ["exp", "iat", "nbf", "auth_time", "updated_at"]
    static let stringClaims: Set<String> = ["iss", "sub", "jti", "client_id", "azp", "cid", "typ", "ver"]
    static let claimOrder = ["iss", "sub", "aud", "client_id", "azp", "scope", "scp", "exp", "iat", "nbf", "auth_time", "jti"]

    static func claimLines(_ client: ClientSnapshot, width: Int, now: Date, glyphs: Glyphs) -> [[Span]] {
        guard let token = client.token else { return [[Span("No token held.", .muted)]] }
        let decoded = token.decoded
        guard decoded.format == .jwt else {
            return [
                [Span("An opaque token: it carries no claims the client can read.", .muted)],
                [Span("Introspection (Token tab) shows what the server knows of it.", .muted)],
            ]
        }
        var lines: [[Span]] = []
        let names =
            claimOrder.filter { decoded.claims[$0] != nil }
            + decoded.claims.keys.filter { !claimOrder.contains($0) }.sorted()
        let labelWidth = min(18, max(8, (names.map { $0.unicodeScalars.count }.max() ?? 0) + 2))
        lines.append([Span(padded("header", labelWidth), .muted), Span(clean(sanitized(.object(decoded.header)).compactText))])
        for name in names {
            let value = sanitized(decoded.claims[name]!)
            let label = Span(padded(clean(name), labelWidth), .columns)
            let indent = Span(padded("", labelWidth))
            if timeClaims.contains(name), let seconds = value.numberValue, let date = value.timestampValue {
                lines.append([label, Span(JSONValue.numberText(seconds) + "  ", .muted)] + timeSpans(date, now: now))
            } else if name == "scope" || name == "scp", let scopes = scopeList(value) {
                for (index, scope) in scopes.enumerated() {
                    lines.append([index == 0 ? label : indent, Span(String(glyphs.bullet) + " " + clean(scope))])
                }
                if scopes.isEmpty { lines.append([label, Span("(none)", .muted)]) }
            } else if stringClaims.contains(name) || name == "aud", let text = value.stringValue {
                lines.append([label, Span(clean(text))])
            } else {
                let compact = value.compactText
                if compact.columnWidth <= width - labelWidth {
                    lines.append([label, Span(clean(compact))])
                } else {
                    for (index, line) in value.prettyText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                        lines.append([index == 0 ? label : indent, Span(clean(String(line)))])
                    }
                }
            }
        }
        return lines
    }

    private static func scopeList(_ value: JSONValue) -> [String]? {
        if let text = value.stringValue { return text.split(separator: " ").map(String.init) }
        return value.arrayValue?.compactMap(\.stringValue)
    }

    // MARK: Responses tab

    /// - Parameter wholeBodies: each answer's body on lines of its own, in full, instead of
    ///   its start on the answer's line.
    static func responseLines(_ client: ClientSnapshot, width: Int, now: Date, glyphs: Glyphs, wholeBodies: Bool = false)
        -> [[Span]]
    {
        guard let uri = client.resourceURI else {
            return [[Span("No resource-uri is configured for this client.", .muted)]]
        }
        var lines: [[Span]] = []
        var endpoint = [Span(padded("Endpoint", labelWidth), .muted), Span("GET " + clean(uri))]
        if client.pollingPaused { endpoint.append(Span("  polling paused", .refreshDue)) }
        lines.append(endpoint)
        guard !client.responses.isEmpty else {
            let state =
                client.pollingPaused
                ? "no calls yet"
                : hasNoTokenToCallWith(client)
                    ? "no token to call with: the token request failed (see Token)"
                    : "waiting for the first call\u{2026}"
            lines.append([Span(padded("", labelWidth)), Span(state, .muted)])
            return lines
        }
        let latencies = client.responses.map { $0.latency }
        let shown = Array(client.responses.suffix(max(1, min(client.responses.count, width - labelWidth - 40))))
        let answered = shown.filter { $0.status != nil }.map { $0.latency }
        let lowest = answered.min() ?? .zero
        let highest = answered.max() ?? .zero
        var spark = String.UnicodeScalarView()
        for response in shown {
            guard response.status != nil else {
                spark.append(glyphs.sparklineFailure)
                continue
            }
            let span = (highest - lowest) / .milliseconds(1)
            let level = span > 0 ? Int(((response.latency - lowest) / .milliseconds(1)) / span * 7) : 3
            spark.append(glyphs.sparkline[min(7, max(0, level))])
        }
        lines.append([
            Span(padded("Latency", labelWidth), .muted), Span(String(spark), .chart),
            Span(
                "  last " + TimeText.latency(latencies.last!) + "  min " + TimeText.latency(lowest) + "  max "
                    + TimeText.latency(highest)
                    + "  (\(client.responses.count) \(client.responses.count == 1 ? "call" : "calls"))", .muted),
        ])
        lines.append([
            Span(padded("Time", 10) + padded("Age", 12) + padded("Status", 8) + padded("Latency", 9) + "Answer", .columns)
        ])
        // When the answers differ but start alike (`Message of the day for user: …`), a cut
        // keeps the end, where they differ.
        let excerpts = Set(client.responses.map { clean($0.bodyExcerpt) }.filter { !$0.isEmpty })
        let sharedStart =
            excerpts.count > 1
            && excerpts.dropFirst().reduce(excerpts.first!) { String($0.commonPrefix(with: $1)) }.count >= 4
        for response in client.responses.reversed() {
            // Old news (another token, or older than twice the poll interval) is drawn dim.
            let isStale = client.isStale(response, at: now)
            var line = [
                Span(padded(TimeText.clock(response.at), 10), .muted),
                Span(padded(TimeText.relative(response.at, now: now), 12), .muted),
                Span(padded(answerStatus(response), 8), isStale ? .muted : response.isSuccess ? .ok : .error),
                Span(padded(TimeText.latency(response.latency), 9), isStale ? .muted : .text),
            ]
            if response.wasRetry { line.append(Span(String(glyphs.retry) + " retry ", .refreshDue)) }
            if let failure = response.failure { line.append(Span(clean(failure.reason) + " ", .error)) }
            let bodyRole: StyleRole = response.isSuccess && !isStale ? .text : .muted
            if wholeBodies {
                lines.append(line)
                lines += bodyLines(response.bodyExcerpt, role: bodyRole)
            } else {
                let room = width - line.reduce(0) { $0 + $1.text.columnWidth }
                let excerpt = clean(response.bodyExcerpt)
                line.append(Span(sharedStart ? keepingEnd(excerpt, width: room, ellipsis: glyphs.ellipsis) : excerpt, bodyRole))
                lines.append(line)
            }
            if let challenge = response.wwwAuthenticate, !challenge.isEmpty {
                lines.append([Span(padded("", 39)), Span("WWW-Authenticate: " + clean(challenge), .muted)])
            }
        }
        return lines
    }

    // MARK: History tab

    /// One line of History: a token fetch or an operator's action.
    private struct HistoryEntry {
        var at: Date
        var what: String
        var latency: String
        var succeeded: Bool
        var outcome: String
        var details: String
    }

    /// Token fetches and the operator's actions, newest first, interleaved by time.
    static func historyLines(_ client: ClientSnapshot, now: Date, glyphs: Glyphs) -> [[Span]] {
        var entries = client.history.map { record in
            HistoryEntry(
                at: record.startedAt, what: "fetch: " + record.reason.words, latency: TimeText.latency(record.latency),
                succeeded: record.succeeded, outcome: record.error.map { clean($0.code) } ?? "ok",
                details: (record.nonceRetried ? "DPoP nonce retried · " : "")
                    + (record.error.map { clean($0.serverDescription ?? $0.reason) }
                        ?? ((record.expiresAt.map { "expires " + TimeText.clock($0) } ?? "no expiry")
                            + (record.claimChanges.isEmpty ? "" : "  " + record.claimChanges.map(clean).joined(separator: " "))))
            )
        }
        entries += client.actions.map { action in
            HistoryEntry(
                at: action.at, what: "you: " + action.action.rawValue, latency: "", succeeded: action.succeeded,
                outcome: action.succeeded ? "done" : "failed", details: clean(action.outcome))
        }
        guard !entries.isEmpty else { return [[Span("No token fetched yet.", .muted)]] }
        // Stable: a fetch and the action that caused it keep their recorded order.
        entries = entries.enumerated().sorted {
            $0.element.at != $1.element.at ? $0.element.at > $1.element.at : $0.offset > $1.offset
        }.map(\.element)
        let whatWidth = max(6, entries.map { $0.what.columnWidth }.max() ?? 0) + 2
        let outcomeWidth = max(7, entries.map { $0.outcome.columnWidth + 2 }.max() ?? 0) + 2
        var lines: [[Span]] = [
            [
                Span(
                    padded("When", 10) + padded("Event", whatWidth) + padded("Latency", 9) + padded("Outcome", outcomeWidth)
                        + "Details", .columns)
            ]
        ]
        for entry in entries {
            let mark = entry.succeeded ? glyphs.ok : glyphs.error
            lines.append([
                Span(padded(TimeText.clock(entry.at), 10), .muted),
                Span(padded(entry.what, whatWidth), entry.what.hasPrefix("you: ") ? .key : .text),
                Span(padded(entry.latency, 9)),
                Span(padded(String(mark) + " " + entry.outcome, outcomeWidth), entry.succeeded ? .ok : .error),
                Span(entry.details, .muted),
            ])
        }
        return lines
    }
}
