// How a client's credentials are read from the configuration: the client secret (and when it ends), the
// private key or federated assertion of private_key_jwt, and the TLS client certificate. Part of
// `ConfigurationReader`'s one pass, so every problem is still reported at once with file:line:key.
import Foundation
import ProtocolSupport
import TokenModel
import Yams

extension ConfigurationReader {
    /// When the client secret ends: `client-secret-expires-at`, or `client_secret_expires_at` of the
    /// RFC 7591 registration response in `client-registration-file` (0 there: it never ends).
    mutating func secretEnd(_ settings: [ConfigurationSchema.ClientKey: Entry]) -> Date? {
        let expectation = ConfigurationSchema.ValueKind.date.description
        if let setting = settings[.clientSecretExpiresAt], let registration = settings[.clientRegistrationFile] {
            report(
                registration.keyNode, registration.path,
                "only one of `client-secret-expires-at` and `client-registration-file` may be set, "
                    + "and `\(setting.key)` is already set")
            return nil
        }
        if let setting = settings[.clientSecretExpiresAt], let value = text(setting, expected: expectation), !value.isEmpty {
            guard let date = Self.date(value) else {
                report(setting.value, setting.path, "expected \(expectation), got \(Self.quoted(value))")
                return nil
            }
            return date
        }
        guard let setting = settings[.clientRegistrationFile],
            let path = existingFile(setting, holding: "an RFC 7591 client registration response (JSON)")
        else { return nil }
        let problem: String
        do {
            let data = try LocalFile.read(path, limit: 1 << 20)
            guard let response = try? JSONDecoder().decode(RegistrationResponse.self, from: data) else {
                throw ClientRegistrationProblem("is not an RFC 7591 registration response (a JSON object)")
            }
            guard let seconds = response.secretExpiresAt else {
                throw ClientRegistrationProblem("has no number `client_secret_expires_at` (RFC 7591 §3.2.1)")
            }
            // RFC 7591: 0 means the secret does not expire. Beyond the year 9999 is no date.
            guard seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 else {
                throw ClientRegistrationProblem("has `client_secret_expires_at` \(seconds), which is no time in seconds")
            }
            return seconds == 0 ? nil : Date(timeIntervalSince1970: seconds)
        } catch let error as ClientRegistrationProblem {
            problem = error.message
        } catch {
            problem = "is not readable (\(error))"
        }
        report(setting.value, setting.path, "\(path) \(problem)")
        return nil
    }

    /// `2027-03-31` (midnight UTC) or an RFC 3339 date and time.
    static func date(_ text: String) -> Date? {
        // Such dates are short printable ASCII; nothing else reaches Foundation's formatters,
        // one of which traps on some non-ASCII text (see `HTTPDate.parse`).
        guard PrintableASCII.holds(text, atMost: 64) else { return nil }
        let dateTime = ISO8601DateFormatter()
        if let date = dateTime.date(from: text) { return date }
        dateTime.formatOptions.insert(.withFractionalSeconds)
        if let date = dateTime.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return text.count == 10 ? day.date(from: text) : nil
    }

