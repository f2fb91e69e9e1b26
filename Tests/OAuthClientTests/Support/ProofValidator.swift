import Foundation

/// Runs `Validators/check_dpop_proof.py` (joserfc, in the venv `.ci/run` makes at `.build/pyvenv`)
/// on a proof tokentop made: an implementation nobody here wrote judges it.
enum ProofValidator {
    struct Result {
        let passed: Bool
        let output: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appending(path: ".build/pyvenv/bin/python")
    static let script = packageRoot.appending(path: "Tests/OAuthClientTests/Validators/check_dpop_proof.py")

    struct MissingVenv: Error, CustomStringConvertible {
        var description: String {
            "the Python venv with joserfc is missing at \(ProofValidator.python.path): run .ci/run, or "
                + "python3 -m venv .build/pyvenv && .build/pyvenv/bin/pip install -r Tests/DemoServerTests/Validators/requirements.txt"
        }
    }

    /// Checks `proof` for a `method` request to `url`, with `ath` of `accessToken` and `nonce` when given.
    static func check(_ proof: String, method: String, url: String, accessToken: String? = nil, nonce: String? = nil) async throws
        -> Result
    {
        var request: [String: String] = ["proof": proof, "htm": method, "htu": url]
        request["access_token"] = accessToken
        request["nonce"] = nonce
        let input = try JSONSerialization.data(withJSONObject: request)
        // On a thread of its own: waiting on the cooperative pool could starve the servers under test.
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try run(input) })
            }
        }
    }

    private static func run(_ input: Data) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { throw MissingVenv() }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            passed: process.terminationStatus == 0,
            output: String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
