import ArgumentParser
import Foundation
import OAuthClient
import Synchronization
import TokenCache
import TokenConfig
import TokenHandout
import TokenModel

extension HandedToken {
    init(_ issued: IssuedToken) {
        self.init(
            accessToken: issued.accessToken, tokenType: issued.tokenType, expiresAt: issued.expiresAt, scopes: issued.scopes)
    }
}

/// The options `token`, `exec` and `git` share for where a token comes from.
struct TokenSourceOptions: ParsableArguments {
    @Option(
        name: .customLong("min-ttl"),
        help: "Hand out a cached token only with at least this long left, e.g. 5m (default: the client's refresh-skew).")
    var minTTL: DurationArgument?

    @Flag(name: .customLong("no-cache"), help: "Fetch a new token and leave the shared token cache alone.")
    var noCache = false

    func validate() throws {
        if let minTTL, minTTL.duration < .zero { throw ValidationError("--min-ttl must not be negative") }
    }
}

/// How `token`, `exec` and `git` get a token: from the shared cache when an entry there has
/// at least the minimum lifetime left, else a new one, fetched under the entry's lock and
/// written back, so callers that miss together make one request between them.
struct TokenSource {
    let context: AppContext
    let options: TokenSourceOptions
    /// The command, recorded as the entry's writer.
    let program: String

    /// A token for `name` with at least the minimum lifetime left, or the freshest the server
    /// gives (with a warning when even that is shorter).
    func token(for name: String) async throws -> HandedToken {
        let client = try context.client(named: name)
        let configuration = client.configuration
        let minimum = options.minTTL?.duration ?? configuration.refreshSkew
        // The demo's servers live as long as this process: nothing another could reuse.
        guard !options.noCache, !context.isDemo else {
            return try await fresh(name, client: client, minimum: minimum)
        }
        let (store, key) = try await cacheEntry(of: name)
        // Twice the request's own limit (discovery, then the token) and a margin for a secret command.
        let patience = configuration.timeout * 2 + .seconds(5)
        do {
            if let hit = usable(try await store.read(key), minimum: minimum, warn: true) { return HandedToken(hit) }
            return try await store.withLock(key, timeout: patience) {
                // Whoever held the lock before may have just written what this caller needs.
                if let hit = usable(try await store.read(key), minimum: minimum, warn: false) { return HandedToken(hit) }
                let issued = try await fresh(name, client: client, minimum: minimum)
                guard let expiresAt = issued.expiresAt else { return issued }
                do {
                    try await store.write(
                        CachedToken(
                            key: key, client: name, accessToken: issued.accessToken, tokenType: issued.tokenType,
                            issuedAt: Date(), expiresAt: expiresAt, scopes: issued.scopes, writer: .init(program: program)))
                } catch let error as TokenCacheError where error.isKeyringFailure {
                    Self.reportUncached(name, error)
                }
                return issued
            }
        } catch let error as TokenCacheError where error.isKeyringFailure {
            // The cache only saves a request: the token is still handed out, fetched without it.
            Self.reportUncached(name, error)
            return try await fresh(name, client: client, minimum: minimum)
        } catch let error as TokenCacheError {
            throw CLIError.runtime("\(name): \(error.description)")
        }
    }

    /// Whether this process has said its tokens are not cached: once is enough (exec --renew fetches again and again).
    private static let uncachedReported = Mutex(false)

    /// Says, once per process, that the keyring failed and tokens are fetched without the cache.
    private static func reportUncached(_ name: String, _ error: TokenCacheError) {
        let first = uncachedReported.withLock { reported in
            defer { reported = true }
            return !reported
        }
        guard first else { return }
        printError(
            "tokentop: warning: \(name): the token is not cached: \(error.description); "
                + "tokentop never falls back to plaintext files, so each call fetches a new token until the keyring works")
    }

    /// Drops the client's cached token (git's `erase`: the server refused it).
    func forget(_ name: String) async throws {
        guard !context.isDemo else { return }
        let (store, key) = try await cacheEntry(of: name)
        do {
            try await store.discard(key)
        } catch {
            printError("tokentop: warning: \(name): the cached token's file is removed, but \(error.description)")
        }
    }

