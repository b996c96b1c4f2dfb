#!/usr/bin/env python3
"""Fixtures/chat/fuzz.json: random templates (a fixed seed) built from the constructs chat
templates use, each rendered by transformers' jinja2 environment: a differential test that
catches disagreements nobody thought to write a case for.

Cases whose jinja2 output cannot be reproduced by design are dropped: object addresses
(`<generator object ... at 0x...>`), `dict_items(...)`/`range(...)` reprs, and integers beyond
64 bits. Slices are only applied to variables: jinja2's constant folder evaluates a slice of a
literal through the sandbox, so `{{ (1)[1:] }}` prints "" while `{{ i[1:] }}` is a TypeError; rat
always does the latter.

Run with the reference environment:  /work/refenv/bin/python tools/chat/make_fuzz_fixtures.py
"""

import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jinja_reference import FIXED_NOW, VERSIONS, render  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "chat", "fuzz.json")
SEED = 20240905
COUNT = 2000

CONTEXT = {
    "xs": [3, 1, 2],
    "fs": [0.5, -1.25, 2.0],
    "words": ["pear", "Apple", "fig", ""],
    "d": {"b": 2, "a": "x", "c": [1, "two"], "e": None},
    "s": "  Hello, World!  ",
    "t": "<think>\nwhy\n</think>\n\nanswer",
    "u": "héllo wörld 😀",
    "n": None,
    "f": 2.5,
    "i": 7,
    "z": 0,
    "yes": True,
    "no": False,
    "empty": [],
    "msgs": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!", "tool_calls": [{"function": {"name": "f", "arguments": {"k": 1}}}]},
    ],
}

NAMES = list(CONTEXT) + ["nope"]
STRINGS = ["''", "'a'", "'ab'", "'Hello'", "'x y'", "' pad '", "'<b>'", "'é'", "'a,b,,c'", "'\\n'", "'\"q\"'", "'%s'"]
NUMBERS = ["0", "1", "2", "-3", "10", "0.5", "1.0", "-2.5", "1e3", "3.14159"]
FILTERS = [
    "length", "upper", "lower", "trim", "first", "last", "join(', ')", "join", "default('D')", "default('D', true)",
    "string", "int", "float", "abs", "round", "round(1)", "list", "sort", "sort(reverse=true)", "unique|list",
    "reverse|list", "tojson", "tojson(indent=2)", "items|list", "dictsort", "capitalize", "title", "wordcount",
    "replace('a', 'b')", "replace('l', '')", "indent(2)", "indent(2, true)", "center(7)", "min", "max", "sum",
    "select|list", "reject|list", "map('string')|list", "map('upper')|join('-')", "batch(2)|list", "count",
    "selectattr('role')|list", "map(attribute='role')|list", "rejectattr('content', 'none')|list", "e", "safe",
    "first|default('none')", "list|length", "string|length", "format(1)", "truncate(5)",
]
TESTS = [
    "defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence", "odd",
    "even", "true", "false", "boolean", "lower", "upper", "divisibleby 2", "eq 1", "in [1, 2, 3]", "callable",
]
METHODS = [
    ".upper()", ".lower()", ".strip()", ".lstrip()", ".rstrip('!')", ".split()", ".split(',')", ".split(',', 1)",
    ".startswith('H')", ".endswith('!')", ".replace('l', 'L')", ".title()", ".capitalize()", ".find('o')",
    ".count('l')", ".get('a')", ".get('zz', 0)", ".items()|list", ".keys()|list", ".values()|list", ".index(1)",
    ".count(1)", ".isdigit()", ".isalpha()", ".splitlines()", ".split('</think>')", ".rsplit(' ', 1)",
    ".zfill(4)", ".partition(',')", ".join(['a', 'b'])", ".format(1, 2)",
]
SUBSCRIPTS = ["[0]", "[-1]", "[1]", "[1:]", "[:-1]", "[::-1]", "[::2]", "['a']", "['role']", ".a", ".b", ".c",
              ".role", ".content", "[5]", "[0]['role']", ".zz"]
BINARY = ["+", "-", "*", "/", "//", "%", "~", "and", "or", "==", "!=", "<", ">", "<=", ">=", "in", "not in", "**"]


def expr(r, depth):
    if depth <= 0 or r.random() < 0.25:
        choice = r.random()
        if choice < 0.45:
            return r.choice(NAMES)
        if choice < 0.7:
            return r.choice(STRINGS)
        if choice < 0.9:
            return r.choice(NUMBERS)
        return r.choice(["none", "true", "false", "[]", "[1, 'a']", "{'k': 'v'}", "(1, 2)", "{}"])
    kind = r.random()
    inner = expr(r, depth - 1)
    if kind < 0.22:
        return f"{inner}|{r.choice(FILTERS)}"
    if kind < 0.34:
        subscript = r.choice(SUBSCRIPTS)
        if ":" in subscript:
            return f"{r.choice(NAMES)}{subscript}"
        return f"({inner}){subscript}"
    if kind < 0.44:
        return f"({inner}){r.choice(METHODS)}"
    if kind < 0.56:
        return f"{inner} is {r.choice(['', 'not '])}{r.choice(TESTS)}"
    if kind < 0.82:
        op = r.choice(BINARY)
        right = expr(r, depth - 1)
        if op == "**":
            right = r.choice(["0", "1", "2", "3", "-1", "0.5"])
        return f"({inner} {op} {right})"
    if kind < 0.9:
        return f"({inner} if {expr(r, depth - 1)} else {expr(r, depth - 1)})"
    if kind < 0.95:
        return f"not {inner}"
    return f"-({inner})"


