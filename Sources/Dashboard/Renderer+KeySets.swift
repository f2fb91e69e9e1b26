import Foundation
import TokenModel

/// The key-set screen: per issuer, the keys it publishes, which key signed which client's
/// token, how fresh the copy is, and how the set changed.
extension Renderer {
    /// One issuer's key set as the screen shows it: the freshest copy any client holds, the
    /// changes every client saw (each once, at the time it was first seen), and its clients.
    struct IssuerKeySet {
        var status: KeySetStatus
        var changes: [KeySetChange]
        var clients: [ClientSnapshot]
    }

    /// The key sets the clients watch, one per source, in source order.
    static func issuerKeySets(_ snapshot: ManagerSnapshot) -> [IssuerKeySet] {
        var bySource: [String: IssuerKeySet] = [:]
        for client in snapshot.clients {
            guard let status = client.keySet else { continue }
            guard var issuer = bySource[status.source] else {
                bySource[status.source] = IssuerKeySet(status: status, changes: status.changes, clients: [client])
                continue
            }
            issuer.clients.append(client)
            if (status.fetchedAt ?? .distantPast) > (issuer.status.fetchedAt ?? .distantPast) { issuer.status = status }
            for change in status.changes {
                if let index = issuer.changes.firstIndex(where: { $0.kind == change.kind && $0.kid == change.kid }) {
                    if change.at < issuer.changes[index].at { issuer.changes[index].at = change.at }
                } else {
                    issuer.changes.append(change)
                }
            }
            bySource[status.source] = issuer
        }
        return bySource.keys.sorted().map { source in
            var issuer = bySource[source]!
            issuer.changes.sort { $0.at < $1.at }
            // A key was first seen when the first client saw it, whichever copy is freshest.
            var firstSeen: [String: Date] = [:]
            for key in issuer.clients.flatMap({ $0.keySet?.keys ?? [] }) {
                let id = key.kid ?? ""
                firstSeen[id] = min(firstSeen[id] ?? key.firstSeen, key.firstSeen)
            }
            for index in issuer.status.keys.indices {
                issuer.status.keys[index].firstSeen = firstSeen[issuer.status.keys[index].kid ?? ""] ?? issuer.status.keys[index].firstSeen
            }
            return issuer
        }
    }

    /// The screen's lines: a line on the selected client's signing key, then each issuer, the
    /// selected client's first. Not wrapped, so the count does not depend on the width.
    static func keySetLines(_ snapshot: ManagerSnapshot, selected: ClientSnapshot?, now: Date, glyphs: Glyphs) -> [[Span]] {
        var issuers = issuerKeySets(snapshot)
        guard !issuers.isEmpty else {
            return [
                [Span("No key set watched yet.", .muted)],
                [Span("A client with jwk-set-uri or issuer-uri fetches its issuer's key set with its first JWT.", .muted)],
            ]
        }
        if let source = selected?.keySet?.source, let index = issuers.firstIndex(where: { $0.status.source == source }) {
            issuers.insert(issuers.remove(at: index), at: 0)
        }
        var lines: [[Span]] = []
        if let selected { lines.append(selectedKeyLine(selected, now: now)) }
        for issuer in issuers {
            lines.append([])
            lines += issuerLines(issuer, selected: selected?.name, now: now, glyphs: glyphs)
        }
        return lines
    }

    /// `mod-client's token is signed by "k1", which … publishes`, or why there is nothing to say.
    private static func selectedKeyLine(_ client: ClientSnapshot, now: Date) -> [Span] {
        let name = clean(client.name)
        guard let token = client.token else { return [Span("\(name) holds no token.", .muted)] }
        guard token.decoded.format == .jwt else { return [Span("\(name) holds an opaque token: no key signs what the client can read.", .muted)] }
        guard let kid = token.decoded.keyID else { return [Span("\(name)'s token names no kid.", .muted)] }
        guard let keySet = client.keySet else {
            return [Span("\(name)'s token is signed by key \"\(clean(kid))\"; no key set is watched for it.", .muted)]
        }
        switch keySet.standing(of: kid) {
        case .retired:
            return [Span("The key of \(name)'s token, \"\(clean(kid))\", is no longer published: "
                + "APIs that verify locally will refuse it after their cache expires", .error)]
        case .unseen:
            return [Span("\(name)'s token is signed by \"\(clean(kid))\", which is not in the key set as last fetched "
                + "(a new key?): \(clean(token.verdict.reason(at: now)))", .pending)]
        case .published:
            break
        }
        return [Span("\(name)'s token is signed by \"\(clean(kid))\", published by \(clean(keySet.source))")]
    }

