// swift-tools-version: 6.1
import PackageDescription

// Coverage-guided fuzz targets of the gateway's parsers (libFuzzer). Own package so the main build
// and tests never pay for it; `./run.sh [TARGET|all] [SECONDS]` builds with
// `--sanitize=fuzzer --sanitize=address` in debug (bounds checks of unsafe buffers stay on) and runs.
let targets = [
    "FuzzRequestHead", "FuzzUpstreamResponse", "FuzzChunkedBody", "FuzzUpstreamDifferential", "FuzzRequestDifferential", "FuzzJWT",
    "FuzzIPAddress", "FuzzRESP", "FuzzHTTP2Fields", "FuzzHTTP2ReadAligner",
]

let package = Package(
    name: "GatewayFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "aegis-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        .target(
            name: "FuzzHarness",
            dependencies: [
                .product(name: "GatewayCore", package: "aegis-gateway"),
                .product(name: "RESP", package: "aegis-gateway"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        )
    ] + targets.map { .executableTarget(name: $0, dependencies: ["FuzzHarness"]) }
)
