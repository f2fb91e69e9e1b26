import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ProtocolSupport
import Synchronization
import TokenModel

/// One HTTP request as tokentop sends it.
public struct OutgoingRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Connect and read timeout for this request.
    public var timeout: Duration
    /// A PEM bundle of extra trusted roots (`ca-file`).
    public var caFile: String?
    /// `allow-insecure-http`: permit http:// to hosts other than loopback.
    public var allowInsecureHTTP: Bool
    /// The certificate presented in the TLS handshake (mutual TLS, RFC 8705); https only.
    public var clientCertificate: ClientCertificate?
    /// The largest answer body read; a larger one is refused with `bodyTooLarge`.
    public var maximumBodySize: Int

    public init(
        method: Method, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
        timeout: Duration = .seconds(10), caFile: String? = nil, allowInsecureHTTP: Bool = false,
        clientCertificate: ClientCertificate? = nil, maximumBodySize: Int = HTTPTransport.maximumBodySize
    ) {
        self.maximumBodySize = maximumBodySize
        self.clientCertificate = clientCertificate
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.caFile = caFile
        self.allowInsecureHTTP = allowInsecureHTTP
    }

    /// A form-encoded POST (RFC 6749 §4.4.2, RFC 7662 §2.1, RFC 7009 §2.1).
    public static func form(
        _ parameters: [(String, String)], to url: URL, headers: [(name: String, value: String)] = [],
        timeout: Duration, caFile: String?, allowInsecureHTTP: Bool, clientCertificate: ClientCertificate? = nil
    ) -> OutgoingRequest {
        let body = FormEncoding.body(parameters)
        return OutgoingRequest(
            method: .post, url: url,
            headers: headers + [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
            ],
            body: Data(body.utf8), timeout: timeout, caFile: caFile, allowInsecureHTTP: allowInsecureHTTP,
            clientCertificate: clientCertificate)
    }
}

/// An answer, with its body already read (and capped).
public struct ReceivedResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    public var latency: Duration

    public init(status: Int, headers: HTTPHeaders, body: Data, latency: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latency = latency
    }

    /// The longest `Retry-After` honoured: a larger one is a server bug, not a plan.
    public static let maximumRetryAfter = 3600

    /// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), at most an hour.
    public func retryAfter(now: Date) -> Duration? {
        // An empty or unreadable header is ignored, never read as "wait the maximum".
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        if value.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) {
            // Digits too many for an Int are still a (silly) number of seconds: the cap applies.
            return .seconds(Int(value).map { min($0, Self.maximumRetryAfter) } ?? Self.maximumRetryAfter)
        }
        guard let date = HTTPDate.parse(value) else { return nil }
        return .seconds(min(max(0, date.timeIntervalSince(now).rounded(.up)), Double(Self.maximumRetryAfter)))
    }
}

/// The one HTTP client of the process, with the rules every request obeys: timeouts, a cap
/// on response bodies, no automatic redirects, verified TLS, plain http only to loopback,
/// and `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` honoured.
public final class HTTPTransport: Sendable {
    /// Larger bodies are refused with a clear error rather than read into memory (the default
    /// of `OutgoingRequest.maximumBodySize`).
    public static let maximumBodySize = 1 << 20

    /// The connection pools: direct, and through each proxy when one is set.
    private struct Clients {
        var direct: HTTPClient
        var httpsProxied: HTTPClient?
        var httpProxied: HTTPClient?

        var all: [HTTPClient] { [direct, httpsProxied, httpProxied].compactMap { $0 } }
    }

    /// Made on the first request, so a command that needs none (a cached token) starts no
    /// event loop threads.
    private enum State {
        case unused
        case open(Clients)
        case shutDown
    }

    private let state = Mutex<State>(.unused)
    private let makeClients: @Sendable () -> Clients
    private let noProxy: [String]
    /// The newest clock reading of each server, from the `Date` headers of its answers.
    private let clockReadings = Mutex<[String: ClockReading]>([:])

