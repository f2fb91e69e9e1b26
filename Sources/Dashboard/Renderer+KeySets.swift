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
        /// Where its clients are in the snapshot's `clients`, in that order (indexes, not copies:
        /// a client snapshot is large, and 10,000 copies a frame cost more than the rest).
        var clients: [Int]
    }

    /// The key sets the clients watch, one per source, in source order. One pass over the
    /// clients: each issuer's clients and changes are gathered in place and a change is found by
    /// its kind and kid, so 10,000 clients on one issuer cost 10,000 steps, not 10,000².
    static func issuerKeySets(_ snapshot: ManagerSnapshot) -> [IssuerKeySet] {
        struct ChangeID: Hashable {
            let kind: KeySetChange.Kind
            let kid: String?
        }
        var issuers: [IssuerKeySet] = []
        /// Per issuer, where each change is in its `changes`.
        var changeIndexes: [[ChangeID: Int]] = []
        var positions: [String: Int] = [:]
        // By index: a client snapshot is large, and only its key set is needed here.
        for clientIndex in snapshot.clients.indices {
            guard let status = snapshot.clients[clientIndex].keySet else { continue }
            guard let position = positions[status.source] else {
                positions[status.source] = issuers.count
                var indexes: [ChangeID: Int] = [:]
                for (index, change) in status.changes.enumerated()
                where indexes[ChangeID(kind: change.kind, kid: change.kid)] == nil {
                    indexes[ChangeID(kind: change.kind, kid: change.kid)] = index
                }
                issuers.append(IssuerKeySet(status: status, changes: status.changes, clients: [clientIndex]))
                changeIndexes.append(indexes)
                continue
            }
            issuers[position].clients.append(clientIndex)
            if (status.fetchedAt ?? .distantPast) > (issuers[position].status.fetchedAt ?? .distantPast) {
                issuers[position].status = status
            }
            for change in status.changes {
                let id = ChangeID(kind: change.kind, kid: change.kid)
                if let index = changeIndexes[position][id] {
                    if change.at < issuers[position].changes[index].at { issuers[position].changes[index].at = change.at }
                } else {
                    changeIndexes[position][id] = issuers[position].changes.count
                    issuers[position].changes.append(change)
                }
            }
        }
        return issuers.sorted { $0.status.source < $1.status.source }.map { issuer in
            var issuer = issuer
            issuer.changes.sort { $0.at < $1.at }
            // A key was first seen when the first client saw it, whichever copy is freshest.
            var firstSeen: [String: Date] = [:]
            for client in issuer.clients {
                for key in snapshot.clients[client].keySet?.keys ?? [] {
                    let id = key.kid ?? ""
                    firstSeen[id] = min(firstSeen[id] ?? key.firstSeen, key.firstSeen)
                }
            }
            for index in issuer.status.keys.indices {
                issuer.status.keys[index].firstSeen =
                    firstSeen[issuer.status.keys[index].kid ?? ""] ?? issuer.status.keys[index].firstSeen
            }
            return issuer
        }
    }

    /// The screen: a line on the selected client's signing key, then each issuer, the selected
    /// client's first. Not wrapped, so the count does not depend on the width; each line is made
    /// only when drawn.
    static func keySetScreen(
        _ snapshot: ManagerSnapshot, selected: ClientSnapshot?, now: Date, glyphs: Glyphs
    ) -> (issuers: Int, lines: ScreenLines) {
        var issuers = issuerKeySets(snapshot)
        guard !issuers.isEmpty else {
            return (
                0,
                ScreenLines([
                    [Span("No key set watched yet.", .muted)],
                    [Span("A client with jwk-set-uri or issuer-uri fetches its issuer's key set with its first JWT.", .muted)],
                ])
            )
        }
        if let source = selected?.keySet?.source, let index = issuers.firstIndex(where: { $0.status.source == source }) {
            issuers.insert(issuers.remove(at: index), at: 0)
        }
        let sections = issuers.map { IssuerSection($0, of: snapshot.clients, selected: selected) }
        var starts: [Int] = []
        var count = selected == nil ? 0 : 1
        for section in sections {
            starts.append(count)
            count += section.count
        }
        return (
            issuers.count,
            ScreenLines(count: count) { index in
                if let selected, index == 0 { return selectedKeyLine(selected, now: now) }
                // The last section that starts at or before `index`.
                var low = 0
                var high = starts.count - 1
                while low < high {
                    let middle = (low + high + 1) / 2
                    if starts[middle] <= index { low = middle } else { high = middle - 1 }
                }
                return sections[low].line(index - starts[low], now: now, glyphs: glyphs)
            }
        )
    }

    /// `mod-client's token is signed by "k1", which … publishes`, or why there is nothing to say.
    private static func selectedKeyLine(_ client: ClientSnapshot, now: Date) -> [Span] {
        let name = clean(client.name)
        guard let token = client.token else { return [Span("\(name) holds no token.", .muted)] }
        guard token.decoded.format == .jwt else {
            return [Span("\(name) holds an opaque token: no key signs what the client can read.", .muted)]
        }
        guard let kid = token.decoded.keyID else { return [Span("\(name)'s token names no kid.", .muted)] }
        guard let keySet = client.keySet else {
            return [Span("\(name)'s token is signed by key \"\(clean(kid))\"; no key set is watched for it.", .muted)]
        }
        switch keySet.standing(of: kid) {
        case .retired:
            return [
                Span(
                    "The key of \(name)'s token, \"\(clean(kid))\", is no longer published: "
                        + "APIs that verify locally will refuse it after their cache expires", .error)
            ]
        case .unseen:
            return [
                Span(
                    "\(name)'s token is signed by \"\(clean(kid))\", which is not in the key set as last fetched "
                        + "(a new key?): \(clean(token.verdict.reason(at: now)))", .pending)
            ]
        case .published:
            break
        }
        return [Span("\(name)'s token is signed by \"\(clean(kid))\", published by \(clean(keySet.source))")]
    }

    /// One issuer's lines, each made on request: a blank line, the set's source, freshness and
    /// users, its keys with the clients each signed for, the retired keys still in use, and the
    /// changes. What every line needs from the clients is gathered once, here.
    struct IssuerSection {
        let issuer: IssuerKeySet
        /// The snapshot's clients, which `issuer.clients` and `signers` index.
        let clients: [ClientSnapshot]
        /// The clients whose held token names each kid.
        let signers: [String: [Int]]
        /// Tokens signed by a key the set does not hold: one an earlier fetch held (the rotation an
        /// API will trip over), or one newer than the copy (fetched again soon; see `retiredLine`).
        let retired: [String]
        /// The kid of the selected client's token, when the client uses this set.
        let selectedKid: String?
        let kidWidth: Int
        let typeWidth: Int
        /// The newest token endpoint budget among the issuer's clients (they share it).
        let budget: RateLimitBudget?

        init(_ issuer: IssuerKeySet, of clients: [ClientSnapshot], selected: ClientSnapshot?) {
            self.issuer = issuer
            self.clients = clients
            var signers: [String: [Int]] = [:]
            for client in issuer.clients {
                if let kid = clients[client].token?.decoded.keyID { signers[kid, default: []].append(client) }
            }
            self.signers = signers
            budget = issuer.clients.lazy.compactMap { clients[$0].tokenEndpointBudget }.max { $0.observedAt < $1.observedAt }
            let status = issuer.status
            retired = Set(signers.keys).filter { !status.publishes($0) }.sorted()
            selectedKid = selected?.keySet?.source == status.source ? selected?.token?.decoded.keyID : nil
            kidWidth = min(24, max(4, (status.keys.compactMap { $0.kid?.columnWidth }.max() ?? 0) + 2))
            typeWidth = max(6, (status.keys.map { $0.type.columnWidth }.max() ?? 0) + 2)
        }

        private enum HeaderLine {
            case blank, source, fetched
            case lastError(String)
            case budget(RateLimitBudget)
            case usedBy, columns
        }

        /// Blank, key set, fetched, last error (when there is one), the token endpoint's budget
        /// (when its answers state one), used by, column titles.
        private var headerLines: [HeaderLine] {
            [.blank, .source, .fetched] + (issuer.status.lastError.map { [.lastError($0)] } ?? [])
                + (budget.map { [.budget($0)] } ?? []) + [.usedBy, .columns]
        }

        var count: Int {
            headerLines.count + issuer.status.keys.count + retired.count + (issuer.status.keys.isEmpty ? 1 : 0) + 1
                + issuer.changes.count
        }

        func line(_ offset: Int, now: Date, glyphs: Glyphs) -> [Span] {
            let status = issuer.status
            var offset = offset
            let headerLines = headerLines
            if offset < headerLines.count { return header(headerLines[offset], now: now, glyphs: glyphs) }
            offset -= headerLines.count
            if offset < status.keys.count { return keyLine(status.keys[offset], now: now, glyphs: glyphs) }
            offset -= status.keys.count
            if offset < retired.count { return retiredLine(retired[offset], glyphs: glyphs) }
            offset -= retired.count
            if status.keys.isEmpty {
                if offset == 0 { return [Span("  no usable key in the set", .error)] }
                offset -= 1
            }
            if offset == 0 {
                return [Span(padded("Changes", labelWidth), .muted)]
                    + (issuer.changes.isEmpty ? [Span("none since tokentop started", .muted)] : [])
            }
            let change = issuer.changes[offset - 1]
            let added = change.kind == .added
            return [
                Span(padded("", labelWidth)),
                Span(padded(TimeText.clock(change.at), 10), .muted),
                Span(padded((added ? "+ " : "- ") + change.kind.rawValue, 10), added ? .ok : .refreshDue),
                Span(change.kid.map(clean) ?? "(no kid)"),
                Span("  " + TimeText.relative(change.at, now: now), .muted),
            ]
        }

        private func header(_ line: HeaderLine, now: Date, glyphs: Glyphs) -> [Span] {
            let status = issuer.status
            switch line {
            case .blank:
                return []
            case .source:
                return [Span(padded("Key set", labelWidth), .muted), Span(clean(status.source), .title)]
            case .fetched:
                var fetched: [Span] =
                    status.fetchedAt.map { timeSpans($0, now: now) }
                    // Fetched but refused (an empty set, an unreadable answer) or failed: the last error says why.
                    ?? [Span(status.lastError == nil ? "not fetched yet" : "no usable copy yet", .muted)]
                fetched.append(Span("  \(glyphs.separator) ", .muted))
                fetched.append(
                    status.maxAge.map { Span("max-age " + TimeText.duration(seconds: $0.wholeSeconds)) }
                        ?? Span("no max-age (fetched again after \(KeySetStatus.defaultMaximumAge.configText))", .muted))
                return [Span(padded("Fetched", labelWidth), .muted)] + fetched
            case .lastError(let error):
                return [Span(padded("Last error", labelWidth), .muted), Span(clean(error), .error)]
            case .budget(let budget):
                return [Span(padded("Budget", labelWidth), .muted)] + budgetSpans(budget, now: now)
            case .usedBy:
                return [Span(padded("Used by", labelWidth), .muted), Span(names(issuer.clients.lazy.map { clients[$0].name }))]
            case .columns:
                return [
                    Span(
                        "  " + padded("KID", kidWidth) + padded("TYPE", typeWidth) + padded("ALG", 7) + padded("USE", 5)
                            + padded("FIRST SEEN", 13) + padded("LAST SEEN", 13) + "SIGNED THE TOKEN OF", .columns)
                ]
            }
        }

        private func keyLine(_ key: PublishedKey, now: Date, glyphs: Glyphs) -> [Span] {
            let isSelected = key.kid != nil && key.kid == selectedKid
            return [
                Span(isSelected ? String(glyphs.selectionMarker) + " " : "  ", .selection),
                Span(padded(key.kid.map(clean) ?? "(no kid)", kidWidth), isSelected ? .title : .text),
                Span(padded(clean(key.type), typeWidth)),
                Span(padded(key.algorithm.map(clean) ?? glyphs.none, 7), key.algorithm == nil ? .muted : .text),
                Span(padded(key.use.map(clean) ?? glyphs.none, 5), key.use == nil ? .muted : .text),
                Span(padded(TimeText.relative(key.firstSeen, now: now), 13), .muted),
                Span(padded(TimeText.relative(key.lastSeen, now: now), 13), .muted),
                signerSpan(key.kid, glyphs: glyphs),
            ]
        }

        /// "No longer published" only for a kid an earlier fetch held; a kid newer than the copy
        /// is shown as such (`KeySetStatus.standing(of:)`, or a removal another client saw).
        private func retiredLine(_ kid: String, glyphs: Glyphs) -> [Span] {
            let isSelected = kid == selectedKid
            let gone =
                issuer.status.standing(of: kid) == .retired || issuer.changes.contains { $0.kind == .removed && $0.kid == kid }
            return [
                Span(isSelected ? String(glyphs.selectionMarker) + " " : "  ", .selection),
                Span(padded(clean(kid), kidWidth), gone ? .error : .pending),
                gone
                    ? Span(String(glyphs.error) + " no longer published; ", .error)
                    : Span(String(glyphs.pending) + " not in the key set as last fetched (a new key?); ", .pending),
                signerSpan(kid, glyphs: glyphs),
            ]
        }

        /// The clients whose held token names `kid`.
        private func signerSpan(_ kid: String?, glyphs: Glyphs) -> Span {
            let signed = kid.flatMap { signers[$0] } ?? []
            return Span(
                signed.isEmpty ? glyphs.none : names(signed.lazy.map { clients[$0].name }), signed.isEmpty ? .muted : .text)
        }
    }

    /// The widest a line of names is made: wider than any terminal, so what is cut never shows;
    /// 10,000 clients on one issuer cost a line's worth of names, not 10,000.
    static let widestNameList = 1_000

    /// `a, b, c`: the clients' names, as far as `widestNameList` columns, then how many more.
    static func names(_ names: some Collection<String>) -> String {
        var text = ""
        var width = 0
        for (index, written) in names.enumerated() {
            guard width <= widestNameList else { return text + " and \(names.count - index) more" }
            let name = clean(written)
            text += (index == 0 ? "" : ", ") + name
            width += name.columnWidth + (index == 0 ? 0 : 2)
        }
        return text
    }
}
