import Foundation
import ProtocolSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports for tests: one that nothing listens on at the moment of asking (bound to
/// 127.0.0.1 port 0, read back, and closed: for a child that must be told its port, or a server
/// that is "gone"), or a listening socket for a hand-made server.
public enum LoopbackPort {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public static func unused() throws -> Int {
        let (descriptor, port) = try bound()
        close(descriptor)
        return port
    }

    /// A socket listening on 127.0.0.1, port 0, close-on-exec (a process another test spawns
    /// must not hold it), and its port; the caller closes it.
    public static func listening(backlog: Int32) throws -> (descriptor: Int32, port: Int) {
        let (descriptor, port) = try bound()
        guard listen(descriptor, backlog) == 0 else {
            close(descriptor)
            throw Unavailable(description: "cannot listen on loopback port \(port): errno \(errno)")
        }
        return (descriptor, port)
    }

    private static func bound() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Unavailable(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw Unavailable(description: "cannot bind a loopback port: errno \(errno)")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
