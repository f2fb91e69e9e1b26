import Foundation

/// Why a server refused a federated client assertion, read from its answer: `invalid_client` or
/// `invalid_grant` with a description that says so, or Microsoft Entra's codes in it.
public enum AssertionRejection: String, Sendable, Equatable, CaseIterable {
    /// The assertion's `exp` has passed (Entra: AADSTS700024, "not within its valid time range").
    case expired = "assertion_expired"
    /// The assertion's `aud` is not what the server expects (Entra: AADSTS70021, no matching
    /// federated identity record; `api://AzureADTokenExchange` is the usual audience).
    case audienceMismatch = "assertion_audience_mismatch"
    /// The server knows no federated identity for the assertion's `sub` (Entra: AADSTS700213;
    /// Entra matches subjects case-sensitively).
    case subjectRejected = "assertion_subject_rejected"

    /// The rejection `description` (an `error_description`) names, if any; Entra's codes first.
    public static func named(in description: String) -> AssertionRejection? {
        let words = description.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        if words.contains("aadsts700024") { return .expired }
        if words.contains("aadsts700213") { return .subjectRejected }
        if words.contains("aadsts70021") { return .audienceMismatch }
        guard words.contains("assertion") else { return nil }
        if words.contains(where: { ["expired", "exp"].contains($0) }) { return .expired }
        if words.contains(where: { ["aud", "audience"].contains($0) }) { return .audienceMismatch }
        if words.contains(where: { ["sub", "subject"].contains($0) }) { return .subjectRejected }
        return nil
    }
}

extension OAuthError {
    /// Why the server refused the client assertion sent, when its answer says so.
    public var assertionRejection: AssertionRejection? {
        guard oauthCode == .invalidClient || oauthCode == .invalidGrant, let serverDescription else { return nil }
        return AssertionRejection.named(in: serverDescription)
    }
}
