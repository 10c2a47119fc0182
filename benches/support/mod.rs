//! Generated workspaces for the catalog benchmarks.
//!
//! A line-for-line port of `benches/gen_workspace.py` (which `benches/compare.sh` uses): the
//! same SplitMix64 generator and word lists, so for the same N both write byte-identical trees
//! and describe the same tools. Change both or neither.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use toolbench::model::{Category, CostTier, Tier, ToolEntry};

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SUBJECTS: &[&str] = &[
    "csv", "json", "yaml", "toml", "xml", "markdown", "html", "log", "git", "docker", "sql",
    "http", "url", "text", "image", "pdf", "zip", "env", "cron", "dns", "ssh", "k8s", "s3",
    "regex", "date", "unicode", "base64", "jwt", "uuid", "semver", "python", "rust", "node", "npm",
    "pip", "test", "lint", "config", "secret", "metric",
];

/// (slug, description phrase with `{s}` for the subject, capability verb)
const ACTIONS: &[(&str, &str, &str)] = &[
    (
        "to_json",
        "Convert {s} input into a JSON document",
        "convert",
    ),
    (
        "to_csv",
        "Turn {s} records into CSV rows with a header line",
        "convert",
    ),
    ("to_yaml", "Rewrite {s} content as YAML", "convert"),
    (
        "validate",
        "Validate {s} input against the expected structure and report every problem",
        "validate",
    ),
    (
        "format",
        "Pretty-print {s} with stable indentation",
        "format",
    ),
    (
        "lint",
        "Lint {s} files and list findings with line numbers",
        "lint",
    ),
    (
        "diff",
        "Show the differences between two {s} inputs",
        "diff",
    ),
    ("merge", "Merge several {s} inputs into one", "merge"),
    (
        "split",
        "Split a large {s} input into numbered chunks",
        "split",
    ),
    ("join", "Join {s} records on a shared key", "join"),
    (
        "extract",
        "Extract fields from {s} input by path",
        "extract",
    ),
    (
        "summarize",
        "Summarize {s} input: counts, sizes and the most common values",
        "summarize",
    ),
    (
        "convert",
        "Convert {s} between encodings and dialects",
        "convert",
    ),
    (
        "filter",
        "Keep only the {s} records that match a condition",
        "filter",
    ),
    ("sort", "Sort {s} records by one or more keys", "sort"),
    (
        "dedupe",
        "Remove duplicate {s} entries while keeping the first one",
        "dedupe",
    ),
    (
        "search",
        "Search {s} content for a pattern and print the matches",
        "search",
    ),
    ("count", "Count {s} items grouped by a field", "count"),
    (
        "clean",
        "Clean up {s} input: trim, normalise and drop empty values",
        "clean",
    ),
    (
        "check",
        "Check {s} for common mistakes before a release",
        "check",
    ),
    ("parse", "Parse {s} text into structured JSON", "parse"),
    ("render", "Render {s} into readable text", "render"),
    ("encode", "Encode {s} payloads for transport", "encode"),
    (
        "decode",
        "Decode {s} payloads and print them as JSON",
        "decode",
    ),
    (
        "fetch",
        "Fetch {s} resources and print their metadata",
        "fetch",
    ),
    (
        "watch",
        "Watch {s} sources and report changes as they happen",
        "watch",
    ),
    (
        "backup",
        "Back up {s} data into a timestamped archive",
        "backup",
    ),
    ("rename", "Rename {s} items following a pattern", "rename"),
    (
        "compress",
        "Compress {s} data and report the ratio",
        "compress",
    ),
    (
        "inspect",
        "Inspect {s} input and describe its structure",
        "inspect",
    ),
];

/// (slug, extra sentence appended to the description)
const QUALIFIERS: &[(&str, &str)] = &[
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
];

const KEYWORD_POOL: &[&str] = &[
    "data",
    "convert",
    "cli",
    "pipeline",
    "report",
    "cleanup",
    "devops",
    "ci",
    "files",
    "automation",
    "parsing",
    "format",
    "export",
    "import",
    "analysis",
    "debug",
    "security",
    "web",
    "text",
    "batch",
    "stream",
    "schema",
    "encoding",
    "archive",
    "monitoring",
];

