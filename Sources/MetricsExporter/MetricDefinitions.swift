import Prometheus

/// Every metric `tokentop serve` exports, named per Prometheus' guidance: the `tokentop`
/// namespace, a unit suffix, `_total` on counters. examples/prometheus/README.md documents them.
/// (Computed properties: swift-prometheus' descriptors are not Sendable, so not stored statics.)
enum MetricDefinitions {
    private static func named(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tokentop", metricName: name, unitName: unit, helpText: help)
    }

    // Per client, set from snapshots.
    static var tokenExpiry: MetricNameDescriptor {
        named("token_expiry_timestamp", unit: "seconds", "When the held token expires, as a Unix timestamp.")
    }
    static var tokenIssued: MetricNameDescriptor {
        named("token_issued_timestamp", unit: "seconds", "When the held token was issued (received), as a Unix timestamp.")
    }
    static var tokenRefresh: MetricNameDescriptor {
        named("token_refresh_timestamp", unit: "seconds", "When tokentop plans to replace the held token, as a Unix timestamp.")
    }
    static var lastSuccessfulFetch: MetricNameDescriptor {
        named("last_successful_fetch_timestamp", unit: "seconds", "When a token fetch last succeeded, as a Unix timestamp.")
    }
    static var healthState: MetricNameDescriptor {
        named("health_state", unit: "", "The client's health verdict as a state set: 1 for the current state, 0 for the others.")
    }
    static var backoffActive: MetricNameDescriptor {
        named("backoff_active", unit: "", "1 while the client retries a failed fetch under exponential backoff, else 0.")
    }
    static var backoffNextRetry: MetricNameDescriptor {
        named("backoff_next_retry_timestamp", unit: "seconds", "When the next retry under backoff is due, as a Unix timestamp.")
    }
    static var retriesHalted: MetricNameDescriptor {
        named(
            "retries_halted", unit: "",
            "1 when the server rejected the client's credentials and automatic retries stopped until an operator acts, else 0.")
    }
    static var credentialExpiry: MetricNameDescriptor {
        named(
            "credential_expiry_timestamp", unit: "seconds",
            "When the client's credential of this kind (certificate, secret, assertion, key_certificate) ends, the "
                + "earliest of its kind, as a Unix timestamp.")
    }

    static var signingKeyRemoved: MetricNameDescriptor {
        named(
            "token_signing_key_removed", unit: "",
            "1 while the held token is signed by a key (kid) that an earlier fetch of the issuer's key set held and a later one does not, else 0."
        )
    }

    // Per client, counted from events.
    static var tokenFetches: MetricNameDescriptor {
        named("token_fetches", unit: "total", "Token requests finished, by reason, outcome and OAuth error code.")
    }
    static var resourceRequests: MetricNameDescriptor {
        named("resource_requests", unit: "total", "Calls of the client's resource-uri, by the class of the answer's status.")
    }
    static var signatureVerifications: MetricNameDescriptor {
        named("signature_verifications", unit: "total", "Access tokens checked against the issuer's key set, by verdict.")
    }
    static var introspections: MetricNameDescriptor {
        named(
            "introspections", unit: "total", "RFC 7662 introspections of the held token, by whether the server called it active.")
    }
    static var operatorActions: MetricNameDescriptor {
        named(
            "operator_actions", unit: "total", "Operator actions (refresh, introspect, revoke, pause, resume) and how they ended."
        )
    }

    // Per issuer.
    static var tokenFetchDuration: MetricNameDescriptor {
        named("token_fetch_duration", unit: "seconds", "How long token requests took, by issuer and outcome.")
    }
    static var resourceRequestDuration: MetricNameDescriptor {
        named(
            "resource_request_duration", unit: "seconds",
            "How long calls of the protected endpoints took, by the issuer of the token sent and the status class.")
    }
    static var signingKeyChanges: MetricNameDescriptor {
        named(
            "signing_key_changes", unit: "total",
            "How often a newly issued token was signed with a different key (kid) from the issuer's previous new token.")
    }
    static var rateLimitRemaining: MetricNameDescriptor {
        named(
            "rate_limit_remaining", unit: "",
            "Requests the token endpoint's rate limit leaves in its window, from its latest answer (shared by the issuer's clients)."
        )
    }
    static var rateLimitLimit: MetricNameDescriptor {
        named(
            "rate_limit_limit", unit: "", "Requests the token endpoint's rate limit allows in a window, from its latest answer.")
    }
    static var rateLimitReset: MetricNameDescriptor {
        named(
            "rate_limit_reset_timestamp", unit: "seconds",
            "When the token endpoint's rate-limit window starts afresh, as a Unix timestamp, from its latest answer.")
    }
    static var keySetKeys: MetricNameDescriptor {
        named("jwks_keys", unit: "", "How many keys the issuer's key set (JWKS) publishes, as last fetched.")
    }
    static var keySetChanges: MetricNameDescriptor {
        named(
            "jwks_key_changes", unit: "total",
            "Keys that appeared in (change=added) or left (change=removed) the issuer's key set between two fetches.")
    }

    // The process.
    static var buildInfo: MetricNameDescriptor {
        named("build_info", unit: "", "Always 1; the labels describe this tokentop build.")
    }
    static var clients: MetricNameDescriptor {
        named("clients", unit: "", "How many clients the configuration holds.")
    }
    static var logWriteErrors: MetricNameDescriptor {
        named(
            "log_write_errors", unit: "total",
            "Lines that could not be written to --log-file (file=log) or --events-file (file=events), and were dropped.")
    }

    /// Latency buckets from 5 ms to 30 s: a token endpoint answers in tens of milliseconds, a
    /// struggling one in seconds, and tokentop's own request deadline is 10 s by default.
    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30),
    ]
}
