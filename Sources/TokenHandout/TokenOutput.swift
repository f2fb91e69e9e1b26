import Foundation
import TokenModel

/// The shapes `tokentop token --output` prints a token in, each for the program that reads it.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// The token alone on a line (and a DPoP proof on the next, when one was asked for).
    case token
    /// `Authorization: Bearer …` (or `DPoP …` and a `DPoP:` proof line), for `curl -H @-`.
    case header
    /// `{"access_token", "token_type", "expires_at", "expires_in", "scope"}`.
    case json
    /// A Kubernetes `client.authentication.k8s.io/v1` `ExecCredential`, for a kubeconfig `exec:` entry.
    case execCredential = "exec-credential"
    /// A git credential helper's answer (`password=`, `password_expiry_utc=`).
    case git

    /// Whether the reader can present a DPoP proof with the token: only the shapes that carry one.
    public var carriesProof: Bool {
        switch self {
        case .token, .header, .json: return true
        case .execCredential, .git: return false
        }
    }
}

/// Renders a handed-out token in an `OutputFormat`. Pure: the token, the proof and the time in,
/// the text out, so every shape is tested exactly.
public enum TokenOutput {
    /// The `apiVersion` kubectl's exec plugins speak (Kubernetes 1.22 and later).
    public static let execCredentialAPIVersion = "client.authentication.k8s.io/v1"

    /// What tokentop answers as a git credential's username when git names none (GitLab's word
    /// for an OAuth token).
    public static let defaultGitUsername = "oauth2"

    /// The text to print, ending in a newline.
    /// - Parameters:
    ///   - proof: the DPoP proof to present the token with, when one was asked for.
    ///   - username: the `username=` of a git answer.
    public static func render(
        _ token: HandedToken, as format: OutputFormat, proof: String? = nil, username: String = TokenOutput.defaultGitUsername,
        now: Date = Date()
    ) -> String {
        switch format {
        case .token:
            return token.accessToken + "\n" + (proof.map { $0 + "\n" } ?? "")
        case .header:
            guard let proof else { return "Authorization: Bearer \(token.accessToken)\n" }
            return "Authorization: DPoP \(token.accessToken)\nDPoP: \(proof)\n"
        case .json:
            var object: [String: JSONValue] = [
                "access_token": .string(token.accessToken), "token_type": .string(token.tokenType),
                "scope": .string(token.scopes.joined(separator: " ")),
            ]
            if let expiresAt = token.expiresAt {
                object["expires_at"] = .string(TimeText.iso8601(expiresAt))
                object["expires_in"] = .number(Double(max(0, TimeText.secondsUntil(expiresAt, now: now))))
            }
            if let proof { object["dpop_proof"] = .string(proof) }
            return JSONValue.object(object).compactText + "\n"
        case .execCredential:
            var status: [String: JSONValue] = ["token": .string(token.accessToken)]
            if let expiresAt = token.expiresAt { status["expirationTimestamp"] = .string(TimeText.iso8601(expiresAt)) }
            return JSONValue.object([
                "apiVersion": .string(execCredentialAPIVersion), "kind": .string("ExecCredential"), "status": .object(status),
            ]).compactText + "\n"
        case .git:
            var lines = ["username=\(username)", "password=\(token.accessToken)"]
            // git 2.41 and later stop using the password at this time (earlier ones ignore the line).
            if let expiresAt = token.expiresAt { lines.append("password_expiry_utc=\(Int(expiresAt.timeIntervalSince1970))") }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
