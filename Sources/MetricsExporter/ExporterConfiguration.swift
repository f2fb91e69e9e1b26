import Foundation
import ProtocolSupport
import ServerLimits
import TokenModel

/// Where and how `tokentop serve` listens, and what it lets callers do.
public struct ExporterConfiguration: Sendable {
    /// The default `--listen`: loopback, on 9464, the port OpenTelemetry's Prometheus exporters use.
    public static let defaultListen = "127.0.0.1:9464"

    public var host: String
    /// 0 picks a free port; `onListening` learns which.
    public var port: Int
    /// The bearer token every request but `/healthz` must carry; nil for none.
    public var authToken: String?
    /// Allows a non-loopback address without a token: the operator said so.
    public var insecureListen: Bool
    /// Allows `POST /api/v1/clients/NAME/refresh` and `…/revoke`.
    public var allowActions: Bool
    /// Idle and header-read timeout, and a bound on connections that leaves the token manager
    /// descriptors for its own requests however many connections a client opens.
    public var connectionLimits: ConnectionLimits

    /// Checks the combination: an address off loopback needs a token or `--insecure-listen`.
    public init(
        listen: String = defaultListen, authToken: String? = nil, insecureListen: Bool = false, allowActions: Bool = false,
        connectionLimits: ConnectionLimits = .boundedByOpenFileLimit()
    ) throws(ExporterError) {
        let (host, port) = try Self.parse(listen: listen)
        self.host = host
        self.port = port
        self.authToken = authToken
        self.insecureListen = insecureListen
        self.allowActions = allowActions
        self.connectionLimits = connectionLimits
        if authToken == nil, !insecureListen, !Loopback.isLoopbackHost(host) {
            throw .unauthenticatedListen(host)
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT`; the port 0...65535.
    static func parse(listen text: String) throws(ExporterError) -> (host: String, port: Int) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .invalidListen(text)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw .invalidListen(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), portText.allSatisfy(\.isASCII),
            let port = UInt16(portText)
        else {
            throw .invalidListen(text)
        }
        return (String(host), Int(port))
    }

    /// Reads `--auth-token-file`: one line, surrounding whitespace dropped, at least 16
    /// characters and none of them spaces or control characters (RFC 6750 §2.1 `b64token`).
    public static func readAuthToken(path: String) throws(ExporterError) -> String {
        let text: String
        do {
            text = try LocalFile.readText(path)
        } catch {
            throw .authTokenFile(path, error.problem)
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16 else {
            throw .authTokenFile(path, "must hold a token of at least 16 characters, e.g. from `openssl rand -hex 32`")
        }
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")
        guard token.unicodeScalars.allSatisfy(allowed.contains) else {
            throw .authTokenFile(path, "must hold one bearer token: letters, digits and -._~+/= only")
        }
        return token
    }
}

extension ExporterConfiguration {
    /// The warning for an `--auth-token-file` others may read (the rule of the configuration's
    /// own warning): whoever reads it can read every endpoint `serve` guards with it.
    public static func authTokenFileWarning(path: String) -> String? {
        LocalFile.readers(of: path).map { readers in
            "--auth-token-file \(TerminalText.sanitize(path)) is readable by \(readers) and holds the bearer token; chmod 600 it"
        }
    }
}

/// What stops `tokentop serve` from starting, said so the operator can fix it.
public struct ExporterError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case invalidListen(String)
        case unauthenticatedListen(String)
        case authTokenFile(path: String, problem: String)
    }

    private let kind: Kind

    static func invalidListen(_ text: String) -> ExporterError {
        ExporterError(kind: .invalidListen(TerminalText.sanitize(text)))
    }

    static func unauthenticatedListen(_ host: String) -> ExporterError {
        ExporterError(kind: .unauthenticatedListen(TerminalText.sanitize(host)))
    }

    static func authTokenFile(_ path: String, _ problem: String) -> ExporterError {
        ExporterError(kind: .authTokenFile(path: TerminalText.sanitize(path), problem: problem))
    }

    public var description: String {
        switch kind {
        case .invalidListen(let text):
            return "--listen \(text): expected HOST:PORT or [IPv6]:PORT with a port from 0 to 65535, e.g. 127.0.0.1:9464"
        case .unauthenticatedListen(let host):
            return "--listen \(host) is not a loopback address: anyone who can reach it could read the metrics and "
                + "the clients' state; pass --auth-token-file FILE (a bearer token Prometheus sends), or "
                + "--insecure-listen to serve it without one"
        case .authTokenFile(let path, let problem):
            return "--auth-token-file \(path): \(problem)"
        }
    }
}
