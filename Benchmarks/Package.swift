// swift-tools-version:6.1
// The benchmarks live in their own package so that the main build and CI stay lean.
// Run them with: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "tokentop-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tokentop", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OAuthClient", package: "tokentop"),
                .product(name: "TokenManager", package: "tokentop"),
                .product(name: "DemoServer", package: "tokentop"),
                .product(name: "Dashboard", package: "tokentop"),
            ],
            path: "Benchmarks/TokenBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
