import Foundation
import Testing

/// Where `scripts/fetch-assets.sh` puts models: $RAT_CACHE, else ~/.cache/rat.
let assetCache: URL = {
    if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"] { return URL(fileURLWithPath: dir) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
}()

let smolLM2Path = assetCache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
/// `make test` sets RAT_REQUIRE_ASSETS=1: then a missing asset fails instead of skipping.
let assetsRequired = ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"
let smolLM2Available = FileManager.default.fileExists(atPath: smolLM2Path) || assetsRequired

let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

let gemma3Path = assetCache.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
let gemma3Available = FileManager.default.fileExists(atPath: gemma3Path) || assetsRequired
