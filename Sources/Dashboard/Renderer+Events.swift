import Foundation
import TokenModel

/// The event log screen: one line an event, time, client, what happened.
extension Renderer {
    static func eventLines(_ entries: [EventLog.Entry], glyphs: Glyphs) -> [[Span]] {
        guard !entries.isEmpty else {
            return [[Span("No events yet for the clients shown.", .muted)]]
        }
        let clientWidth = min(24, max(8, (entries.map { $0.client.columnWidth }.max() ?? 0) + 2))
        return entries.map { entry in
            [
                Span(padded(TimeText.clock(entry.at), 10), .muted),
                Span(padded(entry.client, clientWidth)),
                Span(entry.text, entry.role),
            ]
        }
    }
}
