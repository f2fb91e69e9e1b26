import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Many connections to 127.0.0.1, each sending `bytes` once it is connected and then staying
/// open, as clients that never finish their request do. Those a full accept queue leaves
/// unconnected stay open too, retrying as the kernel does. All are closed by `close()`.
public final class ConnectionFlood: @unchecked Sendable {
    /// How many connected and sent their bytes.
    public let connected: Int
    private var descriptors: [Int32]

    /// Opens `count` connections (fewer when this process's open-file limit would not allow
    /// them: see `affordable(_:)`), and waits at most `within` for them to connect.
    public init(port: Int, count: Int, sending bytes: String, within bound: Duration = .seconds(3)) throws {
        var descriptors: [Int32] = []
        var pending: [Int32] = []
        do {
            for _ in 0..<Self.affordable(count) {
                let fd = try RawConnection.loopbackSocket()
                descriptors.append(fd)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                var address = RawConnection.loopbackAddress(port: port)
                let result = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard result == 0 || errno == EINPROGRESS else {
                    throw RawConnection.SocketFailure(description: "connect() failed: errno \(errno)")
                }
                pending.append(fd)
            }
        } catch {
            descriptors.forEach(closeSocket)
            throw error
        }
        let payload = Array(bytes.utf8)
        var connected = 0
        let deadline = ContinuousClock.now + bound
        while !pending.isEmpty, ContinuousClock.now < deadline {
            var polled = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), 100) >= 0 || errno == EINTR else { break }
            var still: [Int32] = []
            for entry in polled {
                guard entry.revents != 0 else {
                    still.append(entry.fd)
                    continue
                }
                var problem: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &problem, &length)
                if problem == 0, payload.withUnsafeBytes({ send(entry.fd, $0.baseAddress, $0.count, 0) }) == payload.count {
                    connected += 1
                }
            }
            pending = still
        }
        self.descriptors = descriptors
        self.connected = connected
    }

    deinit { close() }

    /// Closes every connection.
    public func close() {
        descriptors.forEach(closeSocket)
        descriptors = []
    }

    /// `count`, or fewer: as many as leave this process 256 descriptors under its open-file limit
    /// (raised to the hard limit first, where it is lower).
    public static func affordable(_ count: Int) -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return min(count, 512) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = min(limit.rlim_max, rlim_t(65_536))
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 256
        return max(0, min(count, Int(clamping: limit.rlim_cur) - open - 256))
    }
}

/// `close(2)`, named apart from `ConnectionFlood.close()`.
private func closeSocket(_ fd: Int32) {
    #if canImport(Glibc)
        _ = Glibc.close(fd)
    #else
        _ = Darwin.close(fd)
    #endif
}
