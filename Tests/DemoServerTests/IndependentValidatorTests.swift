import DemoServer
import Foundation
import ProtocolSupport
import Testing
import TokenModel

/// The demo's metadata, tokens, introspection answers and challenges, checked by Python
/// implementations nobody on this project wrote (Authlib, joserfc, Werkzeug), through
/// `Validators/validate.py` in the venv `.ci/run` makes at `.build/pyvenv`.
@Suite("Independent validators accept what the demo serves")
struct IndependentValidatorTests {
    @Test("RFC 8414 metadata passes Authlib's validation, at both locations")
    func metadata() async throws {
        try await withDemo { demo in
            for url in [demo.endpoints.metadataURL, demo.endpoints.issuerMetadataURL] {
                let result = try await Validator.run(["metadata", url.absoluteString, "--issuer", demo.issuer.absoluteString])
                #expect(result.passed, "\(url): \(result.output)")
            }
            // The validator does refuse what strict validators refuse: the old empty response types.
            var document = try await HTTP.get(demo.endpoints.metadataURL).json
            document["response_types_supported"] = [String]()
            let empty = try await Validator.run(["metadata", "-"], input: try JSONSerialization.data(withJSONObject: document))
            #expect(!empty.passed)
            #expect(empty.output.contains("response_types_supported"))
            document["response_types_supported"] = ["none"]
            document["introspection_endpoint_auth_signing_alg_values_supported"] = nil
            let missingAlgorithms = try await Validator.run(
                ["metadata", "-"], input: try JSONSerialization.data(withJSONObject: document))
            #expect(!missingAlgorithms.passed)
            #expect(missingAlgorithms.output.contains("introspection_endpoint_auth_signing_alg_values_supported"))
        }
    }

    @Test("access tokens pass joserfc's RFC 9068 checks against the published JWKS; a tampered one does not")
    func accessTokens() async throws {
        try await withDemo { demo in
            let arguments = [
                "access-token", "--jwks", demo.jwksURI.absoluteString, "--issuer", demo.issuer.absoluteString,
                "--audience", demo.audience,
            ]
            for name in ["mod-client", "no-mod-scope", "post-client"] {
                let token = try await demo.token(for: name)
                let result = try await Validator.run(arguments, input: Data(token.utf8))
                #expect(result.passed, "\(name): \(result.output)")
            }
            let token = try await demo.token(for: "mod-client")
            var parts = token.split(separator: ".").map(String.init)
            parts[1] = Base64URL.encode(Data(#"{"iss":"x","sub":"y"}"#.utf8))
            let tampered = try await Validator.run(arguments, input: Data(parts.joined(separator: ".").utf8))
            #expect(!tampered.passed)
            let otherAudience = try await Validator.run(
                Array(arguments.dropLast()) + ["api://other"], input: Data(token.utf8))
            #expect(!otherAudience.passed)
        }
    }

    @Test("introspection answers have the RFC 7662 shape, active and inactive")
    func introspection() async throws {
        try await withDemo { demo in
            let token = try await demo.token(for: "mod-client")
            let active = try await demo.introspect(token)
            #expect(active.json["active"] as? Bool == true)
            let activeResult = try await Validator.run(["introspection"], input: active.body)
            #expect(activeResult.passed, "\(activeResult.output)")
            let inactive = try await demo.introspect("unknown-token")
            let inactiveResult = try await Validator.run(["introspection"], input: inactive.body)
            #expect(inactiveResult.passed, "\(inactiveResult.output)")
            #expect(!(try await Validator.run(["introspection"], input: Data(#"{"active":"yes"}"#.utf8))).passed)
        }
    }

    @Test("every RFC 6750 challenge /mod sends is well-formed", arguments: TokenValidationMode.allCases)
    func challenges(mode: TokenValidationMode) async throws {
        try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
            let noScope = try await demo.token(for: "no-mod-scope")
            let answers = [
                try await HTTP.get(demo.resourceURL),
                try await HTTP.send(demo.resourceURL, headers: [("Authorization", "Bearer ")]),
                try await HTTP.get(demo.resourceURL, bearer: "garbage"),
                try await HTTP.get(demo.resourceURL, bearer: noScope),
            ]
            #expect(answers.map(\.status) == [401, 400, 401, 403])
            for answer in answers {
                let header = try #require(answer.header("WWW-Authenticate"))
                let result = try await Validator.run(["challenge", header])
                #expect(result.passed, "\(header): \(result.output)")
            }
        }
        #expect(!(try await Validator.run(["challenge", #"Bearer error="bad code""#])).passed)
        #expect(!(try await Validator.run(["challenge", #"Bearer realm="a", realm="b""#])).passed)
    }
}

/// Runs `validate.py` with the project's venv.
enum Validator {
    struct Result {
        let passed: Bool
        let output: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = packageRoot.appending(path: ".build/pyvenv/bin/python")
    static let script = packageRoot.appending(path: "Tests/DemoServerTests/Validators/validate.py")

    struct MissingVenv: Error, CustomStringConvertible {
        var description: String {
            "the Python venv with the independent validators is missing at \(Validator.python.path): run .ci/run, or "
                + "python3 -m venv .build/pyvenv && .build/pyvenv/bin/pip install -r Tests/DemoServerTests/Validators/requirements.txt"
        }
    }

    /// Runs the script on a thread of its own: waiting for it on the cooperative pool could starve
    /// the demo server it is asking.
    static func run(_ arguments: [String], input: Data = Data()) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try blockingRun(arguments, input: input) })
            }
        }
    }

    private static func blockingRun(_ arguments: [String], input: Data) throws -> Validator.Result {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { throw MissingVenv() }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path] + arguments
        let stdin = Pipe()
        let output = FileManager.default.temporaryDirectory.appending(path: "validate-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        process.standardInput = stdin
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return Result(passed: process.terminationStatus == 0, output: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
