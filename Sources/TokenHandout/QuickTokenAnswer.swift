import Foundation
import TokenCache
import TokenConfig
import TokenModel

/// The front's answer to a quick request: the cached token in the asked format, when the cache
/// holds one with enough life left for a client whose cache key needs nothing but its
/// configuration. Nil sends the request to the full program, which then answers exactly as it
/// always does (a miss fetches under the entry's lock; a warning or error is written by it).
/// The configuration, the cache key, the lookup and the output are the same code the full
/// program runs, so the two cannot disagree on which token a client gets.
public enum QuickTokenAnswer {
    public static func text(
        for request: QuickTokenRequest, environment: [String: String], workingDirectory: String, now: Date = Date()
    ) -> String? {
        guard let client = configuredClient(request, environment: environment, workingDirectory: workingDirectory),
            let store = try? TokenCacheStore.standard(environment: environment)
        else { return nil }
        let key = CacheKey(configuration: client, dpopThumbprint: nil, certificateThumbprint: nil)
        // An ignored file is the full program's to report and replace; a bound token its to refuse.
        guard case .found(let entry) = store.lookup(key), !entry.isDPoPBound else { return nil }
        let minimum = request.minTTL ?? client.refreshSkew
        guard entry.remaining(at: now) >= minimum.timeInterval else { return nil }
        return TokenOutput.render(HandedToken(entry), as: request.output, now: now)
    }

    /// The client, from a configuration that loads without a warning and holds nothing the front
    /// cannot check itself: the dashboard's settings (theme, keys) are validated by the full
    /// program, whose refusal of a mistake there every command shares; a DPoP key or a client
    /// certificate is part of the cache key and needs its file read; keyring entries need the
    /// keyring.
    private static func configuredClient(
        _ request: QuickTokenRequest, environment: [String: String], workingDirectory: String
    ) -> ClientConfiguration? {
        guard
            let location = try? ConfigurationLoader.locate(
                explicitPath: request.configPath, environment: environment, workingDirectory: workingDirectory),
            let loaded = try? ConfigurationLoader.load(from: location.path, environment: environment),
            loaded.warnings.isEmpty
        else { return nil }
        let configuration = loaded.configuration
        guard configuration.theme == nil, configuration.keyBindings.isEmpty, configuration.cacheEncryption == .plaintext,
            let client = configuration.clients.first(where: { $0.name == request.client }),
            !client.dpop, client.tlsClientCertificateFile == nil, client.tlsClientKeyFile == nil
        else { return nil }
        return client
    }
}
