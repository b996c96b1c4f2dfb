import Foundation

/// Finds a model from what the user typed: a GGUF file, a HuggingFace folder (config.json and
/// safetensors), or a repo id (`Qwen/Qwen2-0.5B`) in the local HuggingFace cache. Never touches
/// the network.
public enum ModelLocator {
    /// What a name resolved to.
    public enum Location: Sendable, Equatable {
        /// A GGUF file (given directly, or the only `.gguf` file of a folder without config.json).
        case gguf(URL)
        /// A HuggingFace model folder: config.json and safetensors weights.
        case huggingFaceFolder(URL)
    }

    /// Where `name` resolves, and a sentence for the user saying how it was found.
    public static func locate(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ModelError) -> (Location, String) {
        let expanded = (name as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) {
            let url = URL(fileURLWithPath: expanded).standardizedFileURL
            if isDirectory.boolValue {
                guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                    let ggufs = (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.filter { $0.hasSuffix(".gguf") } ?? []
                    if ggufs.count == 1 { return (.gguf(url.appendingPathComponent(ggufs[0])), "GGUF file in folder \(url.path)") }
                    throw ModelError("\(url.path): no config.json in this folder (a HuggingFace model folder has config.json and model.safetensors; or give a .gguf file)")
                }
                return (.huggingFaceFolder(url), "HuggingFace folder \(url.path)")
            }
            return (.gguf(url), "GGUF file \(url.path)")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !name.hasPrefix("."), !name.hasPrefix("~") else {
            throw ModelError("\(name): no such file or folder (give a .gguf file, a HuggingFace folder, or a repo id like Qwen/Qwen2-0.5B in the local HuggingFace cache)")
        }
        let hub = hubCache(environment)
        let repo = hub.appendingPathComponent("models--\(parts[0])--\(parts[1])")
        guard FileManager.default.fileExists(atPath: repo.path) else {
            throw ModelError("\(name): not in the local HuggingFace cache (\(hub.path)); rat works offline, so download it there first (e.g. huggingface-cli download \(name)) or give a path")
        }
        let snapshots = repo.appendingPathComponent("snapshots")
        var revision = (try? String(contentsOf: repo.appendingPathComponent("refs/main"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if revision == nil || !FileManager.default.fileExists(atPath: snapshots.appendingPathComponent(revision!).path) {
            // No refs/main (e.g. downloaded by revision): use the only snapshot if there is one.
            let all = (try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []
            guard all.count == 1 else {
                throw ModelError("\(name): the cache entry \(repo.path) has \(all.isEmpty ? "no snapshot" : "several snapshots and no refs/main")")
            }
            revision = all[0]
        }
        let snapshot = snapshots.appendingPathComponent(revision!)
        let (location, _) = try locate(snapshot.path, environment: environment)
        return (location, "\(name) in the HuggingFace cache, snapshot \(revision!.prefix(12)) (\(snapshot.path))")
    }

    /// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    public static func hubCache(_ environment: [String: String]) -> URL {
        if let dir = environment["HF_HUB_CACHE"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let home = environment["HF_HOME"], !home.isEmpty { return URL(fileURLWithPath: home).appendingPathComponent("hub") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/huggingface/hub")
    }
}
