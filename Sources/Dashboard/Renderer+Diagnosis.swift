import Foundation
import TokenModel

/// The diagnosis at the top of the Token tab: why the token is, or will be, rejected, with the
/// evidence, so the cause is on screen as soon as the client is selected.
extension Renderer {
    /// `Diagnosis   ✘ missing_scope  the token lacks custom_mod, which the API asks for`, then
    /// one evidence line each; nothing when nothing points anywhere.
    static func diagnosisLines(_ client: ClientSnapshot, width: Int, now: Date, glyphs: Glyphs) -> [[Span]] {
        var lines: [[Span]] = []
        for (number, diagnosis) in client.diagnoses(at: now).enumerated() {
            let cause = String(glyphs.error) + " " + diagnosis.cause.rawValue
            let summaryWidth = max(10, width - labelWidth - cause.columnWidth - 2)
            for (index, piece) in wrap(clean(diagnosis.summary), width: summaryWidth).enumerated() {
                lines.append([
                    Span(padded(number == 0 && index == 0 ? "Diagnosis" : "", labelWidth), .muted),
                    Span(padded(index == 0 ? cause : "", cause.columnWidth + 2), .error),
                    Span(piece, .text),
                ])
            }
            let indent = labelWidth + 2
            for fact in diagnosis.evidence {
                for (index, piece) in wrap(clean(fact), width: max(10, width - indent - 2)).enumerated() {
                    lines.append([Span(padded("", indent)), Span(index == 0 ? String(glyphs.bullet) + " " : "  ", .muted), Span(piece, .muted)])
                }
            }
        }
        return lines
    }
}