    /// How the client proves its identity: at most one secret source (one is required unless
    /// the client signs with `private_key_jwt` or presents a TLS certificate), the method, the
    /// private key and the assertion's audience, and the TLS client certificate.
    mutating func readCredentials(_ settings: [ConfigurationSchema.ClientKey: Entry], client entry: Entry) -> Credentials {
        let secretIssues = issues.count
        var secrets: [(entry: Entry, source: SecretSource)] = []
        if let setting = settings[.clientSecret], let secret = expanded(setting, expected: "the client secret as text"),
            !secret.value.isEmpty
        {
            secrets.append((setting, .inline(secret.value)))
            if !secret.literal.isEmpty { clientsWithSecretsInFile.append(entry.key) }
        }
        if let setting = settings[.clientSecretFile], let path = text(setting, expected: "a file's path"), !path.isEmpty {
            secrets.append((setting, .file(path: resolvedPath(path))))
        }
        if let setting = settings[.clientSecretCommand],
            let command = text(setting, expected: "a shell command", allowingControlCharacters: true),
            !command.trimmingCharacters(in: .whitespaces).isEmpty
        {
            secrets.append((setting, .command(command)))
        }
        secrets.sort { ($0.entry.keyNode.mark?.line ?? 0) < ($1.entry.keyNode.mark?.line ?? 0) }
        for extra in secrets.dropFirst() {
            report(
                extra.entry.keyNode, extra.entry.path,
                "only one of `client-secret`, `client-secret-file` and `client-secret-command` may be set, "
                    + "and `\(secrets[0].entry.key)` is already set")
        }

        let federated = federatedAssertion(settings)
        // A client that sends an assertion made elsewhere uses private_key_jwt's parameters.
        var method = federated == .none ? ClientAuthenticationMethod.clientSecretBasic : .privateKeyJWT
        if let setting = settings[.clientAuthenticationMethod],
            let chosen = choice(setting, ClientAuthenticationMethod.self)
        {
            method = chosen
            if federated != .none, chosen != .privateKeyJWT {
                report(
                    setting.value, setting.path,
                    "a client with `client-assertion-file` or `client-assertion-command` sends that assertion: "
                        + "write `private_key_jwt` or leave the method unset")
            }
        }
        var basicEncoding = BasicCredentialEncoding.formURLEncoded
        if let setting = settings[.clientSecretBasicEncoding],
            let chosen = choice(setting, BasicCredentialEncoding.self)
        {
            basicEncoding = chosen
        }
        let keyIssues = issues.count
        let privateKeyFile = existingFile(settings[.privateKeyFile], holding: "a PEM RSA or EC P-256 private key")
        if method == .privateKeyJWT {
            if federated != .none, privateKeyFile != nil, let setting = settings[.privateKeyFile] {
                report(
                    setting.keyNode, setting.path,
                    "only one of `private-key-file` (tokentop signs the assertion) and `client-assertion-file` or "
                        + "`client-assertion-command` (the assertion is made elsewhere) may be set")
            }
            if federated == .none, privateKeyFile == nil && issues.count == keyIssues,
                let setting = settings[.clientAuthenticationMethod]
            {
                report(
                    setting.value, setting.path,
                    "private_key_jwt needs `private-key-file`, a PEM RSA or EC P-256 private key")
            }
            if let unused = secrets.first {
                warn(unused.entry.keyNode, unused.entry.path, "is not used with private_key_jwt and is ignored")
            }
        } else {
            if method.authenticatesWithTLSCertificate {
                if let unused = secrets.first {
                    warn(unused.entry.keyNode, unused.entry.path, "is not used with \(method.rawValue) and is ignored")
                }
            } else if secrets.isEmpty && issues.count == secretIssues,
                let empty = ConfigurationSchema.ClientKey.secretSources.compactMap({ settings[$0] }).first
            {
                report(
                    empty.value, empty.path,
                    "is empty, and no other client secret is set; expected the secret, "
                        + "or one of `client-secret-file` and `client-secret-command`")
            } else if secrets.isEmpty && issues.count == secretIssues {
                report(
                    entry.keyNode, entry.path,
                    "missing a client secret: set `client-secret` (for example ${MOD_CLIENT_SECRET}), "
                        + "`client-secret-file` or `client-secret-command`, or use private_key_jwt")
            }
            if privateKeyFile != nil, let setting = settings[.privateKeyFile] {
                warn(
                    setting.keyNode, setting.path,
                    "is only used with `client-authentication-method: private_key_jwt` and is ignored")
            }
        }
        let (certificateFile, tlsKeyFile) = tlsClientCertificate(settings, method: method)
        let assertionCertificate = existingFile(
            settings[.clientAssertionCertificateFile], holding: "the PEM certificate of `private-key-file`")
        let sha1Thumbprint = bool(settings[.clientAssertionSHA1Thumbprint]) ?? false
        if method != .privateKeyJWT {
            for key in [ConfigurationSchema.ClientKey.clientAssertionCertificateFile, .clientAssertionSHA1Thumbprint] {
                guard let setting = settings[key] else { continue }
                warn(
                    setting.keyNode, setting.path,
                    "is only used with `client-authentication-method: private_key_jwt` and is ignored")
            }
        } else if sha1Thumbprint, assertionCertificate == nil, let setting = settings[.clientAssertionSHA1Thumbprint] {
            report(
                setting.keyNode, setting.path,
                "needs `client-assertion-certificate-file`, the certificate whose thumbprint it names")
        }
        return Credentials(
            secret: secrets.first?.source ?? .none, method: method, basicEncoding: basicEncoding,
            privateKeyFile: privateKeyFile, assertionAudience: assertionAudience(settings, method: method),
            tlsCertificateFile: certificateFile, tlsKeyFile: tlsKeyFile,
            assertionCertificateFile: assertionCertificate, assertionSHA1Thumbprint: sha1Thumbprint,
            federatedAssertion: federated)
    }