const CATEGORIES: &[&str] = &[
    "core",
    "filesystem",
    "git",
    "search",
    "web",
    "database",
    "docker",
    "testing",
    "refactoring",
    "data",
    "custom",
];
const GENERATORS: &[&str] = &["claude-code", "codex", "some-agent", "gemini-cli"];
const TIMEOUTS: &[u32] = &[5, 10, 30, 60, 120];
const MEMORIES: &[u32] = &[64, 128, 256, 512];
const INPUT_MODES: &[&str] = &["stdin-json", "stdin-json", "stdin-json", "args", "none"];
const FIELDS: &[&str] = &["text", "data", "path", "items", "source", "pattern"];

/// 14,400 distinct names; beyond that a `_N` suffix keeps them unique.
const N_COMBOS: usize = 40 * 30 * 12;

/// Everything about one generated tool.
pub struct Spec {
    pub name: String,
    pub tier: Tier,
    pub version: String,
    pub description: String,
    pub category: &'static str,
    pub cost_tier: &'static str,
    pub idempotent: bool,
    pub keywords: Vec<String>,
    pub capabilities: Vec<String>,
    input_mode: &'static str,
    timeout: u32,
    memory: u32,
    network: bool,
    field: &'static str,
    output_type: &'static str,
    origin_ai: bool,
    generator: &'static str,
    created: String,
    parent: bool,
    tests: bool,
    two_tests: bool,
    helpers: usize,
    /// A bare script `experimental/NAME.py` instead of a folder.
    pub bare: bool,
    /// A manifest without its `[run]` section.
    pub broken: bool,
}

/// The generator of tool specs: a fixed shuffle of the name combinations.
pub struct Generator {
    perm: Vec<usize>,
}

impl Default for Generator {
    fn default() -> Self {
        Self::new()
    }
}

impl Generator {
    pub fn new() -> Self {
        assert_eq!(N_COMBOS, SUBJECTS.len() * ACTIONS.len() * QUALIFIERS.len());
        let mut rng = SplitMix64(0x7_001B_E9C4);
        let mut perm: Vec<usize> = (0..N_COMBOS).collect();
        for j in (1..N_COMBOS).rev() {
            let k = rng.below(j + 1);
            perm.swap(j, k);
        }
        Self { perm }
    }

    /// Tool number `i`; draws from its own RNG in the same order as `tool_spec` in the script.
    pub fn spec(&self, i: usize) -> Spec {
        let combo = self.perm[i % N_COMBOS];
        let subject = SUBJECTS[combo / (ACTIONS.len() * QUALIFIERS.len())];
        let action = ACTIONS[(combo / QUALIFIERS.len()) % ACTIONS.len()];
        let qualifier = QUALIFIERS[combo % QUALIFIERS.len()];
        let mut name = format!("{subject}_{}", action.0);
        if !qualifier.0.is_empty() {
            name.push('_');
            name.push_str(qualifier.0);
        }
        if i >= N_COMBOS {
            let _ = write!(name, "_{}", i / N_COMBOS);
        }

        let mut rng = SplitMix64(i as u64 + 1);
        let r = rng.below(100);
        let tier = match r {
            0..10 => Tier::Core,
            10..40 => Tier::Approved,
            40..85 => Tier::Experimental,
            _ => Tier::Archived,
        };
        let version = format!("{}.{}.{}", rng.below(3), rng.below(10), rng.below(20));
        let shown_subject = if subject.len() <= 4 {
            subject.to_uppercase()
        } else {
            subject.to_string()
        };
        let description = format!(
            "{}. {}",
            action.1.replace("{s}", &shown_subject),
            qualifier.1
        );
        let category = *rng.pick(CATEGORIES);
        let r = rng.below(100);
        let cost_tier = match r {
            0..50 => "low",
            50..80 => "medium",
            80..95 => "high",
            _ => "prohibited",
        };
        let idempotent = rng.below(4) != 0;
        let mut keywords = vec![subject.to_string(), action.2.to_string()];
        for _ in 0..2 + rng.below(3) {
            let kw = *rng.pick(KEYWORD_POOL);
            if !keywords.iter().any(|k| k == kw) {
                keywords.push(kw.to_string());
            }
        }
        let mut capabilities = vec![format!("{subject}.{}", action.2)];
        if rng.below(3) == 0 {
            let s = *rng.pick(SUBJECTS);
            let a = rng.pick(ACTIONS).2;
            capabilities.push(format!("{s}.{a}"));
        }
        let input_mode = *rng.pick(INPUT_MODES);
        let timeout = *rng.pick(TIMEOUTS);
        let memory = *rng.pick(MEMORIES);
        let network = rng.below(5) == 0;
        let field = *rng.pick(FIELDS);
        let output_type = if rng.below(2) == 0 { "array" } else { "object" };
        let origin_ai = rng.below(5) != 0;
        let generator = *rng.pick(GENERATORS);
        let (month, day, hour, minute) = (
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
        );
        let created = format!("2026-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z");
        let parent = tier == Tier::Experimental && rng.below(5) == 0;
        let tests = rng.below(10) < 4;
        let two_tests = rng.below(2) == 0;
        let helpers = 1 + rng.below(3);
        let r = rng.below(200);
        Spec {
            name,
            tier,
            version,
            description,
            category,
            cost_tier,
            idempotent,
            keywords,
            capabilities,
            input_mode,
            timeout,
            memory,
            network,
            field,
            output_type,
            origin_ai,
            generator,
            created,
            parent,
            tests,
            two_tests,
            helpers,
            bare: tier == Tier::Experimental && r < 4,
            broken: r == 199,
        }
    }
}

