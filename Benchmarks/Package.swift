// swift-tools-version:6.1
// The benchmarks live in their own package so that the main build and CI stay lean.
// Run them with: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
// (see README.md for the budgets and the last measured figures).
import PackageDescription

let package = Package(
    name: "tokentop-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tokentop", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the main package's graph; named here because the benchmarks sign tokens
        // (JWTKit, _CryptoExtras) and load the demo server over HTTP (AsyncHTTPClient, NIOCore).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ProtocolSupport", package: "tokentop"),
                .product(name: "TokenModel", package: "tokentop"),
                .product(name: "JOSESupport", package: "tokentop"),
                .product(name: "OAuthClient", package: "tokentop"),
                .product(name: "TokenLifecycle", package: "tokentop"),
                .product(name: "DemoServer", package: "tokentop"),
                .product(name: "Dashboard", package: "tokentop"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/TokenBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