    private static func issuerLines(_ issuer: IssuerKeySet, selected: String?, now: Date, glyphs: Glyphs) -> [[Span]] {
        let status = issuer.status
        var lines: [[Span]] = [[Span(padded("Key set", labelWidth), .muted), Span(clean(status.source), .title)]]
        var fetched: [Span] = status.fetchedAt.map { timeSpans($0, now: now) } ?? [Span("not fetched yet", .muted)]
        fetched.append(Span("  \(glyphs.separator) ", .muted))
        fetched.append(status.maxAge.map { Span("max-age " + TimeText.duration(seconds: $0.wholeSeconds)) }
            ?? Span("no max-age (fetched again after \(KeySetStatus.defaultMaximumAge.configText))", .muted))
        lines.append([Span(padded("Fetched", labelWidth), .muted)] + fetched)
        if let error = status.lastError {
            lines.append([Span(padded("Last error", labelWidth), .muted), Span(clean(error), .error)])
        }
        lines.append([Span(padded("Used by", labelWidth), .muted), Span(issuer.clients.map { clean($0.name) }.joined(separator: ", "))])

        let kidWidth = min(24, max(4, (status.keys.compactMap { $0.kid?.columnWidth }.max() ?? 0) + 2))
        let typeWidth = max(6, (status.keys.map { $0.type.columnWidth }.max() ?? 0) + 2)
        lines.append([Span("  " + padded("KID", kidWidth) + padded("TYPE", typeWidth) + padded("ALG", 7) + padded("USE", 5)
            + padded("FIRST SEEN", 13) + padded("LAST SEEN", 13) + "SIGNED THE TOKEN OF", .columns)])
        /// The clients whose held token names `kid`.
        func signed(_ kid: String?) -> [ClientSnapshot] {
            guard let kid else { return [] }
            return issuer.clients.filter { $0.token?.decoded.keyID == kid }
        }
        func signers(_ clients: [ClientSnapshot]) -> Span {
            Span(clients.isEmpty ? glyphs.none : clients.map { clean($0.name) }.joined(separator: ", "), clients.isEmpty ? .muted : .text)
        }
        for key in status.keys {
            let clients = signed(key.kid)
            let isSelected = clients.contains { $0.name == selected }
            lines.append([
                Span(isSelected ? String(glyphs.selectionMarker) + " " : "  ", .selection),
                Span(padded(key.kid.map(clean) ?? "(no kid)", kidWidth), isSelected ? .title : .text),
                Span(padded(clean(key.type), typeWidth)),
                Span(padded(key.algorithm.map(clean) ?? glyphs.none, 7), key.algorithm == nil ? .muted : .text),
                Span(padded(key.use.map(clean) ?? glyphs.none, 5), key.use == nil ? .muted : .text),
                Span(padded(TimeText.relative(key.firstSeen, now: now), 13), .muted),
                Span(padded(TimeText.relative(key.lastSeen, now: now), 13), .muted),
                signers(clients),
            ])
        }
        // Tokens signed by a key the set does not hold: one an earlier fetch held (the rotation
        // an API will trip over), or one newer than the copy (fetched again soon).
        let absent = Set(issuer.clients.compactMap { $0.token?.decoded.keyID }).filter { !status.publishes($0) }.sorted()
        for kid in absent {
            let clients = signed(kid)
            let isSelected = clients.contains { $0.name == selected }
            let retired = status.standing(of: kid) == .retired || issuer.changes.contains { $0.kind == .removed && $0.kid == kid }
            lines.append([
                Span(isSelected ? String(glyphs.selectionMarker) + " " : "  ", .selection),
                Span(padded(clean(kid), kidWidth), retired ? .error : .pending),
                retired
                    ? Span(String(glyphs.error) + " no longer published; ", .error)
                    : Span(String(glyphs.pending) + " not in the key set as last fetched (a new key?); ", .pending),
                signers(clients),
            ])
        }
        if status.keys.isEmpty { lines.append([Span("  no usable key in the set", .error)]) }

        lines.append([Span(padded("Changes", labelWidth), .muted)]
            + (issuer.changes.isEmpty ? [Span("none since tokentop started", .muted)] : []))
        for change in issuer.changes {
            let added = change.kind == .added
            lines.append([
                Span(padded("", labelWidth)),
                Span(padded(TimeText.clock(change.at), 10), .muted),
                Span(padded((added ? "+ " : "- ") + change.kind.rawValue, 10), added ? .ok : .refreshDue),
                Span(change.kid.map(clean) ?? "(no kid)"),
                Span("  " + TimeText.relative(change.at, now: now), .muted),
            ])
        }
        return lines
    }
}