impl Spec {
    /// The catalog entry a scan would produce (listing fields only), without touching disk.
    pub fn entry(&self, root: &Path) -> ToolEntry {
        ToolEntry {
            tier: self.tier,
            path: root.join(self.tier.dir_name()).join(&self.name),
            name: self.name.clone(),
            version: self.version.clone(),
            description: self.description.as_str().into(),
            category: self.category.parse::<Category>().ok(),
            cost_tier: self.cost_tier.parse::<CostTier>().ok(),
            keywords: self.keywords.iter().collect(),
            capabilities: self.capabilities.iter().collect(),
            inferred: false,
            content_hash: String::new(),
            error: None,
            oversized: false,
            fingerprint: String::new(),
            warnings: Vec::new(),
            manifest: None,
            writable_by_others: None,
            has_lock: false,
            drift: None,
            signature: None,
        }
    }

    fn tool_toml(&self) -> String {
        let q = |s: &str| format!("\"{s}\"");
        let qlist = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let b = |v: bool| if v { "true" } else { "false" };
        let mut out = String::new();
        let _ = writeln!(out, "name = {}", q(&self.name));
        let _ = writeln!(out, "version = {}", q(&self.version));
        let _ = writeln!(out, "description = {}", q(&self.description));
        let _ = writeln!(out, "category = {}", q(self.category));
        let _ = writeln!(out, "cost_tier = {}", q(self.cost_tier));
        let _ = writeln!(out, "idempotent = {}", b(self.idempotent));
        let _ = writeln!(out, "keywords = {}", qlist(&self.keywords));
        let _ = writeln!(out, "capabilities = {}", qlist(&self.capabilities));
        let _ = writeln!(
            out,
            "use_cases = [\n  {},\n]",
            q(&format!(
                "run {} on a {} before committing it",
                self.name, self.field
            ))
        );
        if !self.broken {
            out.push_str("\n[run]\n");
            out.push_str("command = [\"python3\", \"main.py\"]\n");
            let _ = writeln!(out, "input = {}", q(self.input_mode));
            let _ = writeln!(out, "timeout_secs = {}", self.timeout);
            let _ = writeln!(out, "memory_mb = {}", self.memory);
            let _ = writeln!(out, "network = {}", b(self.network));
        }
        out.push_str("\n[input]\n");
        out.push_str("type = \"object\"\n");
        let _ = writeln!(out, "required = [{}]", q(self.field));
        let _ = writeln!(out, "\n[input.properties.{}]", self.field);
        out.push_str("type = \"string\"\n");
        let _ = writeln!(
            out,
            "description = {}",
            q(&format!("The {} to process", self.field))
        );
        out.push_str("\n[output]\n");
        let _ = writeln!(out, "type = {}", q(self.output_type));
        out.push_str("\n[provenance]\n");
        let _ = writeln!(
            out,
            "origin = {}",
            q(if self.origin_ai { "ai" } else { "human" })
        );
        if self.origin_ai {
            let _ = writeln!(out, "generator = {}", q(self.generator));
        }
        let _ = writeln!(out, "created = {}", self.created);
        if self.parent {
            let _ = writeln!(out, "parent = {}", q(&format!("{}@0.1.0", self.name)));
        }
        out
    }

