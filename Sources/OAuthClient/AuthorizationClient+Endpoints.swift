import Foundation

extension AuthorizationClient {
    /// The endpoints in use, from the configuration and discovery.
    public struct Endpoints: Sendable, Equatable {
        public var token: URL
        public var introspection: URL?
        public var revocation: URL?
        public var jwks: URL?
        public var issuer: String?
    }
}