    /// The cache and the client's key in it.
    private func cacheEntry(of name: String) async throws -> (TokenCacheStore, CacheKey) {
        let store: TokenCacheStore
        do {
            store = try TokenCacheStore.standard(encryption: context.configuration.cacheEncryption)
        } catch {
            throw CLIError.runtime(error.description)
        }
        let key = try await context.withClient(name) { client async throws(OAuthError) -> CacheKey in
            try await CacheKey(client: client)
        }
        return (store, key)
    }

    /// The entry when it has at least `minimum` left; says why a file is not used.
    private func usable(_ lookup: TokenCacheStore.Lookup, minimum: Duration, warn: Bool) -> CachedToken? {
        switch lookup {
        case .found(let entry):
            return entry.remaining(at: Date()) >= minimum.timeInterval ? entry : nil
        case .ignored(let path, let why):
            if warn { printError("tokentop: warning: ignoring the cached token file \(path): \(why); it will be replaced") }
            return nil
        case .missing:
            return nil
        }
    }

    /// A new token from the server; one already dead on arrival is an error, one shorter-lived
    /// than `minimum` a warning.
    private func fresh(_ name: String, client: AuthorizationClient, minimum: Duration) async throws -> HandedToken {
        let issued = try await context.withClient(name) { client async throws(OAuthError) -> IssuedToken in
            let token = try await client.requestToken()
            if let problem = token.arrivalProblem(now: Date(), endpoint: nil) { throw problem }
            return token
        }
        guard CachedToken.isPrintableToken(issued.accessToken) else {
            throw CLIError.runtime("\(name): the server's access token holds characters a token may not (RFC 6749 §A.12)")
        }
        if let expiresAt = issued.expiresAt, expiresAt.timeIntervalSinceNow < minimum.timeInterval {
            printError(
                "tokentop: warning: \(name): the new token has \(TimeText.duration(seconds: TimeText.secondsUntil(expiresAt, now: Date()))) "
                    + "left, less than the \(minimum.configText) asked for (--min-ttl, or the client's refresh-skew)")
        }
        return HandedToken(issued)
    }
}

/// `--dpop-proof METHOD URL`: a DPoP-bound token is useless without its key, so it leaves
/// tokentop only with a proof for the one request it is meant for (RFC 9449 §7).
enum DPoPPresentation {
    /// The proof to print with `token`; nil for a bearer token. A DPoP-bound token asked for
    /// without a request to prove is refused.
    static func proof(for token: HandedToken, client name: String, request: [String], context: AppContext) async throws -> String?
    {
        guard token.isDPoPBound else {
            if !request.isEmpty { printError("tokentop: warning: \(name)'s token is a bearer token; it needs no DPoP proof") }
            return nil
        }
        guard request.count == 2 else { throw refusal(name) }
        let method = request[0]
        guard !method.isEmpty, method.utf8.allSatisfy({ (65...90).contains($0) }) else {
            throw CLIError.usage(
                "--dpop-proof: the method must be an HTTP method in capitals (GET, POST, …), not \"\(TerminalText.sanitize(method))\""
            )
        }
        guard let url = URL(string: request[1]), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil
        else {
            throw CLIError.usage(
                "--dpop-proof: the URL must be an absolute http(s) URL, not \"\(TerminalText.sanitize(request[1]))\"")
        }
        return try await context.withClient(name) { client async throws(OAuthError) -> String in
            try await client.presentationProof(method: method, url: url, accessToken: token.accessToken)
        }
    }

    /// Why a DPoP-bound token is not handed out bare.
    static func refusal(_ name: String) -> CLIError {
        CLIError.usage(
            "\(name)'s token is DPoP-bound (RFC 9449): without its key another program cannot use it, so tokentop hands it "
                + "out only with --dpop-proof METHOD URL, which prints the proof for that one request too")
    }
}

extension CacheKey {
    /// The key of a configured client: its settings, and the thumbprints of the DPoP key and
    /// TLS certificate its tokens are bound to.
    init(client: AuthorizationClient) async throws(OAuthError) {
        self.init(
            configuration: client.configuration, dpopThumbprint: try await client.dpopThumbprint(),
            certificateThumbprint: try await client.tlsCertificate()?.thumbprint)
    }
}
