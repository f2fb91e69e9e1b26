import Foundation
import TokenModel

/// The diagnosis at the top of the Token tab: why the token is, or will be, rejected, with the
/// evidence, so the cause is on screen as soon as the client is selected.
extension Renderer {
    /// `Diagnosis   ✘ missing_scope  the token lacks custom_mod, which the API asks for`, then
    /// one evidence line each; nothing when nothing points anywhere.
    /// A diagnosis whose cause is not the verdict's gets its own next step (the verdict's is
    /// shown under Health).
    static func diagnosisLines(
        _ client: ClientSnapshot, width: Int, now: Date, glyphs: Glyphs, verdictCause: VerdictCause? = nil
    ) -> [[Span]] {
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
                    lines.append([
                        Span(padded("", indent)), Span(index == 0 ? String(glyphs.bullet) + " " : "  ", .muted),
                        Span(piece, .muted),
                    ])
                }
            }
            if verdictCause != .diagnosed(diagnosis.cause) {
                let step = "next step: " + clean(client.nextStep(for: .diagnosed(diagnosis.cause)))
                for (index, piece) in wrap(step, width: max(10, width - indent - 2)).enumerated() {
                    lines.append([
                        Span(padded("", indent)), Span(index == 0 ? String(glyphs.bullet) + " " : "  ", .muted),
                        Span(piece, .text),
                    ])
                }
            }
        }
        // What the diagnosis could not rest on: a cause is named only from the checks that ran.
        // Checks that did not run for the same reason share it: `local check, API (no token held)`.
        var reasons: [String] = []
        var kinds: [String: [String]] = [:]
        for check in client.checksNotRun(at: now) {
            let reason: String =
                switch check.outcome {
                case .notConfigured(let why), .notYet(let why): why
                case .ran: ""
                }
            if kinds[reason] == nil { reasons.append(reason) }
            kinds[reason, default: []].append(check.kind.rawValue)
        }
        let notRun = reasons.map { "\(kinds[$0, default: []].joined(separator: ", ")) (\($0))" }
        guard !lines.isEmpty, !notRun.isEmpty else { return lines }
        for (index, piece) in wrap(clean(notRun.joined(separator: "; ")), width: max(10, width - labelWidth - 2)).enumerated() {
            lines.append([Span(padded(index == 0 ? "Not checked" : "", labelWidth), .muted), Span("  " + piece, .muted)])
        }
        return lines
    }
}