    /// The clock servers' `Date` headers are read against (injected, like every clock).
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - environment: where the proxy variables are read from.
    ///   - now: this machine's clock, for reading the servers' clocks.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.now = now
        @Sendable func configuration(proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient.Configuration {
            // Each request carries its own deadline (the client's `timeout`), so the pool's
            // timeouts are only a backstop and never shorter than any client's.
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(3600), read: nil),
                proxy: proxy)
            configuration.httpVersion = .automatic
            configuration.connectionPool = .init(idleTimeout: .seconds(30))
            // A refused connection or a failed DNS lookup is reported at once, not retried
            // silently until the deadline: the operator needs to see "refused" in a second.
            configuration.connectionPool.retryConnectionEstablishment = false
            return configuration
        }
        func proxy(_ names: [String]) -> HTTPClient.Configuration.Proxy? {
            guard let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }),
                let url = URL(string: value.contains("://") ? value : "http://\(value)"), let host = url.host
            else { return nil }
            return .server(host: host, port: url.port ?? 80)
        }
        let httpsProxy = proxy(["HTTPS_PROXY", "https_proxy"])
        let httpProxy = proxy(["HTTP_PROXY", "http_proxy"])
        makeClients = {
            Clients(
                direct: HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(proxy: nil)),
                httpsProxied: httpsProxy.map {
                    HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(proxy: $0))
                },
                httpProxied: httpProxy.map {
                    HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration(proxy: $0))
                })
        }
        noProxy = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// The newest reading of this server's clock (from its `Date` headers), if it sent one.
    public func clockReading(for url: URL) -> ClockReading? {
        clockReadings.withLock { $0[URLText.origin(of: url)] }
    }

    /// Closes every connection. Call once, when the process is done with the network.
    public func shutdown() async {
        let made = state.withLock { state in
            defer { state = .shutDown }
            if case .open(let clients) = state { return clients.all }
            return []
        }
        for client in made {
            try? await client.shutdown()
        }
    }

    /// A transport released without `shutdown()` (a path that threw before it) closes its pools
    /// itself: AsyncHTTPClient stops the process when a client it never shut down is freed.
    deinit {
        let made = state.withLock { state in
            if case .open(let clients) = state { return clients.all }
            return []
        }
        for client in made { client.shutdown { _ in } }
    }

    /// Sends a request and reads its whole body, or throws an `OAuthError` that says what
    /// failed and where. Redirects come back as they are; callers decide.
    public func send(_ request: OutgoingRequest) async throws(OAuthError) -> ReceivedResponse {
        let endpoint = URLText.describe(request.url)
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = request.url.host, !host.isEmpty
        else {
            throw OAuthError.configuration("\(endpoint) is not an absolute http(s) URL")
        }
        if scheme == "http", !request.allowInsecureHTTP, !Loopback.isLoopbackHost(host) {
            throw OAuthError.insecureTransport(endpoint: endpoint)
        }

        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = request.method == .post ? .POST : .GET
        outgoing.headers.add(name: "User-Agent", value: "tokentop")
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        if scheme == "https", request.caFile != nil || request.clientCertificate != nil {
            var tls = TLSConfiguration.makeClientConfiguration()
            // Read here by LocalFile's rules rather than by NIOSSL: a FIFO must not stall the request.
            if let caFile = request.caFile { tls.additionalTrustRoots = [.certificates(try Self.trustRoots(caFile))] }
            if let certificate = request.clientCertificate {
                tls.certificateChain = certificate.chain.map { .certificate($0) }
                tls.privateKey = .privateKey(certificate.privateKey)
            }
            outgoing.tlsConfiguration = tls
        }

        guard let client = self.client(for: scheme, host: host) else {
            throw Self.explain(HTTPClientError.alreadyShutdown, endpoint: endpoint, timeout: request.timeout)
        }
        let prepared = outgoing
        let bodyLimit = request.maximumBodySize
        let started = ContinuousClock.now
        let sentAt = now()
        let timeout = TimeAmount.nanoseconds(Int64(request.timeout.timeInterval * 1e9))
        do {
            // One deadline for the whole exchange: AsyncHTTPClient's ends with the head, and a
            // server trickling its body must not hold a token request forever.
            return try await withThrowingTaskGroup(of: ReceivedResponse?.self) { group in
                group.addTask {
                    let deadline = NIODeadline.now() + timeout
                    let response: HTTPClientResponse
                    do {
                        response = try await client.execute(prepared, deadline: deadline)
                    } catch  where prepared.method == .GET && Self.isStaleConnection(error) {
                        // A pooled connection the server closed while it sat idle (keep-alive
                        // timeouts differ): a GET is safe to send once more, on a new connection.
                        response = try await client.execute(prepared, deadline: deadline)
                    }
                    let body: ByteBuffer
                    do {
                        body = try await response.body.collect(upTo: bodyLimit)
                    } catch is NIOTooManyBytesError {
                        throw OAuthError.bodyTooLarge(
                            limit: bodyLimit, endpoint: endpoint, httpStatus: Int(response.status.code))
                    }
                    return ReceivedResponse(
                        status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView),
                        latency: ContinuousClock.now - started)
                }
                group.addTask {
                    try await Task.sleep(for: request.timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw OAuthError.timeout(after: request.timeout, endpoint: endpoint)
                }
                let origin = URLText.origin(of: request.url)
                if let reading = ClockReading.fromDateHeader(
                    response.headers.first(name: "Date"), server: origin, sentAt: sentAt, receivedAt: now())
                {
                    clockReadings.withLock { $0[origin] = reading }
                }
                return response
            }
        } catch let error as OAuthError {
            throw error
        } catch {
            throw Self.explain(error, endpoint: endpoint, timeout: request.timeout)
        }
    }

    /// The pool for a request; nil once shut down.
    private func client(for scheme: String, host: String) -> HTTPClient? {
        let clients = state.withLock { state -> Clients? in
            switch state {
            case .open(let clients): return clients
            case .shutDown: return nil
            case .unused:
                let made = makeClients()
                state = .open(made)
                return made
            }
        }
        guard let clients else { return nil }
        let proxied = scheme == "https" ? clients.httpsProxied : clients.httpProxied
        guard let proxied, !Loopback.isLoopbackHost(host), !bypassesProxy(host) else { return clients.direct }
        return proxied
    }

    /// NO_PROXY entries: `*`, a host, or a domain suffix with or without a leading dot.
    private func bypassesProxy(_ host: String) -> Bool {
        let host = host.lowercased()
        return noProxy.contains { entry in
            let entry = entry.split(separator: ":").first.map(String.init) ?? entry
            if entry == "*" { return true }
            let suffix = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            return host == suffix || host.hasSuffix("." + suffix)
        }
    }

    /// The certificates of `ca-file`, trusted besides the system's roots.
    private static func trustRoots(_ caFile: String) throws(OAuthError) -> [NIOSSLCertificate] {
        let pem: Data
        do {
            pem = try LocalFile.read(caFile)
        } catch {
            throw OAuthError.configuration("ca-file \(error)")
        }
        do {
            return try NIOSSLCertificate.fromPEMBytes(Array(pem))
        } catch {
            throw OAuthError.configuration("ca-file \(caFile) holds no PEM certificate (\(error))")
        }
    }

    /// True for the errors of a connection that was closed under the request before any answer:
    /// what sending on a pooled connection the server had already closed looks like.
    static func isStaleConnection(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError: return error == .remoteConnectionClosed
        case let error as ChannelError: return error == .ioOnClosedChannel || error == .eof
        case let error as IOError: return [ECONNRESET, EPIPE].contains(error.errnoCode)
        default: return false
        }
    }

    /// Turns a client error into a failure class and words an operator can act on.
    static func explain(_ error: any Error, endpoint: String, timeout: Duration) -> OAuthError {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
                return .timeout(after: timeout, endpoint: endpoint)
            case .remoteConnectionClosed:
                return .network(.connectionFailed, "the server closed the connection before answering", endpoint: endpoint)
            default:
                return .network(.connectionFailed, "HTTP client error: \(error)", endpoint: endpoint)
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return .network(.dnsFailure, "the host name \(error.host) did not resolve", endpoint: endpoint)
            }
            if let first = error.connectionErrors.first?.error { return explain(first, endpoint: endpoint, timeout: timeout) }
            return .network(.connectionFailed, "could not connect to \(error.host):\(error.port)", endpoint: endpoint)
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return .network(.connectionRefused, "connection refused (nothing listens there)", endpoint: endpoint)
        case let error as IOError where [ENETUNREACH, EHOSTUNREACH, ECONNRESET].contains(error.errnoCode):
            return .network(.connectionFailed, "network error: \(error)", endpoint: endpoint)
        case is SocketAddressError:
            return .network(.dnsFailure, "the host name did not resolve", endpoint: endpoint)
        case let error as NIOSSLError:
            return .network(.tlsFailure, "TLS failed: \(error)", endpoint: endpoint)
        case let error as BoringSSLError:
            return .network(.tlsFailure, "TLS failed (is ca-file right?): \(error)", endpoint: endpoint)
        case let error as NIOSSLExtraError:
            return .network(.tlsFailure, "TLS failed: \(error)", endpoint: endpoint)
        default:
            return .network(.connectionFailed, String(String(describing: error).prefix(300)), endpoint: endpoint)
        }
    }
}
