// swift-tools-version: 6.1
// Codec micro-benchmarks (issue 6), kept out of the main package so that `swift build`,
// `swift test` and CI never build them. Run from this directory:
//   swift package --disable-sandbox benchmark
// (see BENCHMARKS.md at the repository root for the figures and how they were taken).
import PackageDescription

let package = Package(
    name: "VeneerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Veneer", path: "../.."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "LDAPCore", package: "Veneer"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    ]
)
