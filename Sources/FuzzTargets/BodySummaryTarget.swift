import Foundation
import OAuthClient
import TokenModel

extension FuzzTarget {
    /// How an unexpected answer is described in an error: an HTML page by its title, anything
    /// else by a short excerpt (`BodySummary`). Input: `content-type\0body`, or a bare body.
    static let bodySummary = FuzzTarget("body-summary", "error page and body summaries") { data throws(PropertyViolation) in
        let name = "body-summary"
        let parts = data.contains(0) ? fields(data, count: 2) : [Data(), data]
        let contentType = parts[0].isEmpty ? nil : text(parts[0])
        for type in [contentType, "text/html; charset=utf-8", nil] {
            let summary = BodySummary.describe(parts[1], contentType: type)
            try Expect.printable(summary, "a body's summary", target: name)
            // "body \"" + 120 characters + "…\"", or an HTML title of at most 80.
            try Expect.that(
                summary.count <= 130, "a summary is a few words, never the page",
                found: "\(summary.count) characters: \(summary.prefix(200))", target: name)
        }
    }
}
