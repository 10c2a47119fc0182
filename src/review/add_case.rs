//! A reviewer turns an input that broke a candidate (one validation generated) into a test
//! case of the candidate: `tests/generated-N.toml` that expects the input to be handled (exit
//! 0). The candidate's content changes, so it is validated again; the change is recorded as a
//! decision of the reviewer's (`add_case`) with the content before and after.

use std::path::Path;

use super::steps::{InPlace, begin, named, record_in_place, relative, resolve, wrap_if_bare};
use super::{ReviewContext, ReviewError};
use crate::model::decided::Decision;
use crate::model::{Tier, ToolId};
use crate::safe_fs::Dir;
use crate::store::{DecisionAction, StoreAccess};

/// Case files a tool may hold before a new one is refused: more is no test suite anyone reads.
const MAX_CASES: usize = 1000;

/// Writes `input` (JSON text) as a new test case of the candidate `spec` names, with `why`
/// (the failure it showed) in the file and the decision's reason.
pub(crate) fn add_case(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    input: &str,
    why: &str,
) -> Result<Decision, ReviewError> {
    const ACTION: &str = "add a test case to";
    let value = serde_json::from_str::<serde_json::Value>(input)
        .map_err(|e| ReviewError::refused(ACTION, spec, format!("the input is not JSON ({e})")))?;
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    let catalog = named(ctx, store, spec, &[Tier::Experimental]);
    let found = resolve(&catalog, spec, &[Tier::Experimental], ACTION)?;
    let (entry, wrapped) = wrap_if_bare(ctx, store, &lock, ACTION, found)?;
    // A case the schema refuses would test the runner's refusal, not the tool.
    if let Some(source) = entry
        .manifest
        .as_ref()
        .and_then(|m| m.input_schema.as_ref())
    {
        let accepted = crate::catalog::schema_file::load(source, &entry.path)
            .and_then(|schema| crate::model::input_schema::check(&schema, &value));
        if let Err(why) = accepted {
            return Err(ReviewError::refused(
                ACTION,
                spec,
                format!("its input schema refuses the input: {why}"),
            ));
        }
    }
    // The candidate's folder is its author's: opened beneath the root, never through a link.
    let folder = Dir::open(ctx.root())?.open_dir(Path::new(&relative(ctx.root(), &entry.path)))?;
    let file = free_case_name(&entry.path).ok_or_else(|| {
        ReviewError::refused(ACTION, spec, format!("it holds {MAX_CASES} cases already"))
    })?;
    // A new file, never over one and never through a link the candidate's author left.
    let at = crate::clock::now_rfc3339();
    let text = case_text(input, &format!("{} on {at}: {why}", ctx.who));
    folder.write_new(Path::new(&file), text.as_bytes(), 0o644)?;
    folder.fsync();

    let changed = InPlace {
        action: DecisionAction::AddCase,
        entry,
        at,
        reason: format!("{file}: {why}"),
        wrapped,
        recovered,
    };
    record_in_place(ctx, store, lock, changed)
}

/// `tests/generated-N.toml` for the first N no file takes.
fn free_case_name(tool_dir: &Path) -> Option<String> {
    (1..=MAX_CASES)
        .map(|n| format!("tests/generated-{n}.toml"))
        .find(|name| tool_dir.join(name).symlink_metadata().is_err())
}

/// The case file: who added it and why, the input, and that it must be handled.
fn case_text(input: &str, why: &str) -> String {
    let why = why.replace(['\n', '\r'], " ");
    format!(
        "# Added by {why}\n# The input schema accepts this input, so the tool must handle it.\n\
         input = {}\nexpect_exit = 0\n",
        toml::Value::String(input.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_file_reads_back_as_the_input_expecting_exit_zero() {
        let text = case_text(r#"{"a":0,"b":"it's \"x\""}"#, "exit 1: boom\nmore");
        let case = crate::review::validate::parse_case(
            "generated-1",
            "tests/generated-1.toml",
            &text,
            crate::model::InputMode::StdinJson,
        )
        .expect("a valid case");
        assert_eq!(case.input, r#"{"a":0,"b":"it's \"x\""}"#);
        assert_eq!(case.expect_exit, 0);
        assert!(case.unknown_fields.is_empty());
    }

    #[test]
    fn the_next_free_name_skips_taken_ones_and_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("tests")).expect("tests");
        std::fs::write(dir.path().join("tests/generated-1.toml"), "").expect("case");
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("tests/generated-2.toml"))
            .expect("link");
        assert_eq!(
            free_case_name(dir.path()).as_deref(),
            Some("tests/generated-3.toml")
        );
    }
}
