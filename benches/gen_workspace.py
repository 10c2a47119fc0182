#!/usr/bin/env python3
"""Generates a toolbench workspace of N realistic tools, for benchmarks.

    gen_workspace.py ROOT N          write ROOT/{core,approved,experimental,archived}/...
    gen_workspace.py --list N        print one search line per tool (name, description,
                                     keywords, capabilities; lowercase), as the catalog's
                                     fuzzy search sees them, for `fzf --filter`

This is a line-for-line port of benches/support/mod.rs: both use the same SplitMix64
generator and the same word lists, so for the same N they write byte-identical trees and
the same tools (benches/compare.sh checks this on every run with `diff -r` of two
2,000-tool trees). Change both or neither.

Shape of a tool: a folder named after the tool with a tool.toml like the samples in tools/
(DESIGN.md section 1: run, inline input schema, output, provenance), a main.py of about
1-2 KB, and tests/*.toml for 40% of the tools. Tiers: ~10% core, 30% approved,
45% experimental, 15% archived. About 1% of experimental tools are bare scripts
(experimental/NAME.py, manifest inferred) and about 0.5% of all tools have a broken manifest
(no [run] section), as in a real workspace where agents drop things.
"""

import os
import sys

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def pick(self, items):
        return items[self.below(len(items))]


SUBJECTS = [
    "csv", "json", "yaml", "toml", "xml", "markdown", "html", "log", "git", "docker",
    "sql", "http", "url", "text", "image", "pdf", "zip", "env", "cron", "dns",
    "ssh", "k8s", "s3", "regex", "date", "unicode", "base64", "jwt", "uuid", "semver",
    "python", "rust", "node", "npm", "pip", "test", "lint", "config", "secret", "metric",
]

# (slug, description phrase with {s} for the subject, capability verb)
ACTIONS = [
    ("to_json", "Convert {s} input into a JSON document", "convert"),
    ("to_csv", "Turn {s} records into CSV rows with a header line", "convert"),
    ("to_yaml", "Rewrite {s} content as YAML", "convert"),
    ("validate", "Validate {s} input against the expected structure and report every problem", "validate"),
    ("format", "Pretty-print {s} with stable indentation", "format"),
    ("lint", "Lint {s} files and list findings with line numbers", "lint"),
    ("diff", "Show the differences between two {s} inputs", "diff"),
    ("merge", "Merge several {s} inputs into one", "merge"),
    ("split", "Split a large {s} input into numbered chunks", "split"),
    ("join", "Join {s} records on a shared key", "join"),
    ("extract", "Extract fields from {s} input by path", "extract"),
    ("summarize", "Summarize {s} input: counts, sizes and the most common values", "summarize"),
    ("convert", "Convert {s} between encodings and dialects", "convert"),
    ("filter", "Keep only the {s} records that match a condition", "filter"),
    ("sort", "Sort {s} records by one or more keys", "sort"),
    ("dedupe", "Remove duplicate {s} entries while keeping the first one", "dedupe"),
    ("search", "Search {s} content for a pattern and print the matches", "search"),
    ("count", "Count {s} items grouped by a field", "count"),
    ("clean", "Clean up {s} input: trim, normalise and drop empty values", "clean"),
    ("check", "Check {s} for common mistakes before a release", "check"),
    ("parse", "Parse {s} text into structured JSON", "parse"),
    ("render", "Render {s} into readable text", "render"),
    ("encode", "Encode {s} payloads for transport", "encode"),
    ("decode", "Decode {s} payloads and print them as JSON", "decode"),
    ("fetch", "Fetch {s} resources and print their metadata", "fetch"),
    ("watch", "Watch {s} sources and report changes as they happen", "watch"),
    ("backup", "Back up {s} data into a timestamped archive", "backup"),
    ("rename", "Rename {s} items following a pattern", "rename"),
    ("compress", "Compress {s} data and report the ratio", "compress"),
    ("inspect", "Inspect {s} input and describe its structure", "inspect"),
]

# (slug, extra sentence appended to the description)
QUALIFIERS = [
    ("", "Reads stdin and writes stdout"),
    ("fast", "Optimised for large inputs"),
    ("safe", "Refuses input that could cause side effects"),
    ("batch", "Handles many inputs in one run"),
    ("v2", "Second version with clearer errors"),
    ("lite", "No dependencies beyond the standard library"),
    ("strict", "Fails on the first malformed record"),
    ("stream", "Streams records one by one to keep memory flat"),
    ("multi", "Accepts several files at once"),
    ("local", "Never touches the network"),
    ("dry", "Prints what it would do without doing it"),
    ("pro", "Adds detailed statistics to the output"),
]

