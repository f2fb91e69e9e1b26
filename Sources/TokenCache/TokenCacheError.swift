import Foundation
import TokenModel

/// Why the token cache could not be used, in words an operator can act on: what failed, which
/// path, and what to do.
public struct TokenCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Reason: Sendable, Equatable {
        case noLocation
        case unsafeFolder(path: String, why: String)
        case io(path: String, operation: String, errno: Int32)
        case lockTimeout(path: String, waited: Duration)
        case keyring(operation: String, why: String)
    }

    private let reason: Reason

    /// Neither XDG_CACHE_HOME nor HOME names an absolute folder.
    public static let noLocation = TokenCacheError(reason: .noLocation)

    /// The cache folder is a symbolic link, someone else's, or open to others.
    static func unsafeFolder(_ path: String, _ why: String) -> TokenCacheError {
        TokenCacheError(reason: .unsafeFolder(path: path, why: why))
    }

    /// A system call on `path` failed.
    static func io(_ path: String, _ operation: String, errno: Int32) -> TokenCacheError {
        TokenCacheError(reason: .io(path: path, operation: operation, errno: errno))
    }

    /// Another process held the entry's lock for longer than a token request may take.
    static func lockTimeout(_ path: String, waited: Duration) -> TokenCacheError {
        TokenCacheError(reason: .lockTimeout(path: path, waited: waited))
    }

    /// The desktop keyring (`cache-encryption: keyring`) failed: no D-Bus session, no
    /// secret-tool, locked, or no answer in time.
    static func keyring(_ operation: String, _ why: String) -> TokenCacheError {
        TokenCacheError(reason: .keyring(operation: operation, why: why))
    }

    /// True when the desktop keyring failed: the token is then not cached, never written to a file instead.
    public var isKeyringFailure: Bool {
        if case .keyring = reason { return true }
        return false
    }

    public var description: String {
        switch reason {
        case .noLocation:
            return
                "the token cache has no folder: neither XDG_CACHE_HOME nor HOME is an absolute path; set one, or pass --no-cache"
        case .unsafeFolder(let path, let why):
            return "refusing the token cache folder \(path): \(why); tokens there may have been read or planted by someone else"
        case .io(let path, let operation, let errno):
            return "the token cache could not \(operation) \(path): \(String(cString: strerror(errno)))"
        case .lockTimeout(let path, let waited):
            return "another tokentop held the lock \(path) for over \(waited.wholeSeconds)s while fetching; "
                + "giving up (it is released when that process ends)"
        case .keyring(let operation, let why):
            return "the desktop keyring (cache-encryption: keyring) could not \(operation): \(why)"
        }
    }
}
