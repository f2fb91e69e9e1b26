import Foundation

/// URLs as they may appear in messages, logs and on screen.
public enum URLText {
    /// Scheme, host, port and path; no query (it can carry secrets), no fragment, no user info;
    /// sanitised for the terminal.
    public static func describe(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(invalid URL)" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return TerminalText.sanitize(components.string ?? url.absoluteString)
    }
}
