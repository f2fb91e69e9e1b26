import Foundation

/// A CA, and the server certificate for 127.0.0.1 and client certificates of every key type
/// mutual TLS may meet that it issues, made with `openssl` in a folder of their own for one test. swift-crypto makes
/// neither Ed448 nor X25519 keys, so the CLI makes them all, one way.
public struct CertificateFiles: Sendable {
    /// The key types a client certificate may hold.
    public enum KeyType: String, CaseIterable, Sendable, CustomStringConvertible {
        case rsa, p256, p384, p521, ed25519, ed448, x25519

        public var description: String { rawValue }

        /// The types the TLS library can present in mutual TLS.
        public var isUsableForMutualTLS: Bool {
            switch self {
            case .rsa, .p256, .p384, .p521: true
            case .ed25519, .ed448, .x25519: false
            }
        }

        fileprivate var keyOptions: [String] {
            switch self {
            case .rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            case .p256: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            case .p384: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
            case .p521: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]
            case .ed25519: ["-algorithm", "ED25519"]
            case .ed448: ["-algorithm", "ED448"]
            case .x25519: ["-algorithm", "X25519"]
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let folder: URL
    /// The CA's certificate: trust it to accept the server and the clients.
    public let caFile: String

    /// Makes the CA; `server()` and `client(_:)` make the certificates it issues.
    public init() async throws {
        folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-certificates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        caFile = folder.appending(path: "ca.pem").path
        do {
            let caKey = try await Self.key(.p256, in: folder, named: "ca-key.pem")
            try await Self.openssl([
                "req", "-x509", "-new", "-key", caKey, "-subj", "/CN=tokentop test CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
                "-out", caFile,
            ])
        } catch {
            remove()
            throw error
        }
    }

    /// A certificate for 127.0.0.1 (EC P-256) issued by the CA: the files' paths.
    public func server() async throws -> (certificateFile: String, keyFile: String) {
        let key = try await Self.key(.p256, in: folder, named: "server-key.pem")
        let certificate = folder.appending(path: "server.pem").path
        try await issue(
            key: key, name: "127.0.0.1", to: certificate,
            extensions: "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        return (certificate, key)
    }

    /// A client certificate with a new key of `type`, issued by the CA: the files' paths.
    public func client(_ type: KeyType) async throws -> (certificateFile: String, keyFile: String) {
        let key = try await Self.key(type, in: folder, named: "client-\(type)-key.pem")
        let certificate = folder.appending(path: "client-\(type).pem").path
        try await issue(
            key: key, name: "client-\(type)", to: certificate,
            extensions: "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n")
        return (certificate, key)
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }

    /// `x509 -new -force_pubkey`: the subject's key need not sign (X25519 cannot), the CA signs.
    private func issue(key: String, name: String, to certificate: String, extensions: String) async throws {
        let publicKey = certificate + ".pub"
        let extensionFile = certificate + ".ext"
        try Data(extensions.utf8).write(to: URL(fileURLWithPath: extensionFile))
        try await Self.openssl(["pkey", "-in", key, "-pubout", "-out", publicKey])
        try await Self.openssl([
            "x509", "-new", "-force_pubkey", publicKey, "-subj", "/CN=\(name)", "-CA", caFile,
            "-CAkey", folder.appending(path: "ca-key.pem").path, "-days", "2", "-extfile", extensionFile, "-out", certificate,
        ])
    }

    private static func key(_ type: KeyType, in folder: URL, named name: String) async throws -> String {
        let path = folder.appending(path: name).path
        try await openssl(["genpkey"] + type.keyOptions + ["-out", path])
        return path
    }

    /// Runs `openssl` with `arguments`, for at most 60 seconds, waiting on a thread of its own: a
    /// blocked thread of the cooperative pool (two threads on two cores) would starve the servers
    /// the tests running alongside are talking to.
    private static func openssl(_ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread { continuation.resume(with: Result { try blockingOpenSSL(arguments) }) }
        }
    }

    private static func blockingOpenSSL(_ arguments: [String]) throws {
        guard
            let executable = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw Failure(description: "openssl is not installed (apt-get install openssl)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) took over 60 s")
        }
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
