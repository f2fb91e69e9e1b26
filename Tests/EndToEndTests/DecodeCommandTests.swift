import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tokentop decode` against a running `tokentop demo-server`: where the key set comes from,
/// and what the output calls a failure.
@Suite("tokentop decode verifies as asked and says which part failed")
struct DecodeCommandTests {
    /// A demo server in its own process with the configuration it wrote, and a token of mod-client.
    struct Demo {
        var config: String
        var issuer: String
        var jwks: String
        var token: String
        var home: [String: String]
    }

    func withDemo(_ body: (Demo) async throws -> Void) async throws {
        let server = try await DemoServerProcess.start()
        let config = server.configPath
        let home = ["HOME": server.directory.path, "XDG_CONFIG_HOME": server.directory.path + "/config"]
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        let token = try await runTokentop(["token", "mod-client", "--config", config], environment: home)
        try #require(token.status == 0, "\(token.stderr)")
        try await body(
            Demo(
                config: config, issuer: String(try #require(yaml.firstMatch(of: /issuer-uri: "?([^"\s]+)"?/)?.1)),
                jwks: String(try #require(yaml.firstMatch(of: /jwk-set-uri: "?([^"\s]+)"?/)?.1)),
                token: token.stdout.trimmingCharacters(in: .whitespacesAndNewlines), home: home))
        try await server.stop()
    }

    @Test("--issuer without --jwks finds the key set in the issuer's metadata and verifies")
    func issuerDiscovery() async throws {
        try await withDemo { demo in
            let result = try await runTokentop(["decode", "--issuer", demo.issuer, demo.token], environment: demo.home)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("signature: verified: RS256 signature valid with key"))
            #expect(result.stdout.contains("claims: verified: time claims within the 1m leeway; iss is \"\(demo.issuer)\""))

            let json = try await runTokentop(["decode", "--json", "--issuer", demo.issuer, demo.token], environment: demo.home)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((object["signature"] as? [String: Any])?["status"] as? String == "verified")
            #expect((object["claims_verdict"] as? [String: Any])?["status"] as? String == "verified")
        }
    }

    @Test("--issuer whose metadata cannot be found is a failure that says so, never ignored; a non-URL issuer is a usage error")
    func issuerWithoutMetadata() async throws {
        try await withDemo { demo in
            let unreachable = try await runTokentop(
                ["decode", "--issuer", "http://127.0.0.1:1/nowhere", demo.token], environment: demo.home)
            #expect(unreachable.status == 1)
            #expect(
                unreachable.stdout.contains("signature: unverified: no key set: discovery from the issuer failed"),
                "\(unreachable.stdout)")
            #expect(!unreachable.stdout.contains("verified: RS256"))

            let notURL = try await runTokentop(["decode", "--issuer", "api://default", demo.token], environment: demo.home)
            #expect(notURL.status == 2)
            #expect(notURL.stderr.contains("--issuer api://default is not an http(s) URL to discover a key set from: add --jwks"))
        }
    }

    @Test("--client NAME with --config verifies with that client's key set, issuer and audience")
    func clientConfiguration() async throws {
        try await withDemo { demo in
            let result = try await runTokentop(
                ["decode", "--client", "mod-client", "--config", demo.config, demo.token], environment: demo.home)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("signature: verified"))
            #expect(result.stdout.contains("claims: verified"))
            #expect(result.stdout.contains("iss is \"\(demo.issuer)"))

            let unknown = try await runTokentop(
                ["decode", "--client", "nope", "--config", demo.config, demo.token], environment: demo.home)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("no client named \"nope\""))
            #expect(unknown.stderr.contains("mod-client"))
        }
    }

    @Test(
        "options that cannot apply are usage errors, not silently ignored",
        arguments: [
            (["--config", "/tmp/x.yaml"], "add --client"),
            (["--demo"], "add --client"),
            (["--client", "mod-client", "--jwks", "keys.json"], "leave out --jwks, --issuer and --audience"),
            (["--audience", "api://default"], "add --jwks URL|FILE or --issuer URL"),
        ])
    func conflictingOptions(arguments: [String], message: String) async throws {
        let result = try await runTokentop(["decode"] + arguments + ["e30.e30.x"], environment: [:])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test(
        "a failed claim is labelled as the claims' failure, under a signature that verified",
        arguments: [
            (["--issuer", "https://elsewhere.example"], "claims: failed: iss is "),
            (["--audience", "api://billing"], "claims: failed: aud "),
        ])
    func claimFailures(arguments: [String], expected: String) async throws {
        try await withDemo { demo in
            let result = try await runTokentop(
                ["decode", "--jwks", demo.jwks] + arguments + [demo.token], environment: demo.home)
            #expect(result.status == 1)
            #expect(result.stdout.contains("signature: verified: RS256 signature valid"), "\(result.stdout)")
            #expect(result.stdout.contains(expected), "\(result.stdout)")
            #expect(!result.stdout.contains("signature: failed"))
        }
    }

    /// A JWT with this header and payload and a signature nobody checks.
    static func jwt(_ header: String, _ payload: String) -> String {
        func part(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return part(header) + "." + part(payload) + ".c2ln"
    }

    @Test("without a key the claims are still judged: an unsigned token expired in 2020 is called out and not usable (exit 1)")
    func claimsWithoutKey() async throws {
        let stale = Self.jwt(#"{"alg":"none"}"#, #"{"sub":"x","exp":1577836800}"#)
        let result = try await runTokentop(["decode", stale], environment: [:])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("alg none: the token is unsigned"), "\(result.stdout)")
        #expect(result.stdout.contains("signature: unverified: no key set given"))
        #expect(result.stdout.contains(/claims: failed: expired \d+d\S* ago \(exp 2020-01-01T00:00:00Z\)/), "\(result.stdout)")
        let json = try await runTokentop(["decode", "--json", stale], environment: [:])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["claims_verdict"] as? [String: Any])?["status"] as? String == "failed")
        #expect((object["warning"] as? String)?.hasPrefix("alg none") == true)
        #expect(json.status == 1)

        // Signed and in date, but with no key to check it: usable as far as was checked (exit 0),
        // and the claims say they prove nothing on their own.
        let fresh = Self.jwt(#"{"alg":"RS256","kid":"k1"}"#, #"{"sub":"x","exp":4102444800}"#)
        let unchecked = try await runTokentop(["decode", fresh], environment: [:])
        #expect(unchecked.status == 0, "\(unchecked.stdout)")
        #expect(unchecked.stdout.contains("claims: unverified: time claims within the 1m leeway"), "\(unchecked.stdout)")
        #expect(!unchecked.stdout.contains("alg none"))
        // Unsigned, even in date, is never usable.
        let unsignedFresh = Self.jwt(#"{"alg":"none"}"#, #"{"sub":"x","exp":4102444800}"#)
        #expect(try await runTokentop(["decode", unsignedFresh], environment: [:]).status == 1)
    }

    @Test(
        "three dot-separated parts that are not a JWT are called not a JWT, with why; one part is opaque",
        arguments: [
            ("abc!.def.ghi", "format: not a JWT (its first part is not base64url)"),
            ("e30.!!!.sig", "format: not a JWT (its payload is not base64url)"),
            ("WyJ4Il0.e30.sig", "format: not a JWT (its first part is not a JSON object)"),
            ("opaque-token-value", "format: opaque (not a JWT)"),
        ])
    func notAJWT(token: String, expected: String) async throws {
        let result = try await runTokentop(["decode", token], environment: [:])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix(expected + "\n"), "\(result.stdout)")
        if token.contains(".") { #expect(!result.stdout.contains("opaque")) }
        let json = try await runTokentop(["decode", "--json", token], environment: [:])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == (token.contains(".") ? "not-jwt" : "opaque"))
    }
}
