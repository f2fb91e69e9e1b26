import Foundation
import TokenConfig
import TokenModel

/// The file `tokentop demo-server --config FILE` reads: the demo clients (and token audience)
/// to serve instead of the built-in set. It is JSON — which YAML 1.2 reads too — so the demo
/// server needs no YAML parser of its own:
///
/// ```json
/// {
///   "audience": "api://default",
///   "clients": [
///     { "name": "mod-client", "scope": "custom_mod", "token-lifetime": "1h" },
///     { "name": "fast", "method": "client_secret_post", "scope": "custom_mod", "token-lifetime": "30s", "refresh-skew": "10s" },
///     { "name": "broken", "scope": "custom_mod", "wrong-secret": true }
///   ]
/// }
/// ```
///
/// Per client: `name` (required; also the `client_id`), `scope` (required: a space-separated
/// string or a list), `method` (`client_secret_basic` by default, `client_secret_post`,
/// `private_key_jwt`), `token-lifetime` (default `1h`), `refresh-skew` (for the generated
/// configuration), `wrong-secret` (the generated configuration gets a wrong secret), `dpop` (token
/// requests must carry a DPoP proof).
public enum DemoClientsFile {
    /// The clients and audience the file describes.
    public static func load(path: String) throws -> (clients: [DemoClientSpec], audience: String?) {
        let data: Data
        do {
            data = try LocalFile.read(path)
        } catch {
            throw DemoServerError.clientsFileUnreadable(path: path, underlying: error.problem)
        }
        return try parse(data, path: path)
    }

    /// Parses the file's contents; `path` only names it in errors.
    public static func parse(_ data: Data, path: String) throws -> (clients: [DemoClientSpec], audience: String?) {
        let file: FileShape
        do {
            file = try JSONDecoder().decode(FileShape.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw DemoServerError.clientsFileInvalid(
                path: path, message: "\(Self.location(context.codingPath)) is missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw DemoServerError.clientsFileInvalid(
                path: path, message: "\(Self.location(context.codingPath)) has the wrong type")
        } catch {
            throw DemoServerError.clientsFileInvalid(
                path: path, message: "not a JSON object with a \"clients\" list (\(error.localizedDescription))")
        }
        var specs: [DemoClientSpec] = []
        for (index, client) in file.clients.enumerated() {
            if let problem = DemoClientSpec.problem(withName: client.name) {
                throw DemoServerError.clientsFileInvalid(path: path, message: "clients[\(index)]: \(problem)")
            }
            let place = "clients[\(index)] (\(client.name))"
            var method = ClientAuthenticationMethod.clientSecretBasic
            if let text = client.method {
                guard let parsed = ClientAuthenticationMethod(rawValue: text) else {
                    throw DemoServerError.clientsFileInvalid(
                        path: path,
                        message:
                            "\(place): method must be one of \(ClientAuthenticationMethod.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                method = parsed
            }
            let lifetime =
                try client.tokenLifetime.map { text in
                    guard let duration = Duration(configText: text), duration >= .seconds(1) else {
                        throw DemoServerError.clientsFileInvalid(
                            path: path,
                            message:
                                "\(place): token-lifetime \"\(text.prefix(40))\" is not a duration from 1s to 100 years, like 30s or 1h30m"
                        )
                    }
                    return duration
                } ?? .seconds(3600)
            let skew = try client.refreshSkew.map { text in
                guard let duration = Duration(configText: text), duration >= .zero else {
                    throw DemoServerError.clientsFileInvalid(
                        path: path,
                        message: "\(place): refresh-skew \"\(text.prefix(40))\" is not a duration from 0s to 100 years, like 10s")
                }
                return duration
            }
            guard !client.scope.values.isEmpty else {
                throw DemoServerError.clientsFileInvalid(path: path, message: "\(place): scope is empty")
            }
            specs.append(
                DemoClientSpec(
                    name: client.name, method: method, scopes: client.scope.values, tokenLifetime: lifetime,
                    refreshSkew: skew, configuredWithWrongSecret: client.wrongSecret ?? false,
                    requiresDPoP: client.dpop ?? false))
        }
        return (specs, file.audience)
    }

    private static func location(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the file" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined()
    }

    private struct FileShape: Decodable {
        var audience: String?
        var clients: [ClientShape]
    }

    private struct ClientShape: Decodable {
        var name: String
        var method: String?
        var scope: ScopeShape
        var tokenLifetime: String?
        var refreshSkew: String?
        var wrongSecret: Bool?
        var dpop: Bool?

        enum CodingKeys: String, CodingKey {
            case name, method, scope, dpop
            case tokenLifetime = "token-lifetime"
            case refreshSkew = "refresh-skew"
            case wrongSecret = "wrong-secret"
        }
    }

    /// `scope`: a space-separated string or a list.
    private struct ScopeShape: Decodable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                values = text.split(separator: " ").map(String.init)
            } else {
                values = try container.decode([String].self)
            }
        }
    }
}
