import DemoServer
import Foundation
import Testing

@Suite("Bad input gets the right RFC error, never a crash or a 500")
struct BadInputTests {
    @Test("malformed, oversized and mistyped token requests")
    func malformedRequests() async throws {
        try await withDemo { demo in
            let client = demo.client("mod-client")
            let basic = ("Authorization", HTTP.basicHeader(id: client.clientID, secret: client.secret!))
            let form = ("Content-Type", "application/x-www-form-urlencoded")
            let cases: [(name: String, headers: [(String, String)], body: Data, status: Int, error: String?)] = [
                (
                    "JSON content type", [basic, ("Content-Type", "application/json")],
                    Data(#"{"grant_type":"client_credentials"}"#.utf8), 400, "invalid_request"
                ),
                ("no content type", [basic], Data("grant_type=client_credentials".utf8), 400, "invalid_request"),
                (
                    "oversized body", [basic, form],
                    Data(("grant_type=client_credentials&pad=" + String(repeating: "a", count: 70_000)).utf8), 413,
                    "invalid_request"
                ),
                (
                    "oversized body of the wrong type", [basic, ("Content-Type", "text/plain")],
                    Data(String(repeating: "b", count: 200_000).utf8), 413, "invalid_request"
                ),
                ("broken percent-encoding", [basic, form], Data("grant_type=client%ZZcredentials".utf8), 400, "invalid_request"),
                (
                    "a parameter twice", [basic, form],
                    Data("grant_type=client_credentials&grant_type=client_credentials".utf8), 400, "invalid_request"
                ),
                ("not UTF-8", [basic, form], Data([0x67, 0x3D, 0xFF, 0xFE, 0x80]), 400, "invalid_request"),
                (
                    "two authentication methods", [basic, form],
                    Data("grant_type=client_credentials&client_id=mod-client&client_secret=x".utf8), 400, "invalid_request"
                ),
                ("no authentication", [form], Data("grant_type=client_credentials".utf8), 401, "invalid_client"),
                (
                    "garbage Basic credentials", [("Authorization", "Basic %%%not-base64"), form],
                    Data("grant_type=client_credentials".utf8), 401, "invalid_client"
                ),
                (
                    "Basic without a colon", [("Authorization", "Basic " + Data("justanid".utf8).base64EncodedString()), form],
                    Data("grant_type=client_credentials".utf8), 401, "invalid_client"
                ),
                ("empty body", [basic, form], Data(), 400, "invalid_request"),
                (
                    "a scope with a quote", [basic, form], Data("grant_type=client_credentials&scope=%22".utf8), 400,
                    "invalid_scope"
                ),
            ]
            for testCase in cases {
                let answer = try await HTTP.send(demo.tokenEndpoint, post: true, headers: testCase.headers, body: testCase.body)
                #expect(answer.status == testCase.status, "\(testCase.name): \(answer.text)")
                #expect(answer.error == testCase.error, "\(testCase.name)")
                #expect(answer.header("Cache-Control") == "no-store", "\(testCase.name)")
            }
            // The server is still healthy after all of that.
            let token = try await demo.token(for: "mod-client")
            #expect(!token.isEmpty)
        }
    }

    @Test("the wrong method answers 405 with Allow; an unknown path 404")
    func wrongMethods() async throws {
        try await withDemo { demo in
            for url in [demo.tokenEndpoint, demo.introspectionEndpoint, demo.revocationEndpoint] {
                for method in ["GET", "PUT", "DELETE"] {
                    let answer = try await HTTP.send(url, method: method)
                    #expect(answer.status == 405, "\(method) \(url)")
                    #expect(answer.header("Allow") == "POST", "\(method) \(url)")
                    #expect(answer.error == "invalid_request", "\(method) \(url)")
                }
            }
            let unknown = try await HTTP.get(demo.issuer.appending(path: "v1/nothing"))
            #expect(unknown.status == 404)
            let modPost = try await HTTP.send(demo.resourceURL, post: true, body: Data("x".utf8))
            #expect(modPost.status == 405)
            #expect(modPost.header("Allow") == "GET, HEAD")
            let keysPost = try await HTTP.send(demo.jwksURI, post: true, body: Data("x".utf8))
            #expect(keysPost.status == 405)
            #expect(keysPost.header("Allow") == "GET, HEAD")
        }
    }

    @Test("introspection and revocation refuse bad bodies with RFC errors too")
    func introspectionBadInput() async throws {
        try await withDemo { demo in
            let resourceServer = demo.resourceServerClient
            let credentials = (resourceServer.clientID, resourceServer.secret!)
            for endpoint in [demo.introspectionEndpoint, demo.revocationEndpoint] {
                let noToken = try await HTTP.postForm(endpoint, [("token_type_hint", "access_token")], basic: credentials)
                #expect(noToken.status == 400)
                #expect(noToken.error == "invalid_request")
                let oversized = try await HTTP.postForm(
                    endpoint, [("token", String(repeating: "x", count: 100_000))], basic: credentials)
                #expect(oversized.status == 413)
                let json = try await HTTP.send(
                    endpoint, post: true,
                    headers: [
                        ("Content-Type", "application/json"),
                        ("Authorization", HTTP.basicHeader(id: credentials.0, secret: credentials.1)),
                    ],
                    body: Data("{}".utf8))
                #expect(json.status == 400)
                #expect(json.error == "invalid_request")
            }
        }
    }
}
