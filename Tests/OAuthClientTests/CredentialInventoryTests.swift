import Crypto
import Foundation
import JWTKit
import ProtocolSupport
import Testing
import TokenConfig
import TokenModel
import X509

@testable import OAuthClient

/// What tokentop reads of a client's credentials that end: certificates (and their chains) from
/// the files as they are now, the secret's end from the configuration; and the thumbprints a
/// `private_key_jwt` assertion names its certificate by.
@Suite("The credentials behind a client")
struct CredentialInventoryTests {
    /// A leaf certificate ending in `leafDays` issued by an intermediate ending in `intermediateDays`,
    /// written leaf first to one PEM file, with the leaf's key in another.
    struct Chain {
        let folder: URL
        let certificateFile: String
        let keyFile: String
        let leafDER: [UInt8]

        init(leafDays: Double, intermediateDays: Double) throws {
            folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-inventory-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let now = Date()
            let intermediateKey = P256.Signing.PrivateKey()
            let intermediateName = try DistinguishedName { CommonName("tokentop issuing CA") }
            let intermediate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(intermediateDays * 86_400),
                issuer: intermediateName, subject: intermediateName, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) },
                issuerPrivateKey: .init(intermediateKey))
            let leafKey = P256.Signing.PrivateKey()
            let leaf = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(leafDays * 86_400),
                issuer: intermediateName,
                subject: try DistinguishedName {
                    OrganizationName("Example")
                    CommonName("signing-client")
                },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) },
                issuerPrivateKey: .init(intermediateKey))
            certificateFile = folder.appending(path: "chain.pem").path
            keyFile = folder.appending(path: "key.pem").path
            try (try leaf.serializeAsPEM().pemString + "\n" + intermediate.serializeAsPEM().pemString)
                .write(toFile: certificateFile, atomically: true, encoding: .utf8)
            try leafKey.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
            leafDER = try leaf.serializeAsPEM().derBytes
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test("the mTLS certificate by its CN and notAfter, and the chain's earliest end when an intermediate ends first")
    func certificateAndChain() throws {
        let chain = try Chain(leafDays: 90, intermediateDays: 10)
        defer { chain.remove() }
        let configuration = ClientConfiguration(
            name: "mtls", clientID: "mtls", authenticationMethod: .tlsClientAuth,
            tlsClientCertificateFile: chain.certificateFile, tlsClientKeyFile: chain.keyFile,
            clientSecretExpiresAt: Date(timeIntervalSince1970: 1_806_451_200))
        let found = CredentialInventory.credentials(of: configuration, assertion: nil)
        #expect(found.map(\.kind) == [.certificate, .certificate, .secret])
        #expect(found[0].subject == "CN=signing-client")
        #expect(abs(found[0].expiresAt.timeIntervalSinceNow - 90 * 86_400) < 60)
        #expect(found[1].subject == "CN=tokentop issuing CA")
        #expect(found[1].details == ["chain": "intermediate of CN=signing-client"])
        #expect(abs(found[1].expiresAt.timeIntervalSinceNow - 10 * 86_400) < 60)
        #expect(
            found[2] == CredentialExpiry(kind: .secret, subject: "mtls", expiresAt: Date(timeIntervalSince1970: 1_806_451_200)))
    }

    @Test("an intermediate that outlives the leaf adds nothing; an unreadable file adds nothing")
    func leafOnly() throws {
        let chain = try Chain(leafDays: 10, intermediateDays: 90)
        defer { chain.remove() }
        #expect(
            CredentialInventory.certificates(inFile: chain.certificateFile, kind: .keyCertificate).map(\.kind) == [
                .keyCertificate
            ])
        #expect(CredentialInventory.certificates(inFile: chain.keyFile, kind: .certificate).isEmpty)
        #expect(
            CredentialInventory.certificates(inFile: chain.folder.appending(path: "missing.pem").path, kind: .certificate).isEmpty
        )
    }

    @Test("a private_key_jwt assertion names its certificate by x5t#S256, and by x5t when asked; the key certificate counts down")
    func assertionThumbprints() async throws {
        let chain = try Chain(leafDays: 30, intermediateDays: 90)
        defer { chain.remove() }
        var configuration = ClientConfiguration(
            name: "signing", clientID: "signing", authenticationMethod: .privateKeyJWT, privateKeyFile: chain.keyFile,
            clientAssertionCertificateFile: chain.certificateFile)
        func header() async throws -> [String: Any] {
            let sent = try await ClientAuthenticator(configuration: configuration)
                .credentials(audiences: ["https://as.example/token"], now: Date())
            let assertion = try #require(sent.parameters.first { $0.0 == "client_assertion" }?.1)
            let part = try #require(Base64URL.decode(String(assertion.split(separator: ".")[0])))
            return try #require(try JSONSerialization.jsonObject(with: part) as? [String: Any])
        }
        let sha256 = Base64URL.encode(Data(SHA256.hash(data: Data(chain.leafDER))))
        var fields = try await header()
        #expect(fields["x5t#S256"] as? String == sha256)
        #expect(fields["x5t"] == nil)
        configuration.clientAssertionSHA1Thumbprint = true
        fields = try await header()
        #expect(fields["x5t"] as? String == Base64URL.encode(Data(Insecure.SHA1.hash(data: Data(chain.leafDER)))))
        #expect(CredentialInventory.credentials(of: configuration, assertion: nil).map(\.kind) == [.keyCertificate])
    }
}
