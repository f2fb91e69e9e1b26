import ArgumentParser
import Foundation
import Logging
import OAuthClient
import ServiceLifecycle
import TokenCache
import TokenLifecycle
import TokenModel

/// `--cache` for the dashboard and `serve`.
struct WriteThroughOptions: ParsableArguments {
    @Flag(
        name: .customLong("cache"),
        help:
            "Write every client's tokens through to the shared token cache that `tokentop token` reads (`cache: true` does it per client)."
    )
    var all = false
}

/// The dashboard and `serve` as the agent scripts draw on: every token the manager fetches for a
/// client with `cache: true` (or all with `--cache`) is written to the shared cache, so
/// `tokentop token` hands out the token the dashboard shows without a request; a token the
/// operator revoked or that failed its checks leaves the cache at once.
///
/// It reads only the manager's public feed: `events()` says when, `heldToken(for:)` and the
/// snapshot give the token and its facts.
struct CacheWriteThrough: Service {
    let manager: TokenManager
    let clients: [String: AuthorizationClient]
    let store: TokenCacheStore
    /// `dashboard` or `serve`: the writer `cache list` shows.
    let program: String
    let logger: Logger

    /// The write-through for the clients that ask for it; nil when none does.
    static func make(
        context: AppContext, manager: TokenManager, options: WriteThroughOptions, program: String
    ) throws -> CacheWriteThrough? {
        let names = context.configuration.clients.filter { options.all || $0.cache }.map(\.name)
        guard !names.isEmpty else { return nil }
        guard !context.isDemo else {
            printError(
                "tokentop: warning: the embedded demo's servers live only as long as this process; its tokens are not cached")
            return nil
        }
        let store: TokenCacheStore
        do {
            store = try TokenCacheStore.standard(encryption: context.configuration.cacheEncryption)
        } catch {
            throw CLIError.runtime(error.description)
        }
        return CacheWriteThrough(
            manager: manager, clients: context.clients.filter { names.contains($0.key) }, store: store, program: program,
            logger: context.logger)
    }

    func run() async throws {
        let events = await manager.events()
        await cancelWhenGracefulShutdown {
            var state = State()
            for await event in events { await handle(event, state: &state) }
        }
    }

    /// What the loop remembers per client: its cache key, and the token it last wrote (so it
    /// removes only that one, not a newer one another process wrote since); and whether a keyring
    /// failure was logged, so a keyring that stays away is said once, not at every token.
    struct State {
        var keys: [String: CacheKey] = [:]
        var written: [String: String] = [:]
        var keyringFailureLogged = false
    }

    /// What an event asks of the cache.
    enum Step: Equatable {
        case write
        case remove(because: String)
        case none
    }

    /// Pure, so each rule is tested alone: a new token is written; one the operator revoked, whose
    /// signature or claims failed, that introspection calls inactive or the API refuses with 401 goes.
    static func step(for kind: ManagerEvent.Kind) -> Step {
        switch kind {
        case .tokenFetched: return .write
        case .operatorAction(let record) where record.action == .revoke && record.succeeded: return .remove(because: "revoked")
        case .signatureChecked(let verdict) where verdict.status == .failed: return .remove(because: "its signature check failed")
        case .introspected(active: false): return .remove(because: "introspection says it is not active")
        case .resourceCalled(let response) where response.status == 401: return .remove(because: "the API refused it (401)")
        default: return .none
        }
    }

    private func handle(_ event: ManagerEvent, state: inout State) async {
        let name = event.client
        guard let client = clients[name] else { return }
        let step = Self.step(for: event.kind)
        guard step != .none else { return }
        let key: CacheKey
        if let known = state.keys[name] {
            key = known
        } else {
            do {
                key = try await CacheKey(client: client)
            } catch {
                logger.warning(
                    "not written to the token cache", metadata: ["client": "\(name)", "error": "\(error.description)"])
                return
            }
            state.keys[name] = key
        }
        switch step {
        case .write:
            guard let entry = await entry(for: name, key: key) else { return }
            do {
                try await store.write(entry)
                state.written[name] = entry.accessToken
                logger.info(
                    "token written to the shared token cache",
                    metadata: ["client": "\(name)", "token": "\(Redaction.mask(entry.accessToken))"])
            } catch {
                guard !(error.isKeyringFailure && state.keyringFailureLogged) else { return }
                state.keyringFailureLogged = state.keyringFailureLogged || error.isKeyringFailure
                logger.warning(
                    "the token cache could not be written", metadata: ["client": "\(name)", "error": "\(error.description)"])
            }
        case .remove(let reason):
            guard let written = state.written[name], case .found(let cached) = try? await store.read(key),
                cached.accessToken == written
            else {
                return
            }
            do {
                try await store.discard(key)
            } catch {
                logger.warning(
                    "the token's cache file is removed, but not its keyring entry",
                    metadata: ["client": "\(name)", "error": "\(error.description)"])
            }
            state.written[name] = nil
            logger.info(
                "token removed from the shared token cache",
                metadata: ["client": "\(name)", "token": "\(Redaction.mask(written))", "reason": "\(reason)"])
        case .none:
            return
        }
    }

    /// The token the manager holds with its facts from the snapshot, when both name the same
    /// token (a later fetch may have replaced it between the two reads) and it has an expiry.
    private func entry(for name: String, key: CacheKey) async -> CachedToken? {
        guard let token = await manager.heldToken(for: name), CachedToken.isPrintableToken(token),
            let summary = await manager.snapshot().clients.first(where: { $0.name == name })?.token,
            summary.masked == Redaction.mask(token), let expiresAt = summary.expiresAt
        else { return nil }
        return CachedToken(
            key: key, client: name, accessToken: token, tokenType: summary.tokenType, issuedAt: summary.issuedAt,
            expiresAt: expiresAt, scopes: summary.scopes, writer: .init(program: program))
    }
}
