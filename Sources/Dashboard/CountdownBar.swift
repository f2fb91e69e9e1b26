import Foundation
import TokenModel

/// The table's countdown bar for a held token: cells filled for the time left to expiry, and
/// the cell where the next refresh will happen.
///
/// The scale is linear in two parts that meet at the refresh mark: right of it the time until
/// the refresh, left of it the time from the refresh to expiry. The mark is kept at least a
/// quarter of the bar in, so a one-hour token refreshed a minute before expiry still shows its
/// way to the refresh instead of a mark in the first cell; the fill reaches the mark exactly
/// when the refresh is due.
struct CountdownBar: Equatable {
    /// Cells filled, from the left.
    let filled: Int
    /// The refresh point's cell; nil when none is scheduled (manual mode, unknown lifetime).
    let refreshMark: Int?
    /// Whole seconds to expiry, as everything on screen counts them (`TimeText.secondsUntil`).
    let secondsLeft: Int

    /// Nil without a token of known lifetime.
    init?(_ client: ClientSnapshot, now: Date, width: Int) {
        guard let token = client.token, let expiresAt = token.expiresAt, let lifetime = token.lifetime, lifetime > 0, width > 0
        else {
            return nil
        }
        // A pending retry is when the next refresh will happen; otherwise the scheduled point,
        // jitter included.
        let refreshPoint = client.nextRetryAt.flatMap { $0 < expiresAt ? $0 : nil } ?? token.refreshAt
        self.init(
            remaining: expiresAt.timeIntervalSince(now), lifetime: lifetime,
            leftAtRefresh: refreshPoint.map { expiresAt.timeIntervalSince($0) }, width: width,
            secondsLeft: TimeText.secondsUntil(expiresAt, now: now))
    }

    /// - Parameter leftAtRefresh: the time left to expiry when the refresh happens.
    init(remaining: TimeInterval, lifetime: TimeInterval, leftAtRefresh: TimeInterval?, width: Int, secondsLeft: Int) {
        self.secondsLeft = secondsLeft
        func cells(_ fraction: Double, of count: Int) -> Int {
            guard fraction.isFinite else { return fraction > 0 ? count : 0 }
            return min(count, max(0, Int((fraction * Double(count)).rounded(.up))))
        }
        guard let margin = leftAtRefresh, margin > 0, margin < lifetime else {
            filled = cells(remaining / lifetime, of: width)
            // A refresh point at or before issue (a token shorter than its skew) is due at once.
            refreshMark = leftAtRefresh.map { $0 >= lifetime ? width - 1 : 0 }
            return
        }
        let linear = Int((margin / lifetime * Double(width)).rounded())
        let mark = max(0, min(width - 2, max(width / 4, linear)))
        refreshMark = mark
        if remaining <= margin {
            filled = cells(remaining / margin, of: mark)
        } else {
            filled = mark + cells((remaining - margin) / (lifetime - margin), of: width - mark)
        }
    }
}
