// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of the gateway's hot pure parts. Own package so the main build and tests never
// pay for it: `cd Benchmarks && swift run -c release`.
let package = Package(
    name: "GatewayBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "aegis-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "GatewayBenchmarks",
            dependencies: [
                .product(name: "GatewayCore", package: "aegis-gateway"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        )
    ]
)
