import ArgumentParser
import Foundation
import OAuthClient
import TokenModel

/// `tokentop check`: one health check of every client, for cron and CI.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Fetch a token for each client, verify or introspect it, and call its resource-uri once.",
        discussion: """
            Exit status: 0 when every client is healthy, 1 when any failed, 2 on a configuration or usage error \
            (including a client whose secret file or key cannot be read).
            """)

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(help: "Introspect JWT access tokens too (opaque tokens are always introspected).")
    var introspect = false

    @Argument(help: "The clients to check (default: all).")
    var names: [String] = []

    func run() async throws {
        let context = try await AppContext.make(options)
        let results: [ClientCheck]
        do {
            let clients = try context.selectedClients(names)
            results = await withTaskGroup(of: (Int, ClientCheck).self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask { (index, await ClientCheck.run(client, introspect: introspect)) }
                }
                var collected: [(Int, ClientCheck)] = []
                for await result in group { collected.append(result) }
                return collected.sorted { $0.0 < $1.0 }.map(\.1)
            }
        } catch {
            await context.shutdown()
            throw error
        }
        await context.shutdown()

        if json {
            print(JSONValue.object(["clients": .array(results.map(\.json))]).prettyText)
        } else {
            print(CheckTable.render(results, now: Date()))
        }
        // A client that cannot even be tried (an unreadable secret file or key) is a configuration error.
        if results.contains(where: { $0.problem?.code == "configuration_error" }) { throw ExitCode(2) }
        if results.contains(where: { !$0.healthy }) { throw ExitCode(1) }
    }
}

/// The outcome of checking one client.
struct ClientCheck: Sendable {
    var name: String
    var token: IssuedToken?
    var verdict: SignatureVerdict?
    var introspection: IntrospectionResult?
    var resource: ResourceResponse?
    var problem: (code: String, description: String, httpStatus: Int?)?

    var healthy: Bool { problem == nil }

    static func run(_ client: AuthorizationClient, introspect alwaysIntrospect: Bool) async -> ClientCheck {
        let configuration = client.configuration
        var check = ClientCheck(name: configuration.name)
        let token: IssuedToken
        do {
            token = try await client.requestToken()
        } catch {
            check.problem = (error.code, error.description, error.httpStatus)
            return check
        }
        check.token = token
        if token.decoded.format == .jwt {
            let verdict = await client.verify(token.accessToken)
            check.verdict = verdict
            if verdict.status == .failed {
                check.problem = ("signature_failed", verdict.reason, nil)
            }
        }
        if token.decoded.format == .opaque || alwaysIntrospect {
            do {
                let result = try await client.introspect(token.accessToken)
                check.introspection = result
                if !result.active, check.problem == nil {
                    check.problem = ("inactive_token", "introspection says the new token is not active", nil)
                }
            } catch {
                // An opaque token with no introspection endpoint is not a failure of the client.
                if error.code != "configuration_error", check.problem == nil {
                    check.problem = (error.code, "introspection: \(error.description)", error.httpStatus)
                }
            }
        }
        if let response = await client.callResource(token.accessToken) {
            check.resource = response
            if !response.isSuccess, check.problem == nil {
                let status = response.status.map { "HTTP \($0)" } ?? "no answer"
                var detail = response.failure ?? response.wwwAuthenticate ?? String(response.bodyExcerpt.prefix(120))
                if detail.isEmpty { detail = "empty body" }
                check.problem = (
                    "resource_error",
                    "\(configuration.resourceURI.map { HTTPTransport.describe($0) } ?? "resource") answered \(status): \(detail)",
                    response.status
                )
            }
        }
        return check
    }

    /// The `check --json` shape documented in README.md; absent parts are left out.
    var json: JSONValue {
        var object: [String: JSONValue] = ["name": .string(name), "status": .string(healthy ? "ok" : "error")]
        if let token {
            var tokenObject: [String: JSONValue] = [
                "format": .string(token.decoded.format.rawValue),
                "scope": .string(token.scopes.joined(separator: " ")),
            ]
            if let expiresAt = token.expiresAt {
                tokenObject["expires_at"] = .string(ISO8601DateFormatter().string(from: expiresAt))
                tokenObject["expires_in"] = .number(max(0, expiresAt.timeIntervalSinceNow.rounded()))
            }
            if token.decoded.format == .jwt {
                tokenObject["header"] = .object(token.decoded.header)
                tokenObject["claims"] = .object(token.decoded.claims)
            }
            let verdict =
                verdict ?? SignatureVerdict(.unverified, "opaque token: it can only be introspected")
            tokenObject["signature"] = .object(["status": .string(verdict.status.rawValue), "reason": .string(verdict.reason)])
            object["token"] = .object(tokenObject)
        }
        if let introspection {
            object["introspection"] = .object(introspection.fields)
        }
        if let resource {
            var resourceObject: [String: JSONValue] = [
                "latency_ms": .number((resource.latency.timeInterval * 1000).rounded()),
                "body": .string(resource.bodyExcerpt),
            ]
            if let status = resource.status { resourceObject["status"] = .number(Double(status)) }
            if let failure = resource.failure { resourceObject["error"] = .string(failure) }
            object["resource"] = .object(resourceObject)
        }
        if let problem {
            var errorObject: [String: JSONValue] = [
                "code": .string(problem.code), "description": .string(problem.description),
            ]
            if let status = problem.httpStatus { errorObject["http_status"] = .number(Double(status)) }
            object["error"] = .object(errorObject)
        }
        return .object(object)
    }
}

/// The table `check` prints for people.
enum CheckTable {
    static func render(_ results: [ClientCheck], now: Date) -> String {
        let header = ["CLIENT", "STATUS", "TOKEN", "EXPIRES IN", "SIGNATURE", "RESOURCE", "DETAIL"]
        var rows: [[String]] = []
        for result in results {
            let expires = result.token?.expiresAt.map { TimeText.relative($0, now: now) } ?? "-"
            let signature = result.verdict?.status.rawValue ?? (result.token == nil ? "-" : "opaque")
            let resource: String
            if let response = result.resource {
                resource = (response.status.map(String.init) ?? "none") + " " + response.latency.formattedSeconds
            } else {
                resource = "-"
            }
            let detail = result.problem?.description ?? result.resource.map { String($0.bodyExcerpt.prefix(60)) } ?? ""
            rows.append([
                result.name, result.healthy ? "✔ ok" : "✘ error", result.token?.masked ?? "-", expires, signature,
                resource, detail,
            ].map { TerminalText.sanitize($0) })
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