KEYWORD_POOL = [
    "data", "convert", "cli", "pipeline", "report", "cleanup", "devops", "ci", "files",
    "automation", "parsing", "format", "export", "import", "analysis", "debug", "security",
    "web", "text", "batch", "stream", "schema", "encoding", "archive", "monitoring",
]

CATEGORIES = [
    "core", "filesystem", "git", "search", "web", "database", "docker", "testing",
    "refactoring", "data", "custom",
]
GENERATORS = ["claude-code", "codex", "some-agent", "gemini-cli"]
TIMEOUTS = [5, 10, 30, 60, 120]
MEMORIES = [64, 128, 256, 512]
INPUT_MODES = ["stdin-json", "stdin-json", "stdin-json", "args", "none"]
FIELDS = ["text", "data", "path", "items", "source", "pattern"]

N_COMBOS = len(SUBJECTS) * len(ACTIONS) * len(QUALIFIERS)  # 14,400 distinct names


def name_permutation():
    rng = SplitMix64(0x7001BE9C4)
    perm = list(range(N_COMBOS))
    for j in range(N_COMBOS - 1, 0, -1):
        k = rng.below(j + 1)
        perm[j], perm[k] = perm[k], perm[j]
    return perm


class Spec:
    pass


def tool_spec(i, perm):
    """Everything about tool number i; consumes the RNG in a fixed order (see mod.rs)."""
    combo = perm[i % N_COMBOS]
    subject = SUBJECTS[combo // (len(ACTIONS) * len(QUALIFIERS))]
    action = ACTIONS[(combo // len(QUALIFIERS)) % len(ACTIONS)]
    qualifier = QUALIFIERS[combo % len(QUALIFIERS)]
    name = subject + "_" + action[0]
    if qualifier[0]:
        name += "_" + qualifier[0]
    if i >= N_COMBOS:
        name += "_" + str(i // N_COMBOS)

    rng = SplitMix64(i + 1)
    s = Spec()
    s.name = name
    r = rng.below(100)
    s.tier = "core" if r < 10 else "approved" if r < 40 else "experimental" if r < 85 else "archived"
    s.version = "%d.%d.%d" % (rng.below(3), rng.below(10), rng.below(20))
    s.description = action[1].replace("{s}", subject.upper() if len(subject) <= 4 else subject) + ". " + qualifier[1]
    s.category = rng.pick(CATEGORIES)
    r = rng.below(100)
    s.cost_tier = "low" if r < 50 else "medium" if r < 80 else "high" if r < 95 else "prohibited"
    s.idempotent = rng.below(4) != 0
    keywords = [subject, action[2]]
    for _ in range(2 + rng.below(3)):
        kw = rng.pick(KEYWORD_POOL)
        if kw not in keywords:
            keywords.append(kw)
    s.keywords = keywords
    s.capabilities = [subject + "." + action[2]]
    if rng.below(3) == 0:
        s.capabilities.append(rng.pick(SUBJECTS) + "." + rng.pick(ACTIONS)[2])
    s.input_mode = rng.pick(INPUT_MODES)
    s.timeout = rng.pick(TIMEOUTS)
    s.memory = rng.pick(MEMORIES)
    s.network = rng.below(5) == 0
    s.field = rng.pick(FIELDS)
    s.output_type = "array" if rng.below(2) == 0 else "object"
    s.origin_ai = rng.below(5) != 0
    s.generator = rng.pick(GENERATORS)
    s.created = "2026-%02d-%02dT%02d:%02d:00Z" % (
        1 + rng.below(12), 1 + rng.below(28), rng.below(24), rng.below(60))
    s.parent = s.tier == "experimental" and rng.below(5) == 0
    s.tests = rng.below(10) < 4
    s.two_tests = rng.below(2) == 0
    s.helpers = 1 + rng.below(3)
    r = rng.below(200)
    s.bare = s.tier == "experimental" and r < 4
    s.broken = r == 199
    return s


def search_line(s):
    return " ".join([s.name, s.description] + s.keywords + s.capabilities).lower()


def q(text):
    """A TOML basic string (our texts hold no quotes or backslashes)."""
    return '"' + text + '"'


def qlist(items):
    return "[" + ", ".join(q(x) for x in items) + "]"


def tool_toml(s):
    out = []
    out.append("name = %s\n" % q(s.name))
    out.append("version = %s\n" % q(s.version))
    out.append("description = %s\n" % q(s.description))
    out.append("category = %s\n" % q(s.category))
    out.append("cost_tier = %s\n" % q(s.cost_tier))
    out.append("idempotent = %s\n" % ("true" if s.idempotent else "false"))
    out.append("keywords = %s\n" % qlist(s.keywords))
    out.append("capabilities = %s\n" % qlist(s.capabilities))
    out.append("use_cases = [\n  %s,\n]\n" % q(
        "run %s on a %s before committing it" % (s.name, s.field)))
    if not s.broken:
        out.append("\n[run]\n")
        out.append('command = ["python3", "main.py"]\n')
        out.append("input = %s\n" % q(s.input_mode))
        out.append("timeout_secs = %d\n" % s.timeout)
        out.append("memory_mb = %d\n" % s.memory)
        out.append("network = %s\n" % ("true" if s.network else "false"))
    out.append("\n[input]\n")
    out.append('type = "object"\n')
    out.append("required = [%s]\n" % q(s.field))
    out.append("\n[input.properties.%s]\n" % s.field)
    out.append('type = "string"\n')
    out.append("description = %s\n" % q("The %s to process" % s.field))
    out.append("\n[output]\n")
    out.append("type = %s\n" % q(s.output_type))
    out.append("\n[provenance]\n")
    out.append("origin = %s\n" % q("ai" if s.origin_ai else "human"))
    if s.origin_ai:
        out.append("generator = %s\n" % q(s.generator))
    out.append("created = %s\n" % s.created)
    if s.parent:
        out.append("parent = %s\n" % q(s.name + "@0.1.0"))
    return "".join(out)


def main_py(s):
    out = []
    out.append("#!/usr/bin/env python3\n")
    out.append('"""%s.\n\n' % s.description)
    out.append('Input (stdin, JSON): {"%s": "..."}\n' % s.field)
    out.append("Output (stdout, JSON): an %s describing the result.\n" % s.output_type)
    out.append('"""\n\n')
    out.append("import json\nimport sys\n\n\n")
    for h in range(s.helpers):
        out.append("def step_%d(value):\n" % h)
        out.append('    """Step %d of %s: normalise, then transform."""\n' % (h, s.name))
        out.append("    if isinstance(value, str):\n")
        out.append("        value = value.strip()\n")
        out.append("    if not value:\n")
        out.append("        return value\n")
        out.append("    parts = [p for p in str(value).split() if p]\n")
        out.append("    return \" \".join(sorted(set(parts), key=parts.index))\n\n\n")
    out.append("def main() -> None:\n")
    out.append("    try:\n")
    out.append("        data = json.loads(sys.stdin.read(), strict=False)\n")
    out.append("    except json.JSONDecodeError as exc:\n")
    out.append('        print(f"%s: input is not valid JSON: {exc}", file=sys.stderr)\n' % s.name)
    out.append("        sys.exit(1)\n")
    out.append('    if not isinstance(data, dict) or "%s" not in data:\n' % s.field)
    out.append('        print(\'%s: field "%s" is required\', file=sys.stderr)\n' % (s.name, s.field))
    out.append("        sys.exit(1)\n")
    out.append('    value = data["%s"]\n' % s.field)
    for h in range(s.helpers):
        out.append("    value = step_%d(value)\n" % h)
    if s.output_type == "array":
        out.append("    print(json.dumps([value]))\n")
    else:
        out.append('    print(json.dumps({"result": value}))\n')
    out.append("\n\nif __name__ == \"__main__\":\n    main()\n")
    return "".join(out)


def test_case(s, variant):
    if variant == 0:
        return ("input = '{\"%s\": \"a b a\"}'\nexpect_exit = 0\n" % s.field)
    return "input = '{}'\nexpect_exit = 1\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def generate_workspace(root, n):
    perm = name_permutation()
    for tier in ("core", "approved", "experimental", "archived"):
        os.makedirs(os.path.join(root, tier), exist_ok=True)
    for i in range(n):
        s = tool_spec(i, perm)
        if s.bare:
            write(os.path.join(root, s.tier, s.name + ".py"), main_py(s))
            continue
        folder = os.path.join(root, s.tier, s.name)
        os.makedirs(folder, exist_ok=True)
        write(os.path.join(folder, "tool.toml"), tool_toml(s))
        write(os.path.join(folder, "main.py"), main_py(s))
        if s.tests:
            os.makedirs(os.path.join(folder, "tests"), exist_ok=True)
            write(os.path.join(folder, "tests", "basic.toml"), test_case(s, 0))
            if s.two_tests:
                write(os.path.join(folder, "tests", "bad_input.toml"), test_case(s, 1))


def main(argv):
    if len(argv) == 3 and argv[1] == "--list":
        perm = name_permutation()
        out = sys.stdout
        for i in range(int(argv[2])):
            out.write(search_line(tool_spec(i, perm)) + "\n")
        return 0
    if len(argv) == 3:
        generate_workspace(argv[1], int(argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
