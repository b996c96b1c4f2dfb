#!/usr/bin/env bash
# Builds the documentation (make docs): DocC catalogues in Sources/*/*.docc plus every public
# symbol's doc comment, into a static site that opens from disk: output/docs/index.html.
#
#   1. symbol graphs of the release build's modules (swift symbolgraph-extract; ReverseAttention's
#      includes ModelRuntime and Tokenization, which it re-exports);
#   2. `docc convert` per module, warnings as errors, with DocC's documentation coverage: a public
#      symbol without a doc comment fails the build;
#   3. rat-docs turns the archives' render JSON into plain HTML pages with relative links
#      (DocC's own web app fetches its JSON at run time, which browsers refuse from file://).
set -euo pipefail
cd "$(dirname "$0")/.."
site=${1:-output/docs}
work=.build/docs
rm -rf "$work" && mkdir -p "$work/graphs"
swift build -c release --product rat-docs 2>&1 | grep -E "error" || true
[ -x .build/release/rat-docs ] || { echo "docs: rat-docs did not build"; exit 1; }

triple=$(swift -print-target-info | python3 -c 'import json,sys; print(json.load(sys.stdin)["target"]["triple"])')
maps=()
for map in .build/release/*.build/module.modulemap $(find .build/checkouts -path "*/include/module.modulemap"); do
    maps+=(-Xcc "-fmodule-map-file=$map")
done

# A page per command of the CLI, made from the command's own --help (so the two cannot
# disagree), added to a copy of ReverseAttention's catalogue under "Command-line tool".
catalogs=$work/catalogs
mkdir -p "$catalogs"
cp -r Sources/ReverseAttention/ReverseAttention.docc "$catalogs/"
swift build -c release --product rat 2>&1 | grep -E "error" || true
python3 - .build/release/rat "$catalogs/ReverseAttention.docc" <<'EOF'
import os, re, subprocess, sys
rat, catalog = sys.argv[1], sys.argv[2]
def help_of(*command):
    env = dict(os.environ, COLUMNS="120")
    return subprocess.run([rat, *command, "--help"], capture_output=True, text=True, env=env, check=True).stdout
root = help_of()
subcommands = re.findall(r"^  (\w+) {2,}", root.split("SUBCOMMANDS:")[1], re.M)
os.makedirs(f"{catalog}/CommandLine", exist_ok=True)
pages = []
for command in [[]] + [[c] for c in subcommands]:
    text = help_of(*command)
    name = " ".join(["rat", *command])
    slug = "-".join(["rat", *command])
    overview = text.split("\n\n")[0].removeprefix("OVERVIEW: ").replace("\n", " ")
    with open(f"{catalog}/CommandLine/{slug}.md", "w") as f:
        f.write(f"# {name}\n\n{overview}\n\n## Overview\n\n")
        f.write(f"This page is `{name} --help`, as the built command prints it.\n\n")
        f.write("```\n" + text.rstrip() + "\n```\n")
    pages.append(slug)
with open(f"{catalog}/ReverseAttention.md", "a") as f:
    f.write("\n### Command-line tool\n\n" + "".join(f"- <doc:{p}>\n" for p in pages))
EOF

# The tutorials' code, step by step: Sources/rat-tutorials/NAME.swift marks its steps with
# `// @step N` … `// @end`, the catalogue's Resources/NAME.sh and NAME.py with `# @step N`; NAME-N.swift (.sh, .py)
# shows the lines outside the marks and those of steps 1…N.
python3 - Sources/rat-tutorials "$catalogs/ReverseAttention.docc/Resources" <<'EOF'
import glob, os, re, sys
source, resources = sys.argv[1], sys.argv[2]
os.makedirs(resources, exist_ok=True)
for path in sorted(glob.glob(source + "/*.swift") + glob.glob(resources + "/*.sh") + glob.glob(resources + "/*.py")):
    lines = open(path).read().split("\n")
    if not any(re.match(r"\s*(//|#) @step \d+$", l) for l in lines):
        continue
    tagged, step = [], None
    for line in lines:
        m = re.match(r"\s*(?://|#) @(step (\d+)|end)$", line)
        if m:
            step = int(m.group(2)) if m.group(2) else None
            continue
        tagged.append((step, line))
    name, extension = os.path.splitext(os.path.basename(path))
    for n in range(1, max(s for s, _ in tagged if s) + 1):
        with open(f"{resources}/{name}-{n}{extension}", "w") as f:
            f.write("\n".join(line for s, line in tagged if s is None or s <= n))
EOF

# module → the modules its graph re-exports
modules=("ReverseAttention:ModelRuntime,Tokenization" "RatServer:" "ChatTemplates:" "GGUF:")
archives=()
status=0
for entry in "${modules[@]}"; do
    module=${entry%%:*} reexported=${entry#*:}
    mkdir -p "$work/graphs/$module"
    extra=()
    [ -n "$reexported" ] && extra=(-experimental-allowed-reexported-modules="$reexported")
    swift symbolgraph-extract -module-name "$module" -I .build/release/Modules "${maps[@]}" -target "$triple" \
        -minimum-access-level public -skip-inherited-docs -output-dir "$work/graphs/$module" "${extra[@]}"
    catalog=$catalogs/$module.docc
    [ -d "$catalog" ] || catalog=Sources/$module/$module.docc
    [ -d "$catalog" ] || catalog=()
    archive=$work/$module.doccarchive
    log=$work/$module.log
    if ! docc convert "${catalog[@]}" --additional-symbol-graph-dir "$work/graphs/$module" \
        --fallback-display-name "$module" --fallback-bundle-identifier "rat.$module" \
        --output-path "$archive" --warnings-as-errors >"$log" 2>&1; then
        echo "docs: docc convert $module failed:"
        grep -E "error|warning" "$log" | head -30
        status=1
        continue
    fi
    # Coverage: every public symbol declared in Sources/ (this module's or one it re-exports)
    # needs its own doc comment; members the compiler synthesizes (`!=`, `hashValue`) have no
    # source location and are not counted.
    if ! python3 - "$work/graphs/$module" "$PWD/Sources/" "$module" <<'EOF'
import glob, json, sys
missing = []
for path in glob.glob(sys.argv[1] + "/*.symbols.json"):
    for symbol in json.load(open(path))["symbols"]:
        uri = symbol.get("location", {}).get("uri", "")
        if sys.argv[2] in uri and not symbol.get("docComment"):
            line = symbol["location"]["position"]["line"] + 1
            missing.append(f"{uri.split(sys.argv[2])[1]}:{line}: {'.'.join(symbol['pathComponents'])}")
for m in sorted(missing)[:60]:
    print("  undocumented: " + m)
if missing:
    print(f"docs: {sys.argv[3]}: {len(missing)} public symbol(s) have no doc comment")
    sys.exit(1)
EOF
    then status=1; fi
    archives+=("$archive")
done
[ $status -eq 0 ] || exit 1
rm -rf "$site"
.build/release/rat-docs "${archives[@]}" --output "$site" --title "rat: Reverse Attention Tracer"
echo "docs: open $site/index.html"
