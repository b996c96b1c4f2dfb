import ArgumentParser

/// `--ids 1,504,3458`: token ids given directly, skipping the tokenizer (as the reference's
/// `trace(input_ids)`); each must be in the model's vocabulary, which the model checks.
func parseTokenIDs(_ list: String) throws -> [Int] {
    try list.split(separator: ",", omittingEmptySubsequences: false).map { part in
        guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--ids takes comma-separated integers, e.g. 1,504,3458; got '\(part)'")
        }
        return id
    }
}