    /// `client-assertion-file` or `client-assertion-command`: at most one.
    mutating func federatedAssertion(_ settings: [ConfigurationSchema.ClientKey: Entry]) -> SecretSource {
        let file = existingFile(settings[.clientAssertionFile], holding: "a client assertion (a JWT)")
        var command: String?
        if let setting = settings[.clientAssertionCommand],
            let text = text(setting, expected: "a shell command", allowingControlCharacters: true),
            !text.trimmingCharacters(in: .whitespaces).isEmpty
        {
            command = text
        }
        if let file, command != nil, let setting = settings[.clientAssertionCommand] {
            report(
                setting.keyNode, setting.path,
                "only one of `client-assertion-file` and `client-assertion-command` may be set, and "
                    + "`client-assertion-file` is already set (\(file))")
            return .none
        }
        if let file { return .file(path: file) }
        if let command { return .command(command) }
        return .none
    }

    /// `client-assertion-audience`: a keyword or an absolute URL, used only with private_key_jwt.
    mutating func assertionAudience(
        _ settings: [ConfigurationSchema.ClientKey: Entry], method: ClientAuthenticationMethod
    ) -> ClientAssertionAudience? {
        let keywords = ClientAssertionAudience.keywords
        let expectation = Self.list(keywords) + ", or an absolute http or https URL"
        guard let setting = settings[.clientAssertionAudience],
            let value = text(setting, expected: expectation), !value.isEmpty
        else { return nil }
        let audience: ClientAssertionAudience
        switch value {
        case "endpoint": audience = .endpoint
        case "token-endpoint": audience = .tokenEndpoint
        case "issuer": audience = .issuer
        default:
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = url.host, !host.isEmpty
            else {
                var message = "expected \(expectation), got \(Self.quoted(value))"
                if let suggestion = KeySuggestion.closest(to: value, among: keywords) {
                    message += "; did you mean `\(suggestion)`?"
                }
                report(setting.value, setting.path, message)
                return nil
            }
            audience = .url(url)
        }
        if audience == .issuer && settings[.issuerURI] == nil && settings[.expectedIssuer] == nil {
            report(
                setting.value, setting.path,
                "`issuer` needs the authorization server's issuer: set `issuer-uri` or `expected-issuer`")
            return nil
        }
        if method != .privateKeyJWT {
            warn(
                setting.keyNode, setting.path,
                "is only used with `client-authentication-method: private_key_jwt` and is ignored")
        }
        return audience
    }

    /// `tls-client-certificate-file` and `tls-client-key-file`: both or neither; required by
    /// the methods that authenticate with the certificate, and otherwise used for mTLS to the API.
    mutating func tlsClientCertificate(
        _ settings: [ConfigurationSchema.ClientKey: Entry], method: ClientAuthenticationMethod
    ) -> (certificate: String?, key: String?) {
        let fileIssues = issues.count
        let certificate = existingFile(settings[.tlsClientCertificateFile], holding: "the client's PEM certificate")
        let key = existingFile(settings[.tlsClientKeyFile], holding: "the PEM private key of the client's certificate")
        guard issues.count == fileIssues else { return (nil, nil) }
        if method.authenticatesWithTLSCertificate, certificate == nil || key == nil,
            let setting = settings[.clientAuthenticationMethod]
        {
            let missing = [
                certificate == nil ? "`tls-client-certificate-file` (the client's PEM certificate)" : nil,
                key == nil ? "`tls-client-key-file` (the certificate's PEM private key)" : nil,
            ].compactMap { $0 }
            report(setting.value, setting.path, "\(method.rawValue) needs " + missing.joined(separator: " and "))
            return (nil, nil)
        }
        if certificate != nil, key == nil, let setting = settings[.tlsClientCertificateFile] {
            report(setting.keyNode, setting.path, "needs `tls-client-key-file` too, the certificate's PEM private key")
            return (nil, nil)
        }
        if key != nil, certificate == nil, let setting = settings[.tlsClientKeyFile] {
            report(setting.keyNode, setting.path, "needs `tls-client-certificate-file` too, the PEM certificate of this key")
            return (nil, nil)
        }
        // Checked here, at its line: a key type the TLS library cannot use would otherwise stop
        // the first token request (an Ed25519 key traps inside swift-nio-ssl).
        if let certificate, let setting = settings[.tlsClientCertificateFile],
            let problem = ClientCertificateKeyType.problem(inCertificateFile: certificate)
        {
            report(setting.value, setting.path, "\(certificate) \(problem)")
            return (nil, nil)
        }
        return (certificate, key)
    }
}
