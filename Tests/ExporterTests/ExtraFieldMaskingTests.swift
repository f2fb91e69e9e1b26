import Dashboard
import Foundation
import Testing
import TokenConfig
import TokenModel

/// A token endpoint that echoes the client's secret, the access token and a refresh token in
/// fields of its own: masked once, where the answer is accepted, so no front end shows them.
@Suite("Extra token-response fields are masked on every front end")
struct ExtraFieldMaskingTests {
    static let secret = "s3cret-the-server-echoes-back"
    static let accessToken = "opaque-access-token-0123456789abcdef"
    static let refreshToken = "rt-0123456789"
    static let answer = """
        {"access_token": "\(accessToken)", "token_type": "Bearer", "expires_in": 300,
         "client_secret_echo": "\(secret)", "echo_access_token": "\(accessToken)",
         "nested": {"refresh_token": "\(refreshToken)", "refresh_token_expires_in": 7200},
         "ext_expires_in": 300, "note": "plain words stay"}
        """
    static let clearValues = [secret, accessToken, refreshToken]

    @Test("the snapshot, the Token tab and its zoom, /api/v1/clients and check --json show the echoed credentials masked")
    func everyFrontEnd() async throws {
        try await withFixedTokenEndpoint(answering: Self.answer) { endpoint in
            let tokenURL = endpoint.url
            let client = ClientConfiguration(
                name: "echo-client", tokenURI: tokenURL, clientID: "echo-client", clientSecret: .inline(Self.secret),
                authenticationMethod: .clientSecretPost)
            try await withServe(clients: [client]) { serve in
                try await eventually("echo-client holds a token") {
                    await serve.manager.snapshot().clients.first?.token != nil
                }
                let snapshot = await serve.manager.snapshot()
                let fields = try #require(snapshot.clients.first?.token?.extraFields)
                #expect(fields["client_secret_echo"] == .string(Redaction.mask(Self.secret)))
                #expect(fields["echo_access_token"] == .string(Redaction.mask(Self.accessToken)))
                #expect(
                    fields["nested"]
                        == .object([
                            "refresh_token": .string(Redaction.mask(Self.refreshToken)),
                            "refresh_token_expires_in": .number(7200),
                        ]))
                #expect(fields["ext_expires_in"] == .number(300))
                #expect(fields["note"] == .string("plain words stay"))

                for zoomed in [false, true] {
                    var state = ViewState(selectedClient: "echo-client", tab: .token)
                    state.isZoomed = zoomed
                    let text = Renderer().render(
                        snapshot, state: state, size: TerminalSize(columns: 400, rows: 40), now: Date(),
                        context: ScreenContext(configurationPath: "tokentop.yaml", colorDepth: .monochrome, glyphs: .unicode)
                    ).text
                    #expect(text.contains("client_secret_echo=\(Redaction.mask(Self.secret))"), "zoomed: \(zoomed)\n\(text)")
                    Self.expectNoClearValue(in: text, "the Token tab (zoomed: \(zoomed))")
                }

                // serve answers from the snapshot it was last handed (at most 100 ms behind the manager).
                try await eventually("the listing shows the token") {
                    (try? await HTTP.get(serve.url("api/v1/clients")))?.text.contains(Redaction.mask(Self.secret)) == true
                }
                let listing = try await HTTP.get(serve.url("api/v1/clients"))
                #expect(listing.status == 200)
                #expect(listing.text.contains(Redaction.mask(Self.secret)))
                Self.expectNoClearValue(in: listing.text, "/api/v1/clients")
            }

            let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-echo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appending(path: "tokentop.yaml")
            try """
            clients:
              echo-client:
                token-uri: \(tokenURL.absoluteString)
                client-id: echo-client
                client-secret: \(Self.secret)
                client-authentication-method: client_secret_post
            """.write(to: configuration, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
            for arguments in [["check", "--json"], ["check", "--json", "--deep"]] {
                let check = try await Tools.run(try Binary.tokentop().path, arguments + ["--config", configuration.path])
                #expect(check.output.contains("echo-client"), "\(check)")
                Self.expectNoClearValue(in: check.output, arguments.joined(separator: " "))
            }
        }
    }

    static func expectNoClearValue(in text: String, _ place: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for value in clearValues {
            #expect(!text.contains(value), "\(place) shows \(Redaction.mask(value)) in clear", sourceLocation: sourceLocation)
        }
    }
}
