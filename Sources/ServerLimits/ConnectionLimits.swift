import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What keeps a client from holding a tokentop HTTP listener's connections (the demo servers',
/// `serve`'s): one setting, built into the server in one place.
public struct ConnectionLimits: Sendable, Equatable {
    /// A connection that sends nothing for this long is closed: one that never sends a request,
    /// one that sends half a request head (bytes short of a whole head do not count as activity,
    /// so trickling them does not help), and one left idle after its answer.
    public var idleTimeout: Duration
    /// At most this many connections at once, give or take the few accepted in one batch (the
    /// bound is checked between batches); more wait in the kernel's accept queue, holding no
    /// descriptor of this process. nil: no bound.
    public var maximumConnections: Int?

    /// Long enough for any honest client on a slow link, short enough that a flood drains.
    public static let defaultIdleTimeout: Duration = .seconds(10)

    public init(idleTimeout: Duration = defaultIdleTimeout, maximumConnections: Int? = nil) {
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
    }

    /// The idle timeout, with connections bounded by `connectionBound(openFileLimit:)` of this
    /// process's open-file limit: for a listener that shares its process with outgoing work.
    public static func boundedByOpenFileLimit(idleTimeout: Duration = defaultIdleTimeout) -> ConnectionLimits {
        ConnectionLimits(idleTimeout: idleTimeout, maximumConnections: connectionBound(openFileLimit: openFileLimit()))
    }

    /// A quarter of the open-file limit, at least 8 and at most 512: the other three quarters stay
    /// for the token manager's own connections, files and commands, and 512 is far more than
    /// scrapers, attached dashboards and browsers need at once.
    public static func connectionBound(openFileLimit: Int) -> Int {
        min(512, max(8, openFileLimit / 4))
    }

    /// This process's soft `RLIMIT_NOFILE`; 1024, the usual default, when it cannot be read or
    /// is unlimited.
    public static func openFileLimit() -> Int {
        var limit = rlimit()
        // RLIM_INFINITY is all ones, which no Int holds exactly.
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, let soft = Int(exactly: limit.rlim_cur) else { return 1024 }
        return soft
    }

    /// HTTP/1.1 with the idle timeout; `additionalChannelHandlers` sit after the HTTP codec.
    public func http1(
        additionalChannelHandlers: @autoclosure @escaping @Sendable () -> [any RemovableChannelHandler] = []
    ) -> HTTPServerBuilder {
        let (seconds, attoseconds) = idleTimeout.components
        // Clamped to a year, so that no setting can overflow the nanoseconds.
        let nanoseconds = min(max(seconds, 0), 366 * 86_400) * 1_000_000_000 + max(attoseconds, 0) / 1_000_000_000
        return .http1(
            configuration: .init(additionalChannelHandlers: additionalChannelHandlers(), idleTimeout: .nanoseconds(nanoseconds)))
    }

    /// The application's configuration at `address`, with the bound on connections.
    public func applicationConfiguration(address: BindAddress, serverName: String, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: address, serverName: serverName,
            availableConnectionsDelegate: maximumConnections.map { MaximumAvailableConnections($0, logger: logger) })
    }
}

#if canImport(Glibc)
    private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
    private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif
