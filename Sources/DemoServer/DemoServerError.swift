import Foundation
import NIOCore

/// Why the demo servers could not start or keep running.
public struct DemoServerError: Error, CustomStringConvertible, Equatable {
    private enum Reason: Equatable {
        case bindFailed(server: String, host: String, port: Int, addressInUse: Bool, underlying: String)
        case keyGenerationFailed(String)
        case tlsSetupFailed(String)
        case keyFileNotWritable(path: String, underlying: String)
        case clientsFileUnreadable(path: String, underlying: String)
        case clientsFileInvalid(path: String, message: String)
        case invalidOption(String)
    }

    private let reason: Reason

    private init(_ reason: Reason) { self.reason = reason }

    /// A server could not listen on its address.
    static func bindFailed(server: String, host: String, port: Int, underlying: any Error) -> Self {
        let addressInUse = (underlying as? IOError)?.errnoCode == EADDRINUSE
        return .init(
            .bindFailed(
                server: server, host: host, port: port, addressInUse: addressInUse,
                underlying: String(describing: underlying)))
    }

    /// True when a server could not listen because its port is taken: a usage mistake.
    public var isAddressInUse: Bool {
        if case .bindFailed(_, _, _, true, _) = reason { return true }
        return false
    }

    /// A signing or client key could not be made.
    static func keyGenerationFailed(_ underlying: any Error) -> Self {
        .init(.keyGenerationFailed(String(describing: underlying)))
    }

    /// The mutual-TLS certificates could not be made, or the TLS listeners not configured.
    static func tlsSetupFailed(_ underlying: any Error) -> Self {
        .init(.tlsSetupFailed(String(describing: underlying)))
    }

    /// A client key, a certificate, or their folder could not be written.
    static func keyFileNotWritable(path: String, underlying: any Error) -> Self {
        .init(.keyFileNotWritable(path: path, underlying: String(describing: underlying)))
    }

    /// The `--config` clients file could not be read.
    static func clientsFileUnreadable(path: String, underlying: String) -> Self {
        .init(.clientsFileUnreadable(path: path, underlying: underlying))
    }

    /// The `--config` clients file says something the demo server does not understand.
    static func clientsFileInvalid(path: String, message: String) -> Self {
        .init(.clientsFileInvalid(path: path, message: message))
    }

    /// An option value makes no sense.
    static func invalidOption(_ message: String) -> Self {
        .init(.invalidOption(message))
    }

    public var description: String {
        switch reason {
        case .bindFailed(let server, let host, let port, let addressInUse, let underlying):
            addressInUse
                ? "the demo \(server) could not listen on \(host) port \(port): the port is in use (choose another, or 0 for any free one)"
                : "the demo \(server) could not listen on \(host) port \(port): \(underlying)"
        case .keyGenerationFailed(let underlying):
            "the demo server could not generate a key: \(underlying)"
        case .tlsSetupFailed(let underlying):
            "the demo server could not set up TLS: \(underlying)"
        case .keyFileNotWritable(let path, let underlying):
            "the demo server could not write the key or certificate file \(path): \(underlying)"
        case .clientsFileUnreadable(let path, let underlying):
            "demo clients file \(path): \(underlying)"
        case .clientsFileInvalid(let path, let message):
            "demo clients file \(path): \(message)"
        case .invalidOption(let message):
            message
        }
    }
}
