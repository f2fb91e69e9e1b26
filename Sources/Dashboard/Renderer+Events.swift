import Foundation
import TokenModel

/// The event log screen: one line an event, time, client, what happened.
extension Renderer {
    /// One line an entry, made when drawn; the client column is as wide as the widest name in the log.
    static func eventLines(_ entries: [EventLogView.Entry], glyphs: Glyphs) -> ScreenLines {
        guard !entries.isEmpty else {
            return ScreenLines([[Span("No events yet for the clients shown.", .muted)]])
        }
        var widths: [String: Int] = [:]
        for entry in entries where widths[entry.client] == nil {
            widths[entry.client] = clean(entry.client).columnWidth
        }
        let clientWidth = min(24, max(8, (widths.values.max() ?? 0) + 2))
        return ScreenLines(count: entries.count) { index in
            let entry = entries[index]
            let (text, role) = entry.words
            return [
                Span(padded(TimeText.clock(entry.at), 10), .muted),
                Span(padded(clean(entry.client), clientWidth)),
                Span(text, role),
            ]
        }
    }
}
