//! Turning a manifest into the argv, environment and folders of one run.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::model::run_error::NotArgs;
use crate::model::{InputMode, Manifest};

/// What every sandboxed program starts from: nothing inherited, a few sane basics.
pub(crate) fn base_env(scratch: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into());
    env.insert("HOME".into(), scratch.display().to_string());
    env.insert("TMPDIR".into(), "/tmp".into());
    env.insert("LANG".into(), "C.UTF-8".into());
    env
}

/// The environment a tool sees: the basics, then its own `env`.
pub(crate) fn tool_env(
    manifest: &Manifest,
    scratch: &Path,
    tool_dir: &Path,
) -> BTreeMap<String, String> {
    let mut env = base_env(scratch);
    env.insert("TOOLBENCH_TOOL_DIR".into(), tool_dir.display().to_string());
    env.insert("TOOLBENCH_SCRATCH".into(), scratch.display().to_string());
    env.extend(manifest.run.env.clone());
    env
}

/// A run whose network is a list of hosts reaches them through its egress proxy: every
/// client that honours the usual variables finds it, for every host.
pub(crate) fn add_proxy_env(env: &mut BTreeMap<String, String>, port: u16) {
    let proxy = format!("http://127.0.0.1:{port}");
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        env.insert(name.into(), proxy.clone());
    }
    env.insert("NO_PROXY".into(), String::new());
    env.insert("no_proxy".into(), String::new());
}

/// The command with words naming files of the tool made absolute (the tool runs in its
/// scratch folder, not its own), plus the input as arguments for `input = "args"`.
pub(crate) fn tool_argv(
    manifest: &Manifest,
    tool_dir: &Path,
    input: Option<&Value>,
) -> Result<Vec<String>, NotArgs> {
    let mut argv: Vec<String> = manifest
        .run
        .command
        .iter()
        .enumerate()
        .map(|(i, word)| resolve_word(i, word, tool_dir))
        .collect();
    if manifest.run.input == InputMode::Args
        && let Some(value) = input
    {
        argv.extend(input_as_args(value, manifest)?);
    }
    Ok(argv)
}

fn resolve_word(index: usize, word: &str, tool_dir: &Path) -> String {
    let relative = !word.starts_with('/') && !word.starts_with('-');
    let names_tool_file =
        relative && (word.contains('/') || index > 0) && tool_dir.join(word).exists();
    let names_program = index == 0 && relative && word.contains('/');
    if names_tool_file || names_program {
        tool_dir.join(word).display().to_string()
    } else {
        word.to_string()
    }
}

/// `args` input: a JSON array gives one argument per element; an object gives its values in
/// the order of the schema's `required` list, then the other keys alphabetically.
fn input_as_args(value: &Value, manifest: &Manifest) -> Result<Vec<String>, NotArgs> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => Ok(items.iter().map(text).collect()),
        Value::Object(map) => {
            let required: Vec<String> = match &manifest.input_schema {
                Some(crate::model::SchemaSource::Inline(schema)) => {
                    serde_json::from_str::<Value>(schema)
                        .ok()
                        .as_ref()
                        .and_then(|schema| schema.get("required"))
                        .and_then(Value::as_array)
                        .map(|r| {
                            r.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            };
            let mut keys: Vec<&String> = required.iter().filter(|k| map.contains_key(*k)).collect();
            keys.extend(map.keys().filter(|k| !required.contains(k)));
            Ok(keys
                .into_iter()
                .filter_map(|k| map.get(k))
                .filter(|v| !v.is_null())
                .map(text)
                .collect())
        }
        Value::Null => Ok(Vec::new()),
        other => Err(NotArgs(other.to_string())),
    }
}
