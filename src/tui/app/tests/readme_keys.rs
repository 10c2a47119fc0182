//! The README's keys table and `?` (generated from the keymap) name the same keys.

use crate::tui::keymap::Keymap;

/// The backticked words of the README's "### Keys" table.
fn readme_keys() -> Vec<String> {
    let readme = include_str!("../../../../README.md");
    let table = readme
        .split("### Keys")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_default();
    table
        .lines()
        .filter(|l| l.starts_with('|'))
        .flat_map(|l| l.split('`').skip(1).step_by(2).map(str::to_string))
        .flat_map(|code| {
            code.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_default_key_in_the_help_is_in_the_readmes_keys_table() {
    let documented = readme_keys();
    let mut missing = Vec::new();
    for (context, rows) in Keymap::defaults().sections() {
        for (keys, action) in rows {
            for key in keys.split_whitespace() {
                if !documented.iter().any(|d| d == key) {
                    missing.push(format!("{}: {key} ({})", context.name(), action.name()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys `?` lists but the README does not: {missing:#?}"
    );
}
