import Foundation
import GGUF

/// A model's hyperparameters as its file gives them: HuggingFace `config.json`, or a GGUF file's
/// `<arch>.*` metadata. Each family reads what it needs through one API for both formats.
struct ConfigValues {
    enum Format { case huggingFace, gguf }
    let format: Format
    /// The file named in errors.
    let file: String
    let json: [String: Any]
    let gguf: GGUFFile?
    /// The GGUF key prefix (`general.architecture`).
    let prefix: String

    init(json: [String: Any], file: String) {
        format = .huggingFace
        self.file = file
        self.json = json
        gguf = nil
        prefix = ""
    }

    init(gguf: GGUFFile, architecture: String) {
        format = .gguf
        file = gguf.path
        json = [:]
        self.gguf = gguf
        prefix = architecture
    }

    var isGGUF: Bool { format == .gguf }

    /// The raw value under the format's key (nil for the other format or when absent / null).
    private func raw(hf: String?, gguf key: String?) -> Any? {
        switch format {
        case .huggingFace:
            guard let hf, let v = json[hf], !(v is NSNull) else { return nil }
            return v
        case .gguf:
            guard let key, let v = gguf?["\(prefix).\(key)"] else { return nil }
            return v
        }
    }

    private func describe(hf: String?, gguf: String?) -> String {
        isGGUF ? "metadata \"\(prefix).\(gguf ?? "?")\"" : "\"\(hf ?? "?")\""
    }

    func optionalInt(hf: String?, gguf: String? = nil) throws -> Int? {
        guard let v = raw(hf: hf, gguf: gguf) else { return nil }
        if let g = v as? GGUFValue, let i = g.intValue { return i }
        if let d = Self.number(v), d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) is not an integer")
    }

    func int(hf: String?, gguf: String? = nil) throws -> Int {
        guard let v = try optionalInt(hf: hf, gguf: gguf) else {
            throw ModelError("\(file): missing \(describe(hf: hf, gguf: gguf))")
        }
        return v
    }

    func optionalDouble(hf: String?, gguf: String? = nil) throws -> Double? {
        guard let v = raw(hf: hf, gguf: gguf) else { return nil }
        if let g = v as? GGUFValue, let d = g.doubleValue { return d }
        if let d = Self.number(v) { return d }
        throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) is not a number")
    }

    func optionalBool(hf: String?, gguf: String? = nil) throws -> Bool? {
        guard let v = raw(hf: hf, gguf: gguf) else { return nil }
        if let g = v as? GGUFValue, let b = g.boolValue ?? g.intValue.map({ $0 != 0 }) { return b }
        if Self.isJSONBoolean(v), let b = v as? Bool { return b }
        throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) is not true or false")
    }

    func optionalString(hf: String?, gguf: String? = nil) throws -> String? {
        guard let v = raw(hf: hf, gguf: gguf) else { return nil }
        if let g = v as? GGUFValue, let s = g.stringValue { return s }
        if let s = v as? String { return s }
        throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) is not a string")
    }

    /// An array of numbers (HF lists; GGUF arrays), e.g. a per-layer window list.
    func optionalNumbers(hf: String?, gguf: String? = nil) throws -> [Double]? {
        guard let v = raw(hf: hf, gguf: gguf) else { return nil }
        let items: [Any]? = (v as? GGUFValue)?.arrayValue ?? (v as? [Any])
        guard let items else { throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) is not a list") }
        var out: [Double] = []
        for item in items {
            guard let d = (item as? GGUFValue)?.doubleValue ?? Self.number(item) else {
                throw ModelError("\(file): \(describe(hf: hf, gguf: gguf)) holds a non-number")
            }
            out.append(d)
        }
        return out
    }

    func optionalStrings(hf: String) throws -> [String]? {
        guard let v = raw(hf: hf, gguf: nil) else { return nil }
        guard let items = v as? [Any], let strings = items.map({ $0 as? String }) as? [String] else {
            throw ModelError("\(file): \"\(hf)\" is not a list of strings")
        }
        return strings
    }

    /// A nested object of config.json (`rope_parameters`), as its own values.
    func object(hf: String) throws -> ConfigValues? {
        guard format == .huggingFace, let v = json[hf], !(v is NSNull) else { return nil }
        guard let o = v as? [String: Any] else { throw ModelError("\(file): \"\(hf)\" is not an object") }
        return ConfigValues(json: o, file: file)
    }

    var keys: [String] { Array(json.keys) }

    /// JSON `true`/`false` (Foundation gives NSNumber for both numbers and booleans, and `1 is Bool`
    /// holds on Linux: the boxed type tells them apart).
    private static func isJSONBoolean(_ v: Any) -> Bool {
        if v is Swift.Bool && !(v is NSNumber) { return true }
        return String(describing: type(of: v)).contains("Boolean")
    }

    private static func number(_ v: Any) -> Double? {
        if isJSONBoolean(v) { return nil }
        if let i = v as? Int { return Double(i) }
        if let d = v as? Double { return d }
        if let n = v as? NSNumber { return n.doubleValue }
        return nil
    }

    /// Reads and parses config.json.
    static func load(_ url: URL) throws -> ConfigValues {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError("\(url.path): cannot read config.json") }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            throw ModelError("\(url.path): not a valid config.json")
        }
        return ConfigValues(json: dict, file: url.path)
    }
}
