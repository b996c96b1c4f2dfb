// swift-tools-version:6.0
import PackageDescription

/// rat: Reverse Attention Tracer.
///
/// Data flow (one target per stage, plain value types between them):
///   text ─Tokenization─▶ ids ─ModelRuntime─▶ attention ─ReverseAttention (path search)─▶ TraceResult ─▶ renderers
/// `GGUF` is the container format shared by the runtime (tensors) and the tokenizer (vocabulary);
/// `ChatTemplates` (a Jinja interpreter) turns a conversation into the text the tokenizer reads.
let package = Package(
    name: "rat",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ReverseAttention", targets: ["ReverseAttention"]),
        .executable(name: "rat", targets: ["rat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // OpenBLAS, loaded at run time so that rat can choose its kernels (Sources/CBLAS/blas_loader.c).
        .target(name: "CBLAS", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "GGUF"),
        // Elementwise kernels (softmax, SiLU) in C, so that the compiler vectorizes them.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffast-math"])]),
        .target(
            name: "ModelRuntime",
            dependencies: [
                "GGUF", "CKernels",
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
            ]
        ),
        .target(name: "Tokenization", dependencies: ["GGUF", "ChatTemplates"]),
        // A Jinja interpreter for HuggingFace chat templates, rendering as transformers does.
        .target(name: "ChatTemplates"),
        .target(name: "ReverseAttention", dependencies: ["ModelRuntime", "Tokenization"]),
        // `rat serve`: the explorer page and a JSON API over one loaded model (Hummingbird 2).
        .target(
            name: "RatServer",
            dependencies: [
                "ReverseAttention", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "rat",
            dependencies: [
                "ReverseAttention", "RatServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "rat-bench",
            dependencies: ["ReverseAttention"]
        ),
        .executableTarget(name: "rat-bench-paths", dependencies: ["ReverseAttention"], path: "Sources/rat-bench-paths"),
        .executableTarget(name: "rat-tokenizer-bench", dependencies: ["Tokenization"]),
        // Static HTML from DocC's output (make docs).
        .executableTarget(name: "rat-docs", dependencies: ["Tokenization"]),
        // The tutorials' code (make docs shows it step by step; TutorialTests runs it).
        .executableTarget(name: "rat-tutorials", dependencies: ["ReverseAttention"]),
        // Every parser of outside input fed arbitrary bytes: libFuzzer targets when built by
        // scripts/fuzz.sh, a replayer of saved inputs otherwise.
        .executableTarget(name: "rat-fuzz", dependencies: ["ReverseAttention", "ChatTemplates", "GGUF"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "ModelRuntimeTests", dependencies: ["ModelRuntime", "CKernels"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization"]),
        .testTarget(name: "ChatTemplatesTests", dependencies: ["ChatTemplates"]),
        .testTarget(name: "ReverseAttentionTests", dependencies: ["ReverseAttention"]),
        .testTarget(name: "RatCLITests", dependencies: ["rat"]),
        .testTarget(name: "PageTests", dependencies: ["ReverseAttention", "rat"]),
        .testTarget(name: "TutorialTests", dependencies: ["rat-tutorials", "rat"]),
    ]
)
