// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "tokentop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokentop", targets: ["tokentop"]),
        .executable(name: "tokentop-front", targets: ["tokentop-front"]),
        .library(name: "ProtocolSupport", targets: ["ProtocolSupport"]),
        .library(name: "TokenModel", targets: ["TokenModel"]),
        .library(name: "JOSESupport", targets: ["JOSESupport"]),
        .library(name: "TokenConfig", targets: ["TokenConfig"]),
        .library(name: "OAuthClient", targets: ["OAuthClient"]),
        .library(name: "TokenLifecycle", targets: ["TokenLifecycle"]),
        .library(name: "DemoServer", targets: ["DemoServer"]),
        .library(name: "Dashboard", targets: ["Dashboard"]),
        .library(name: "TokenCache", targets: ["TokenCache"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // For generating RSA keys (the demo server's signing keys, test keys); jwt-kit uses it too.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // AsyncHTTPClient's own foundations, named for TLS trust roots, deadlines and headers.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // HTTP parts in swift-http-types' shapes, for the demo's Date-header channel handler (Hummingbird uses it too).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // tokentop serve's /metrics, in the Prometheus text format.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Certificates (RFC 8705 mTLS): the client reads and checks its own; the demo makes a CA,
        // server and client certificates at start.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Runs client-secret-command (it stops reading when the shell exits, even if a child holds the
        // pipe); the exporter's tests run promtool, prometheus and the tokentop binary with it.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        // ncursesw, imported through a shim for the macros and globals Swift cannot see.
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        // The protocol utilities, below the model: base64url, form encoding, Basic credentials,
        // the Authorization header with its constant-time comparison, HTTP dates, loopback.
        .target(name: "ProtocolSupport"),
        // The values every front end reads (snapshots, verdicts, errors) and the one copy of each
        // shared display primitive (durations, time text, terminal sanitising).
        .target(name: "TokenModel", dependencies: ["ProtocolSupport"]),
        // The JOSE pieces both the client and the demo servers need, once: the cached key set
        // (JWKS) and its refetch rule, RFC 7638 thumbprints, `ath`.
        .target(
            name: "JOSESupport",
            dependencies: [
                "ProtocolSupport",
                "TokenModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]),
        // The YAML configuration: parsing, ${VAR} expansion, validation with file:line:key errors.
        .target(
            name: "TokenConfig",
            dependencies: [
                "ProtocolSupport",
                "TokenModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                // To read a client certificate's key type at its line (swift-certificates builds on it).
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        // Everything that talks to an authorization server, plus JWT/JWKS verification.
        .target(
            name: "OAuthClient",
            dependencies: [
                "ProtocolSupport",
                "TokenModel", "TokenConfig", "JOSESupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The per-client token lifecycle, resource probing, and the snapshots front ends draw.
        .target(
            name: "TokenLifecycle",
            dependencies: [
                "TokenModel", "OAuthClient", "TokenConfig",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // What keeps a client from holding a tokentop HTTP listener's connections (idle and
        // header-read timeout, a bound on connections), for the demo servers and serve alike.
        .target(
            name: "ServerLimits",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // The embedded authorization server and /mod resource server.
        .target(
            name: "DemoServer",
            dependencies: [
                "ProtocolSupport",
                "TokenModel", "TokenConfig", "JOSESupport", "ServerLimits",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        // The token cache processes share (`token`, `exec`, `git`, and the dashboard's write-through):
        // its key, its files (flock, atomic rename, owner and mode checks), their listing, and the keyring.
        .target(
            name: "TokenCache",
            dependencies: [
                "TokenModel", "TokenConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                // secret-tool, for tokens kept in the desktop keyring (`cache-encryption: keyring`).
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]),
        // Spring Boot application.yml / .properties read as Spring reads them, mapped to clients.
        .target(
            name: "SpringConfig",
            dependencies: [
                "TokenModel", "TokenConfig",
                .product(name: "Yams", package: "Yams"),
            ]),
        // The pure dashboard: view state, layout, rendering to a cell grid, themes. No terminal.
        // The standard themes (top-level themes/*.yaml) are compiled in, so a copied binary has them.
        .target(
            name: "Dashboard",
            dependencies: [
                "TokenModel",
                .product(name: "Yams", package: "Yams"),
            ], plugins: ["EmbedThemes"]),
        .plugin(name: "EmbedThemes", capability: .buildTool(), dependencies: ["embed-themes"]),
        // The EmbedThemes plugin's tool: theme files in, Swift string literals out. Foundation only.
        .executableTarget(name: "embed-themes"),
        // tokentop serve: the metrics, the HTTP API over the manager's snapshots and events, and the one
        // document type that check --json, /api/v1/clients and --attach share.
        .target(
            name: "MetricsExporter",
            dependencies: [
                "ProtocolSupport",
                "TokenModel", "TokenConfig", "ServerLimits",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The thin ncurses driver: writes changed cells, reads keys, restores the terminal.
        .target(name: "TerminalDriver", dependencies: ["CNcurses", "Dashboard", "TokenModel"]),
        // The subcommands; the executable is only their entry point.
        .target(
            name: "TokentopCommands",
            dependencies: [
                "ProtocolSupport",
                "TokenModel", "TokenConfig", "OAuthClient", "TokenLifecycle", "DemoServer", "Dashboard", "TerminalDriver",
                "SpringConfig", "JOSESupport", "MetricsExporter", "TokenCache", "TokenHandout",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "tokentop", dependencies: ["TokentopCommands"]),
        // How a token is handed to another program (the output formats), and the front that answers
        // `tokentop token` from the cache without starting the full program; `make install` installs
        // the front as bin/tokentop and the full program beside it in libexec.
        .target(name: "TokenHandout", dependencies: ["TokenModel", "TokenConfig", "TokenCache"]),
        .executableTarget(name: "tokentop-front", dependencies: ["TokenHandout", "TokenModel"]),
        // Every reader of outside input as a fuzz target with its properties; `swift test` replays
        // Tests/FuzzCorpus through them, `make fuzz` drives them with libFuzzer (tokentop-fuzz).
        .target(
            name: "FuzzTargets",
            dependencies: [
                "ProtocolSupport",
                "TokenModel", "JOSESupport", "TokenConfig", "OAuthClient", "SpringConfig", "MetricsExporter", "Dashboard",
                "DemoServer",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(name: "tokentop-fuzz", dependencies: ["FuzzTargets"]),
        // README's terminal pictures: fixed fixtures drawn by the real renderer; `make captures` writes them.
        .target(name: "DashboardCaptures", dependencies: ["Dashboard", "TokenModel"]),
        .executableTarget(name: "tokentop-captures", dependencies: ["DashboardCaptures"]),
        // Test doubles (a clock that moves when told) and hostile inputs; not a product, never shipped.
        .target(name: "TokenTesting", dependencies: ["ProtocolSupport", "TokenModel"]),

        .testTarget(name: "TokenModelTests", dependencies: ["ProtocolSupport", "TokenModel"]),
        .testTarget(
            name: "TokenConfigTests", dependencies: ["TokenConfig", "TokenModel", "TokenTesting"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "OAuthClientTests",
            dependencies: [
                "ProtocolSupport",
                "OAuthClient", "TokenModel", "DemoServer", "JOSESupport", "TokenTesting",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ], exclude: ["Validators"]),
        .testTarget(name: "TokenManagerTests", dependencies: ["TokenLifecycle", "TokenTesting", "DemoServer"]),
        .testTarget(
            name: "DemoServerTests",
            dependencies: [
                "ProtocolSupport",
                "DemoServer", "OAuthClient", "TokenConfig", "TokenModel", "JOSESupport", "TokenTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], exclude: ["Validators"]),
        .testTarget(
            name: "DashboardTests", dependencies: ["Dashboard", "DashboardCaptures", "TerminalDriver", "TokenModel"],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "SpringConfigTests",
            dependencies: [
                "SpringConfig", "TokenConfig", "TokenModel", "DemoServer", "OAuthClient", "TokenTesting",
            ], resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"]),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TokentopCommands", "TokenHandout", "TokenTesting", "Dashboard", "TokenModel"]),
        // The verdict under seeded chaos: the real manager against the demo, every front end's reading compared.
        .testTarget(
            name: "ChaosTests",
            dependencies: [
                "TokenLifecycle", "TokenTesting", "DemoServer", "OAuthClient", "TokenConfig", "TokenModel", "Dashboard",
                "MetricsExporter", "TokentopCommands",
            ]),
        .testTarget(name: "TokenCacheTests", dependencies: ["TokenCache", "TokenConfig", "TokenModel", "TokenTesting"]),
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "MetricsExporter", "TokentopCommands", "TokenModel", "TokenTesting", "TokenLifecycle", "OAuthClient",
                "TokenConfig",
                "DemoServer",
                "Dashboard", "ServerLimits",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
