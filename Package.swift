// swift-tools-version: 6.0
import Foundation
import PackageDescription

// FAISS's HNSW header includes <omp.h>, which Debian ships with GCC (libgcc-N-dev) where the
// toolchain's clang does not look; the bridge's structural checks of HNSW indexes need that
// header, so its directory is searched after every other (clang's own headers still win).
let openMPIncludeFlags: [String] = {
    let root = "/usr/lib/gcc/x86_64-linux-gnu"
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    let found = versions.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
        .map { "\(root)/\($0)/include" }
        .first { FileManager.default.fileExists(atPath: "\($0)/omp.h") }
    return found.map { ["-idirafter", $0] } ?? []
}()

// Echo: a reference-image database and inspection pipeline for industrial anomaly
// detection. One target per concern; C and C++ stay behind the `C*` targets and never
// appear in a public Swift API.
// `make fuzz` (scripts/fuzz.sh) sets ECHO_FUZZ_BUILD: echo-fuzz is then linked with libFuzzer
// (and the sanitizers every target is compiled with in that build).
let libFuzzerBuild = ProcessInfo.processInfo.environment["ECHO_FUZZ_BUILD"] != nil

let package = Package(
    name: "Echo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "echoctl", targets: ["echoctl"]),
        .library(name: "EchoIndex", targets: ["EchoIndex"]),
        .library(name: "EchoImaging", targets: ["EchoImaging"]),
        .library(name: "EchoFeatures", targets: ["EchoFeatures"]),
        .library(name: "EchoEmbedding", targets: ["EchoEmbedding"]),
        .library(name: "EchoStore", targets: ["EchoStore"]),
        .library(name: "EchoStorePostgres", targets: ["EchoStorePostgres"]),
        .library(name: "EchoReferences", targets: ["EchoReferences"]),
        .library(name: "EchoVision", targets: ["EchoVision"]),
        .library(name: "EchoMLLM", targets: ["EchoMLLM"]),
        .library(name: "EchoExperts", targets: ["EchoExperts"]),
        .library(name: "EchoApplication", targets: ["EchoApplication"]),
        .library(name: "EchoService", targets: ["EchoService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The error type every library specialises (StoreError, IndexError, ...).
        .target(name: "EchoErrors"),
        // The one lock type: a value guarded by a POSIX mutex (visible to ThreadSanitizer).
        .target(name: "EchoConcurrency"),
        // The value types of embeddings that the store and the embedder share: embedder
        // identity, patch features, embedding errors (no network, no BLAS).
        .target(name: "EchoFeatures", dependencies: ["EchoErrors"]),
        // The FAISS bridge: Debian's libfaiss-dev is a static C++ library without the
        // FAISS C API, so this C++ target exposes a small `extern "C"` API of its own.
        .target(
            name: "CEchoFaiss",
            path: "Index",
            cxxSettings: [.define("NDEBUG"), .unsafeFlags(openMPIncludeFlags)],
            linkerSettings: [
                .linkedLibrary("faiss"),
                .linkedLibrary("gomp"),
                .linkedLibrary("blas"),
                .linkedLibrary("lapack"),
                .linkedLibrary("m"),
                .linkedLibrary("stdc++"),
                .linkedLibrary("dl"),
            ]
        ),
        .target(
            name: "EchoIndex",
            dependencies: ["CEchoFaiss", "EchoErrors", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libpng and libjpeg behind a C shim that contains every longjmp.
        .target(
            name: "CEchoImaging",
            linkerSettings: [
                .linkedLibrary("png"),
                .linkedLibrary("jpeg"),
            ]
        ),
        .target(
            name: "EchoImaging",
            dependencies: ["CEchoImaging", "EchoErrors"]
        ),
        // cblas_sgemm from the system BLAS (OpenBLAS after set-up).
        .target(
            name: "CEchoBLAS",
            linkerSettings: [.linkedLibrary("blas")]
        ),
        // Numeric loops in C (greedy coreset, the backbone's depthwise convolution).
        .target(name: "CEchoKernels"),
        // The pretrained backbone: EfficientNet-Lite0 in Swift, global and patch features.
        .target(
            name: "EchoEmbedding",
            dependencies: [
                "EchoErrors",
                "EchoFeatures",
                "EchoImaging",
                "CEchoBLAS",
                "CEchoKernels",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Turns Migrations/*.sql into Swift source at build time (used by the plugin).
        .executableTarget(name: "migration-embedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["migration-embedder"]
        ),
        // The reference store: SQLite (source of truth) + one FAISS index per category.
        .target(
            name: "EchoStore",
            dependencies: [
                "CEchoKernels",
                "EchoConcurrency",
                "EchoErrors",
                "EchoIndex",
                "EchoFeatures",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // The PostgreSQL backend of the store (postgres-nio): many nodes, many writers, one
        // database; its schema is Migrations/postgres/*.sql.
        .target(
            name: "EchoStorePostgres",
            dependencies: [
                "EchoConcurrency",
                "EchoErrors",
                "EchoStore",
                "EchoFeatures",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // The Reference Extractor: ingest golden samples, query nearest normals by image.
        .target(
            name: "EchoReferences",
            dependencies: [
                "EchoStore",
                "EchoEmbedding",
                "EchoImaging",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The vision expert: patch-level scores against the retrieved normals, thresholds
        // from golden samples, heatmaps and reports.
        .target(
            name: "EchoVision",
            dependencies: ["EchoConcurrency", "EchoErrors", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging", "EchoIndex", "CEchoKernels", "CEchoBLAS",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // An OpenAI-compatible chat-completions client (text and image parts) for the MLLM
        // experts: timeouts, retries with backoff, cancellation; secrets never logged.
        .target(
            name: "EchoMLLM",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Knowledge Guide, Reasoning Expert and Decision Maker around the Reference
        // Extractor and the vision expert, and the MMAD evaluation harness.
        .target(
            name: "EchoExperts",
            dependencies: ["EchoMLLM", "EchoVision", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The application layer: every use case (ingest, query, calibrate, inspect, runs,
        // knowledge, maintenance) with its rules and the one error model; the adapters
        // (echoctl, the HTTP service) parse, call one use case, and render.
        .target(
            name: "EchoApplication",
            dependencies: ["EchoConcurrency", "EchoExperts", "EchoVision", "EchoReferences", "EchoStore", "EchoStorePostgres", "EchoEmbedding", "EchoImaging", "EchoIndex", "EchoMLLM",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The HTTP service (Hummingbird): routes, auth, limits, metrics, OpenAPI.
        .target(
            name: "EchoService",
            dependencies: ["EchoConcurrency", "EchoApplication", "EchoExperts", "EchoVision", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "echoctl",
            dependencies: [
                "EchoApplication",
                "EchoService",
                "EchoIndex",
                "EchoImaging",
                "EchoEmbedding",
                "EchoStore",
                "EchoReferences",
                "EchoVision",
                "EchoMLLM",
                "EchoExperts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmark kernels, driven by the scripts in bench/ (make bench); not run by tests.
        .executableTarget(
            name: "echo-bench",
            dependencies: [
                "EchoIndex",
                "EchoImaging",
                "EchoEmbedding",
                "EchoStore",
                "EchoReferences",
                "EchoVision",
                "EchoApplication",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/EchoBench"
        ),
        // Helpers shared by the test targets (temporary directories, seeded randomness).
        .target(
            name: "EchoTestSupport",
            dependencies: ["EchoConcurrency", "EchoImaging"],
            path: "Tests/EchoTestSupport"
        ),
        // One harness per parser of outside bytes, shared by the fuzzer and the regression tests.
        .target(
            name: "EchoFuzzHarnesses",
            dependencies: ["EchoImaging", "EchoEmbedding", "EchoIndex", "EchoExperts", "EchoMLLM", "EchoService",
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/Fuzz/Harnesses"
        ),
        // libFuzzer's entry point over those harnesses (in `make fuzz`'s build), else a
        // replayer of files through them.
        .target(name: "CEchoFuzzDriver", path: "Tests/Fuzz/CDriver"),
        .executableTarget(
            name: "echo-fuzz",
            dependencies: ["EchoFuzzHarnesses", "CEchoFuzzDriver"],
            path: "Tests/Fuzz/Driver",
            swiftSettings: libFuzzerBuild ? [.define("ECHO_LIBFUZZER")] : [],
            linkerSettings: libFuzzerBuild ? [.unsafeFlags(["-sanitize=fuzzer,address", "-Xclang-linker", "-fsanitize=undefined", "-use-ld=lld"])] : []
        ),
        // A store writer the crash and lock tests kill or block (never shipped).
        .executableTarget(
            name: "echo-test-writer",
            dependencies: ["EchoStore", "EchoIndex",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/EchoTestWriter"
        ),
        .testTarget(
            name: "EchoFuzzTests",
            dependencies: ["EchoFuzzHarnesses", "EchoIndex"],
            exclude: ["../Fuzz/Corpus", "../Fuzz/Regressions"]
        ),
        .testTarget(
            name: "EchoConcurrencyTests",
            dependencies: ["EchoConcurrency"]
        ),
        .testTarget(
            name: "EchoIndexTests",
            dependencies: ["EchoTestSupport", "EchoIndex"]
        ),
        .testTarget(
            name: "EchoImagingTests",
            dependencies: ["EchoTestSupport", "EchoImaging"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EchoEmbeddingTests",
            dependencies: ["EchoTestSupport", "EchoEmbedding"],
            exclude: ["Fixtures"]
        ),
        // The storage seam's conformance suite, written against `StoreBackend`: every
        // backend's tests run its cases.
        .target(
            name: "EchoStoreConformance",
            dependencies: ["EchoStore", "EchoTestSupport"],
            path: "Tests/EchoStoreConformance"
        ),
        .testTarget(
            name: "EchoStoreTests",
            dependencies: ["EchoTestSupport", "EchoStore", "EchoStoreConformance", "EchoEmbedding", "echo-test-writer", .product(name: "Logging", package: "swift-log"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EchoStorePostgresTests",
            dependencies: ["EchoTestSupport", "EchoStore", "EchoStorePostgres", "EchoStoreConformance",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "EchoReferencesTests",
            dependencies: ["EchoTestSupport", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "EchoVisionTests",
            dependencies: ["EchoTestSupport", "EchoVision", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging",
                           .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // A loopback OpenAI-compatible server with scripted answers: the one test double,
        // at the MLLM boundary, checking each request's shape.
        .target(
            name: "FakeMLLMServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/FakeMLLMServer"
        ),
        .testTarget(
            name: "EchoMLLMTests",
            dependencies: ["EchoTestSupport", "FakeMLLMServer", "EchoMLLM", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "EchoExpertsTests",
            dependencies: ["EchoTestSupport", "FakeMLLMServer", "EchoExperts", "EchoMLLM", "EchoVision", "EchoReferences", "EchoStore", "EchoStorePostgres",
                           "EchoEmbedding", "EchoImaging", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "EchoServiceTests",
            dependencies: ["EchoTestSupport", "EchoService", "EchoApplication", "EchoExperts", "EchoVision", "EchoStore", "EchoEmbedding", "EchoImaging", "FakeMLLMServer",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EchoApplicationTests",
            dependencies: ["EchoTestSupport", "EchoApplication", "EchoExperts", "EchoMLLM", "EchoVision", "EchoReferences", "EchoStore", "EchoEmbedding", "EchoImaging",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // End-to-end tests that run the built echoctl binary.
        .testTarget(
            name: "EchoctlTests",
            dependencies: ["EchoTestSupport", "echoctl", "echo-test-writer", "FakeMLLMServer", "EchoStore", "EchoImaging",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