def ws(r):
    return r.choice(["", "", " ", "\n", "  \n", "\n  ", "\t", "\n\n"])


def mark(r):
    return r.choice(["", "", "-", "+"])


def tag(r, body):
    return f"{{%{mark(r)} {body} {mark(r)}%}}"


def indent(r):
    return r.choice(["", "", "  ", "    ", "\t", " \t "])


def text(r):
    return r.choice(["a", "b c", "  d  ", "<x>", "{", "}", "%", "#", "-", "+", "é", "\\n", "'q'", "\"w\""])


def block(r, depth):
    """Nested statements on indented lines: whitespace control, trim_blocks and lstrip_blocks."""
    parts = []
    for _ in range(r.randint(1, 3)):
        choice = r.random() if depth > 0 else r.random() * 0.4
        nl = r.choice(["\n", "\n", "", "\n\n", " "])
        pad = indent(r)
        if choice < 0.2:
            parts.append(pad + text(r) + nl)
        elif choice < 0.4:
            parts.append(pad + f"{{{{{r.choice(['', '-'])} {expr(r, 1)} {r.choice(['', '-'])}}}}}" + nl)
        elif choice < 0.55:
            parts.append(pad + tag(r, f"if {expr(r, 1)}") + nl + block(r, depth - 1) + pad + tag(r, "else") + nl
                         + block(r, depth - 1) + pad + tag(r, "endif") + nl)
        elif choice < 0.7:
            control = r.choice(["", "", tag(r, "if loop.index is even") + "{% continue %}{% endif %}",
                                tag(r, "if loop.index > 2") + "{% break %}{% endif %}"])
            parts.append(pad + tag(r, f"for y in {r.choice(['xs', 'words', 'msgs', 'empty', 'd', 's', 'range(3)'])}")
                         + nl + control + pad + "{{ loop.index0 }}{{ loop.first }}" + nl + block(r, depth - 1)
                         + pad + tag(r, "endfor") + nl)
        elif choice < 0.78:
            parts.append(pad + tag(r, "set acc = namespace(n=0)") + nl + pad + tag(r, "for y in xs") + tag(r, "set acc.n = acc.n + y")
                         + tag(r, "endfor") + "{{ acc.n }}" + nl)
        elif choice < 0.86:
            parts.append(pad + tag(r, "macro m(p, q='Q')") + nl + block(r, depth - 1) + "{{ p }}{{ q }}" + pad
                         + tag(r, "endmacro") + nl + pad + f"{{{{ m({expr(r, 1)}) }}}}" + nl)
        elif choice < 0.92:
            parts.append(pad + tag(r, "set blk") + nl + block(r, depth - 1) + pad + tag(r, "endset") + "[{{ blk }}]" + nl)
        elif choice < 0.96:
            parts.append(pad + tag(r, r.choice(["filter upper", "filter trim", "filter replace('a', 'A')"])) + nl
                         + block(r, depth - 1) + pad + tag(r, "endfilter") + nl)
        else:
            parts.append(pad + f"{{#{mark(r)} note {mark(r)}#}}" + nl)
    return "".join(parts)


def template(r):
    if r.random() < 0.3:
        return block(r, 3)
    shape = r.random()
    e = expr(r, r.randint(1, 3))
    if shape < 0.45:
        return f"{ws(r)}{{{{{r.choice(['', '-'])} {e} {r.choice(['', '-'])}}}}}{ws(r)}"
    if shape < 0.65:
        return (f"{ws(r)}{{%{mark(r)} for x in {e} {mark(r)}%}}{ws(r)}[{{{{ x }}}}|{{{{ loop.index }}}}]{ws(r)}"
                f"{{%{mark(r)} else {mark(r)}%}}E{ws(r)}{{%{mark(r)} endfor {mark(r)}%}}{ws(r)}")
    if shape < 0.85:
        return (f"{ws(r)}{{%{mark(r)} if {e} {mark(r)}%}}{ws(r)}T{ws(r)}{{%{mark(r)} else {mark(r)}%}}{ws(r)}F"
                f"{ws(r)}{{%{mark(r)} endif {mark(r)}%}}{ws(r)}")
    return (f"{{% set v = {e} %}}{ws(r)}{{#{mark(r)} c {mark(r)}#}}{ws(r)}{{{{ v }}}}|{{{{ v is defined }}}}"
            f"{ws(r)}{{%{mark(r)} set ns = namespace(k=v) {mark(r)}%}}{{{{ ns.k }}}}")


UNREPRODUCIBLE = re.compile(r" at 0x|dict_items\(|dict_keys\(|dict_values\(|range\(|<built-in|<function|<bound|complex|j\)")


def reproducible(result):
    text = result["output"] if "output" in result else result["error"]["message"]
    if UNREPRODUCIBLE.search(text):
        return False
    if any(abs(int(m)) >= 2**63 for m in re.findall(r"-?\d{19,}", text)):
        return False
    if "error" in result and result["error"]["type"] in ("OverflowError", "RecursionError", "MemoryError"):
        return False
    return True


def main():
    r = random.Random(SEED)
    cases = []
    seen = set()
    while len(cases) < COUNT:
        source = template(r)
        if source in seen:
            continue
        seen.add(source)
        result = render(source, CONTEXT)
        if not reproducible(result):
            continue
        cases.append({"name": f"fuzz{len(cases)}", "template": source, **result})
    doc = {"generator": "tools/chat/make_fuzz_fixtures.py", "seed": SEED, "versions": VERSIONS, "now": FIXED_NOW,
           "default_context": CONTEXT, "cases": cases}
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"wrote {len(cases)} cases ({errors} expected errors) to {OUT}")


if __name__ == "__main__":
    main()
