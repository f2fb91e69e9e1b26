import Foundation
import TokenModel

/// The clients table in groups (`I`), as k9s shows namespaces: each issuer's clients (each
/// instance's, when attached) under a line that rolls them up, and a failure every one of
/// them shares said once, in a banner under that line, instead of on every row.
struct ClientGroups {
    struct Group {
        /// The issuer or instance, as the header line names it (sanitised).
        let title: String
        /// The group's clients: positions in the table's order.
        let positions: Range<Int>
        let counts: [HealthState: Int]
        /// The verdict every client of the group shares, with the reason cut where the
        /// clients' own words begin (`token request failed: connection refused`); nil when
        /// they differ, when all is well, or for a group of one.
        let sharedFailure: HealthVerdict?
    }

    /// A line of the grouped table.
    enum Line: Equatable {
        case header(group: Int)
        case banner(group: Int)
        case client(position: Int)
    }

    let groups: [Group]
    let lines: [Line]

    /// - Parameters:
    ///   - order: indexes into `clients` in the table's order, each group's together
    ///     (`ClientList.visibleIndices` with grouping on).
    ///   - states: every client's verdict state, by index.
    ///   - verdict: a client's whole verdict, by index; asked only of a group whose clients
    ///     all fail the same way, for the words they share.
    init(order: [Int], clients: [ClientSnapshot], states: [HealthState], verdict: (Int) -> HealthVerdict) {
        var groups: [Group] = []
        var lines: [Line] = []
        var start = 0
        while start < order.count {
            let key = ClientList.groupKey(clients[order[start]])
            var end = start + 1
            while end < order.count, ClientList.groupKey(clients[order[end]]) == key { end += 1 }
            var counts: [HealthState: Int] = [:]
            for index in order[start..<end] { counts[states[index], default: 0] += 1 }
            let failing = counts.count == 1 && counts.keys.allSatisfy(Self.isFailure)
            let group = Group(
                title: TerminalText.sanitize(key), positions: start..<end, counts: counts,
                sharedFailure: failing ? Self.sharedFailure(order[start..<end].map(verdict)) : nil)
            lines.append(.header(group: groups.count))
            if group.sharedFailure != nil { lines.append(.banner(group: groups.count)) }
            lines += group.positions.map { .client(position: $0) }
            groups.append(group)
            start = end
        }
        self.groups = groups
        self.lines = lines
    }

    /// The verdict all of `verdicts` share, when they are two or more and not healthy: the
    /// same state, and the reason up to where the first differs, cut at a `; ` so no clause
    /// is left half (`…refused (nothing listens there); next try in 3s` and `…; next try in 5s`
    /// share `…refused (nothing listens there)`).
    static func sharedFailure(_ verdicts: [HealthVerdict]) -> HealthVerdict? {
        guard verdicts.count > 1, let first = verdicts.first, isFailure(first.state),
            verdicts.allSatisfy({ $0.state == first.state })
        else { return nil }
        let reasons = verdicts.map { Array($0.reason.unicodeScalars) }
        var length = reasons[0].count
        for reason in reasons.dropFirst() {
            var same = 0
            while same < min(length, reason.count), reason[same] == reasons[0][same] { same += 1 }
            length = same
        }
        var shared = Array(reasons[0][..<length])
        if !reasons.allSatisfy({ $0.count == length || clauseBreak($0, at: length) }) {
            guard let cut = lastClauseBreak(in: shared) else { return nil }
            shared.removeSubrange(cut...)
        }
        guard !shared.isEmpty else { return nil }
        var reason = String.UnicodeScalarView()
        reason.append(contentsOf: shared)
        return HealthVerdict(first.state, String(reason))
    }

    /// The states a group can share a failure in.
    private static func isFailure(_ state: HealthState) -> Bool {
        [.error, .expired, .degraded].contains(state)
    }

    /// What a row of a group with a shared failure says after it: its own words (`next try in
    /// 3s`), or nothing when the banner says it all.
    static func ownWords(of reason: String, after shared: String) -> String {
        guard reason.hasPrefix(shared) else { return reason }
        var rest = reason.dropFirst(shared.count)
        if rest.hasPrefix("; ") { rest = rest.dropFirst(2) }
        return String(rest)
    }

    private static func clauseBreak(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        index + 1 < scalars.count && scalars[index] == ";" && scalars[index + 1] == " "
    }

    private static func lastClauseBreak(in scalars: [Unicode.Scalar]) -> Int? {
        var index = scalars.count - 2
        while index > 0 {
            if clauseBreak(scalars, at: index) { return index }
            index -= 1
        }
        return nil
    }
}
