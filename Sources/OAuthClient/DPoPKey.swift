import Foundation
import JOSESupport
import JWTKit
import ProtocolSupport
import TokenConfig
import TokenModel

/// The key a client proves possession of with DPoP (RFC 9449): `dpop-key-file` (EC P-256 → ES256,
/// RSA → PS256), or a P-256 key tokentop made once for the client and keeps under the user's
/// state directory, so a restart keeps the binding.
struct DPoPKey: Sendable {
    /// `ES256` or `PS256`.
    let algorithm: String
    /// The public key as it goes into every proof's `jwk` header.
    let jwk: [String: String]
    /// The RFC 7638 thumbprint of `jwk`: what a bound token's `cnf.jkt` must be.
    let thumbprint: String
    private let keys: JWTKeyCollection

    /// The client's key: its `dpop-key-file`, else the kept one, made on first use.
    static func load(for configuration: ClientConfiguration, environment: [String: String]) async throws(OAuthError) -> DPoPKey {
        if let path = configuration.dpopKeyFile {
            let pem: String
            do {
                pem = try LocalFile.readText(path)
            } catch {
                throw OAuthError.configuration("client \(configuration.name): dpop-key-file \(error)")
            }
            guard let key = await DPoPKey(pem: pem) else {
                throw OAuthError.configuration(
                    "client \(configuration.name): dpop-key-file \(path) holds no EC P-256 or RSA private key in PEM form")
            }
            return key
        }
        guard let file = keptKeyFile(client: configuration.name, environment: environment) else {
            throw OAuthError.configuration(
                "client \(configuration.name): no place to keep a DPoP key (neither XDG_STATE_HOME nor HOME is set); set dpop-key-file"
            )
        }
        return try await kept(at: file, client: configuration.name)
    }

    /// `$XDG_STATE_HOME/tokentop/dpop/<client>.pem`, `~/.local/state` when XDG_STATE_HOME is unset
    /// or relative (the XDG Base Directory rule).
    static func keptKeyFile(client: String, environment: [String: String]) -> URL? {
        let state: URL
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            state = URL(fileURLWithPath: xdg, isDirectory: true)
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            state = URL(fileURLWithPath: home, isDirectory: true).appending(path: ".local/state")
        } else {
            return nil
        }
        // A client name is a YAML key and may hold anything; the file name holds only safe characters.
        let safe = String(
            client.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            })
        let name = safe.isEmpty || safe.hasPrefix(".") ? "_" + safe : safe
        return state.appending(path: "tokentop/dpop/\(name).pem")
    }

    /// Reads the kept key, or makes a P-256 key and writes it 0600 in a 0700 folder.
    private static func kept(at file: URL, client: String) async throws(OAuthError) -> DPoPKey {
        let manager = FileManager.default
        if manager.fileExists(atPath: file.path) {
            if let mode = (try? manager.attributesOfItem(atPath: file.path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw OAuthError.configuration(
                    "client \(client): the DPoP key \(file.path) may be read by others (mode \(String(mode, radix: 8))); "
                        + "run chmod 600 on it")
            }
            guard let pem = try? LocalFile.readText(file.path), let key = await DPoPKey(pem: pem) else {
                throw OAuthError.configuration(
                    "client \(client): the kept DPoP key \(file.path) is unreadable; remove it to make a new one "
                        + "(tokens bound to the old key stop working)")
            }
            return key
        }
        let folder = file.deletingLastPathComponent()
        let generated = ES256PrivateKey()
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
            guard
                manager.createFile(
                    atPath: file.path, contents: Data(generated.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw OAuthError.configuration(
                "client \(client): cannot keep a DPoP key at \(file.path) (\(error.localizedDescription)); set dpop-key-file")
        }
        return await DPoPKey(es256: generated)
    }

    /// A key from PEM: EC P-256 signs ES256, RSA signs PS256 (RFC 9449 §5 leaves the choice to
    /// the client; PS256 is what servers that list RSA support).
    init?(pem: String) async {
        if let key = try? ES256PrivateKey(pem: pem) {
            await self.init(es256: key)
        } else if let key = try? Insecure.RSA.PrivateKey(pem: pem), let primitives = try? key.publicKey.getKeyPrimitives() {
            let jwk = [
                "kty": "RSA", "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent),
            ]
            self.init(algorithm: "PS256", jwk: jwk, keys: await JWTKeyCollection().add(pss: key, digestAlgorithm: .sha256))
        } else {
            return nil
        }
    }

    private init(es256 key: ES256PrivateKey) async {
        let (x, y) = key.publicKey.parameters ?? ("", "")
        self.init(
            algorithm: "ES256", jwk: ["kty": "EC", "crv": "P-256", "x": x, "y": y],
            keys: await JWTKeyCollection().add(ecdsa: key))
    }

    private init(algorithm: String, jwk: [String: String], keys: JWTKeyCollection) {
        self.algorithm = algorithm
        self.jwk = jwk
        self.keys = keys
        // The members are the key's own, so a thumbprint always exists.
        self.thumbprint = (try? JWKThumbprint.sha256(ofJWK: jwk.mapValues(JSONValue.string))) ?? ""
    }

    /// A proof for one `method` request to `url` (RFC 9449 §4.2): a fresh `jti`, `iat` now,
    /// `htu` without query and fragment, the server's `nonce` when known, and `ath` when an
    /// access token is presented with it.
    func proof(method: String, url: URL, nonce: String?, accessToken: String?, now: Date) async throws(OAuthError) -> String {
        let claims = DPoPProofClaims(
            jti: UUID().uuidString, htm: method, htu: Self.htu(url), iat: Int(now.timeIntervalSince1970.rounded(.down)),
            ath: accessToken.map(JWKThumbprint.accessTokenHash), nonce: nonce)
        let header: JWTHeader = ["typ": .string("dpop+jwt"), "jwk": .object(jwk.mapValues { .string($0) })]
        do {
            return try await keys.sign(claims, header: header)
        } catch {
            throw OAuthError.configuration("signing a DPoP proof failed: \(error)")
        }
    }

    /// The request URL without query and fragment (RFC 9449 §4.2, `htu`).
    static func htu(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url.absoluteString }
        components.query = nil
        components.fragment = nil
        return components.string ?? url.absoluteString
    }
}

/// The claims of a DPoP proof (RFC 9449 §4.2); `ath` and `nonce` only when they apply.
struct DPoPProofClaims: JWTPayload {
    var jti: String
    var htm: String
    var htu: String
    var iat: Int
    var ath: String?
    var nonce: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
