import DemoServer
import Foundation
import Testing

@Suite("Interoperability with plain curl, as the classic tutorial drives the servers")
struct CurlInteropTests {
    /// Runs /usr/bin/curl and answers its stdout; `-w` can append the status.
    private func curl(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["--silent", "--show-error", "--max-time", "20"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read before waiting, so a full pipe cannot stall curl; on a Dispatch thread, since a blocked
        // thread of the (two-thread, on two cores) cooperative pool would starve the demo servers
        // that curl is waiting for.
        let data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: output.fileHandleForReading.readDataToEndOfFile()) }
        }
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(
        "curl -u id:secret gets a token, /mod answers with it, and /mod without a token is 401",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func tutorial() async throws {
        try await withDemo { demo in
            let client = demo.client("mod-client")
            let tokenJSON = try await curl([
                "-u", "\(client.clientID):\(client.secret!)",
                "-d", "grant_type=client_credentials", "-d", "scope=custom_mod",
                demo.tokenEndpoint.absoluteString,
            ])
            let object = try JSONSerialization.jsonObject(with: Data(tokenJSON.utf8)) as? [String: Any]
            let token = try #require(object?["access_token"] as? String)
            #expect(object?["token_type"] as? String == "Bearer")

            let mod = try await curl(["-H", "Authorization: Bearer \(token)", demo.resourceURL.absoluteString])
            #expect(mod == "The message of the day is boring for user: mod-client")

            let anonymous = try await curl(["-o", "/dev/null", "-w", "%{http_code}", demo.resourceURL.absoluteString])
            #expect(anonymous == "401")

            let wrong = try await curl([
                "-u", "\(client.clientID):wrong", "-d", "grant_type=client_credentials",
                "-w", "\n%{http_code}", demo.tokenEndpoint.absoluteString,
            ])
            #expect(wrong.hasSuffix("\n401"))
            #expect(wrong.contains("\"error\":\"invalid_client\""))
        }
    }

    @Test(
        "curl with mtls-client's certificate and the demo CA gets a bound token and calls /mod over mutual TLS",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func mutualTLS() async throws {
        let options = DemoServerOptions(clients: [DemoClientSpec.mtlsClient], tls: true)
        try await withDemo(options) { demo in
            let files = try #require(demo.tlsFiles)
            let own = try #require(files.clients["mtls-client"])
            let tls = ["--cacert", files.certificateAuthority, "--cert", own.certificate, "--key", own.key]
            let tokenJSON = try await curl(
                tls + [
                    "-d", "grant_type=client_credentials", "-d", "client_id=mtls-client",
                    try #require(demo.endpoints.mtlsTokenEndpoint).absoluteString,
                ])
            let object = try JSONSerialization.jsonObject(with: Data(tokenJSON.utf8)) as? [String: Any]
            let token = try #require(object?["access_token"] as? String, "\(tokenJSON)")
            #expect((jwtParts(token).claims["cnf"] as? [String: Any])?["x5t#S256"] is String)

            let mod = try await curl(
                tls + ["-H", "Authorization: Bearer \(token)", try #require(demo.endpoints.mtlsResourceURL).absoluteString])
            #expect(mod == "The message of the day is boring for user: mtls-client")

            // Without the certificate, curl still completes the handshake; /mod refuses the bound token.
            let withoutCertificate = try await curl([
                "--cacert", files.certificateAuthority, "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Authorization: Bearer \(token)", try #require(demo.endpoints.mtlsResourceURL).absoluteString,
            ])
            #expect(withoutCertificate == "401")
        }
    }
}
