import Foundation

/// A HuggingFace chat template (`tokenizer.chat_template`), parsed once and rendered as
/// transformers renders it: jinja2's ImmutableSandboxedEnvironment with `trim_blocks` and
/// `lstrip_blocks`, the `loopcontrols` and `generation` extensions, transformers' `tojson`,
/// and the globals `raise_exception(message)` and `strftime_now(format)`.
///
/// The context is what `apply_chat_template` passes: `messages`, `add_generation_prompt`,
/// `tools` and `documents` (`.none` when not given), the special tokens (`bos_token`,
/// `eos_token`, ...) and any extra keyword arguments.
public struct ChatTemplate: Sendable {
    private let nodes: [Node]

    /// Parses `source`; statements the interpreter lacks are reported here, filters, tests and
    /// methods when a render reaches them (as jinja2 itself does inside `if` branches).
    public init(source: String) throws(TemplateError) {
        nodes = try Parser.parse(source)
    }

    /// Renders with `strftime_now` reading the current local time.
    public func render(_ context: [String: TemplateValue]) throws(TemplateError) -> String {
        try render(context, now: Date())
    }

    /// Renders with `strftime_now` formatting `now` (in the local time zone), for reproducible
    /// prompts and tests.
    public func render(_ context: [String: TemplateValue], now: Date) throws(TemplateError) -> String {
        try Interpreter(now: now).render(nodes, context: context)
    }
}
