//! Inferred manifests for bare scripts that agents drop straight into `experimental/`.
//!
//! Reads only the script's text; never writes. The result is marked `inferred` so review shows
//! that nobody wrote this manifest.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog::manifest::is_valid_name;
use crate::model::{
    Category, CostTier, InputMode, Manifest, Origin, Permissions, Provenance, RunSpec,
};

/// Script endings we recognise, with the interpreter that runs them.
const INTERPRETERS: &[(&str, &str)] = &[
    ("py", "python3"),
    ("sh", "sh"),
    ("bash", "bash"),
    ("js", "node"),
    ("mjs", "node"),
    ("rb", "ruby"),
    ("pl", "perl"),
];

/// True when a loose file looks like a tool: a known script ending or a shebang line. `head`
/// gives the file's first bytes, asked only when the ending does not tell (a listing of
/// `experimental/` then opens no `.py` file to learn it is a script).
pub(crate) fn looks_like_script(path: &Path, head: impl FnOnce() -> Vec<u8>) -> bool {
    let known_ending = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|ext| INTERPRETERS.iter().any(|(e, _)| *e == ext));
    known_ending || head().starts_with(b"#!")
}

/// Builds the manifest a human would most likely have written for this script.
pub(crate) fn infer_manifest(path: &Path, text: &str) -> Manifest {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Manifest {
        name: infer_name(path),
        version: semver::Version::new(0, 1, 0),
        description: infer_description(text)
            .unwrap_or_else(|| format!("Bare script {file_name} (manifest inferred)"))
            .into(),
        category: Category::Custom,
        // Nobody has judged the cost yet: ask before running on the default preset.
        cost_tier: CostTier::Medium,
        idempotent: false,
        keywords: Default::default(),
        capabilities: Default::default(),
        use_cases: Vec::new(),
        run: RunSpec {
            command: infer_command(path, text, &file_name),
            input: InputMode::StdinJson,
            timeout_secs: RunSpec::DEFAULT_TIMEOUT_SECS,
            memory_mb: RunSpec::DEFAULT_MEMORY_MB,
            env: BTreeMap::new(),
        },
        input_schema: None,
        output_schema: None,
        permissions: Permissions::default(),
        provenance: Provenance {
            origin: Some(Origin::Ai),
            ..Provenance::default()
        },
        service: None,
        mcp: Default::default(),
        inferred: true,
        dependencies: Default::default(),
    }
}

/// The file stem folded into a valid tool name (`Count TODOs.py` → `count_todos`).
pub(crate) fn infer_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    name = name
        .trim_start_matches(['_', '-'])
        .chars()
        .take(64)
        .collect();
    if is_valid_name(&name) {
        name
    } else {
        "script".to_string()
    }
}

fn infer_command(path: &Path, text: &str, file_name: &str) -> Vec<String> {
    if let Some(interpreter) = shebang_interpreter(text) {
        return vec![interpreter, file_name.to_string()];
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match INTERPRETERS.iter().find(|(e, _)| *e == ext) {
        Some((_, interpreter)) => vec![interpreter.to_string(), file_name.to_string()],
        None => vec![format!("./{file_name}")],
    }
}

/// `#!/usr/bin/env python3` → `python3`; `#!/bin/bash -e` → `/bin/bash`.
fn shebang_interpreter(text: &str) -> Option<String> {
    let line = text.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if first.ends_with("/env") {
        words.find(|w| !w.starts_with('-')).map(str::to_string)
    } else {
        Some(first.to_string())
    }
}

/// The first line of a leading docstring or comment block.
fn infer_description(text: &str) -> Option<String> {
    for line in text.lines().skip_while(|l| l.starts_with("#!")) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let stripped = trimmed
            .trim_start_matches("\"\"\"")
            .trim_start_matches("'''")
            .trim_start_matches("//")
            .trim_start_matches('#')
            .trim_end_matches("\"\"\"")
            .trim_end_matches("'''")
            .trim();
        let is_comment = ["\"\"\"", "'''", "#", "//"]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if !is_comment || stripped.is_empty() || stripped.starts_with("-*-") {
            return None;
        }
        return Some(stripped.chars().take(200).collect());
    }
    None
}

/// The `tool.toml` text of an inferred manifest, as it would be written when the script is
/// wrapped into a folder.
pub(crate) fn render_inferred_manifest(m: &Manifest) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let command: Vec<String> = m.run.command.iter().map(|c| quote(c)).collect();
    format!(
        "# Inferred by toolbench from a bare script: review before trusting it.\n\
         name = {}\nversion = \"{}\"\ndescription = {}\ncategory = \"{}\"\ncost_tier = \"{}\"\ninferred = true\n\n\
         [run]\ncommand = [{}]\ninput = \"{}\"\ntimeout_secs = {}\nmemory_mb = {}\n\n\
         [provenance]\norigin = \"ai\"\n",
        quote(&m.name),
        m.version,
        quote(&m.description),
        m.category,
        m.cost_tier,
        command.join(", "),
        m.run.input,
        m.run.timeout_secs,
        m.run.memory_mb,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_script_with_docstring_gets_a_useful_manifest() {
        let text = "#!/usr/bin/env python3\n\"\"\"Count TODO and FIXME markers in text.\"\"\"\nimport sys\n";
        let m = infer_manifest(Path::new("experimental/Count TODOs.py"), text);
        assert_eq!(m.name, "count_todos");
        assert_eq!(&*m.description, "Count TODO and FIXME markers in text.");
        assert_eq!(m.run.command, ["python3", "Count TODOs.py"]);
        assert!(m.inferred);
        assert_eq!(m.cost_tier, CostTier::Medium);
    }

    #[test]
    fn shell_script_without_comment_falls_back() {
        let m = infer_manifest(Path::new("x/clean.sh"), "rm -f a\n");
        assert_eq!(m.run.command, ["sh", "clean.sh"]);
        assert_eq!(&*m.description, "Bare script clean.sh (manifest inferred)");
    }

    #[test]
    fn odd_file_names_still_give_valid_names() {
        assert_eq!(infer_name(Path::new("__.py")), "script");
        assert_eq!(infer_name(Path::new("My-Tool.v2.sh")), "my-tool_v2");
    }

    #[test]
    fn rendered_inferred_manifest_parses_back_to_the_same_manifest() {
        let m = infer_manifest(Path::new("x/say \"hi\".py"), "# Say \"hi\"\n");
        let text = render_inferred_manifest(&m);
        let parsed =
            crate::catalog::manifest::parse_manifest(&text, Path::new("tool.toml")).expect("valid");
        assert_eq!(parsed.manifest, m);
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn only_scripts_count_as_tools() {
        let head = |text: &str| {
            let text = text.as_bytes().to_vec();
            move || text
        };
        let never = || -> Vec<u8> { panic!("the ending tells") };
        assert!(looks_like_script(Path::new("a.py"), never));
        assert!(looks_like_script(Path::new("run"), head("#!/bin/sh\n")));
        assert!(!looks_like_script(Path::new("notes.txt"), head("hello")));
    }
}
