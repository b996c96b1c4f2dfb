import ArgumentParser

/// Comma-separated integers (`--ids`, `--sink-positions`), no empty entries; `failure` makes the
/// error for the first entry that is not an integer.
func parseIntegerList(_ list: String, failure: (Substring) -> Error) throws -> [Int] {
    try list.split(separator: ",", omittingEmptySubsequences: false).map { part in
        guard let value = Int(part.trimmingCharacters(in: .whitespaces)) else { throw failure(part) }
        return value
    }
}

/// `--ids 1,504,3458`: token ids given directly, skipping the tokenizer (as the reference's
/// `trace(input_ids)`); each must be in the model's vocabulary, which the model checks.
func parseTokenIDs(_ list: String) throws -> [Int] {
    try parseIntegerList(list) { ValidationError("--ids takes comma-separated integers, e.g. 1,504,3458; got '\($0)'") }
}
