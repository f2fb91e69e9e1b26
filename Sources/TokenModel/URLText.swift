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

    /// `scheme://host:port`, the port explicit: what identifies a server (its clock, its DPoP
    /// nonce, whether a redirect stays with it).
    public static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