    fn main_py(&self) -> String {
        let (name, field) = (&self.name, self.field);
        let mut out = String::new();
        out.push_str("#!/usr/bin/env python3\n");
        let _ = write!(out, "\"\"\"{}.\n\n", self.description);
        let _ = writeln!(out, "Input (stdin, JSON): {{\"{field}\": \"...\"}}");
        let _ = writeln!(
            out,
            "Output (stdout, JSON): an {} describing the result.",
            self.output_type
        );
        out.push_str("\"\"\"\n\n");
        out.push_str("import json\nimport sys\n\n\n");
        for h in 0..self.helpers {
            let _ = writeln!(out, "def step_{h}(value):");
            let _ = writeln!(
                out,
                "    \"\"\"Step {h} of {name}: normalise, then transform.\"\"\""
            );
            out.push_str("    if isinstance(value, str):\n");
            out.push_str("        value = value.strip()\n");
            out.push_str("    if not value:\n");
            out.push_str("        return value\n");
            out.push_str("    parts = [p for p in str(value).split() if p]\n");
            out.push_str("    return \" \".join(sorted(set(parts), key=parts.index))\n\n\n");
        }
        out.push_str("def main() -> None:\n");
        out.push_str("    try:\n");
        out.push_str("        data = json.loads(sys.stdin.read(), strict=False)\n");
        out.push_str("    except json.JSONDecodeError as exc:\n");
        let _ = writeln!(
            out,
            "        print(f\"{name}: input is not valid JSON: {{exc}}\", file=sys.stderr)"
        );
        out.push_str("        sys.exit(1)\n");
        let _ = writeln!(
            out,
            "    if not isinstance(data, dict) or \"{field}\" not in data:"
        );
        let _ = writeln!(
            out,
            "        print('{name}: field \"{field}\" is required', file=sys.stderr)"
        );
        out.push_str("        sys.exit(1)\n");
        let _ = writeln!(out, "    value = data[\"{field}\"]");
        for h in 0..self.helpers {
            let _ = writeln!(out, "    value = step_{h}(value)");
        }
        if self.output_type == "array" {
            out.push_str("    print(json.dumps([value]))\n");
        } else {
            out.push_str("    print(json.dumps({\"result\": value}))\n");
        }
        out.push_str("\n\nif __name__ == \"__main__\":\n    main()\n");
        out
    }

    fn test_case(&self, variant: usize) -> String {
        if variant == 0 {
            format!(
                "input = '{{\"{}\": \"a b a\"}}'\nexpect_exit = 0\n",
                self.field
            )
        } else {
            "input = '{}'\nexpect_exit = 1\n".to_string()
        }
    }

    fn write(&self, root: &Path) -> std::io::Result<()> {
        let tier_dir = root.join(self.tier.dir_name());
        if self.bare {
            return std::fs::write(tier_dir.join(format!("{}.py", self.name)), self.main_py());
        }
        let folder = tier_dir.join(&self.name);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join("tool.toml"), self.tool_toml())?;
        std::fs::write(folder.join("main.py"), self.main_py())?;
        if self.tests {
            let tests = folder.join("tests");
            std::fs::create_dir_all(&tests)?;
            std::fs::write(tests.join("basic.toml"), self.test_case(0))?;
            if self.two_tests {
                std::fs::write(tests.join("bad_input.toml"), self.test_case(1))?;
            }
        }
        Ok(())
    }
}

/// Writes `n` generated tools under `root` (the four tier folders are created).
pub fn generate_workspace(root: &Path, n: usize) -> std::io::Result<()> {
    let generator = Generator::new();
    for tier in Tier::ALL {
        std::fs::create_dir_all(root.join(tier.dir_name()))?;
    }
    for i in 0..n {
        generator.spec(i).write(root)?;
    }
    Ok(())
}

/// `n` catalog entries synthesized in memory (no disk), as a scan of `generate_workspace`
/// would list them apart from bare scripts and broken manifests.
pub fn synthesize_entries(n: usize) -> Vec<ToolEntry> {
    let generator = Generator::new();
    let root = PathBuf::from("/synthetic");
    (0..n).map(|i| generator.spec(i).entry(&root)).collect()
}
