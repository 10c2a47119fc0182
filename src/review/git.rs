//! Decisions as git commits (`[git] auto_commit = true`), so a team shares reviews.
//!
//! Only the paths a decision changed are staged and committed (`git commit --only`), with a
//! `Reviewed-by:` trailer. Git failing never undoes a decision: the caller gets a warning.
//! Ignored paths (experimental/ and .toolbench/ by default) are left out. Every git here runs
//! as `crate::git` runs it: no program it could run is run.

use std::path::Path;

use crate::git::{Git, GitError, stdout};
use crate::model::decided::Decision;

/// Commits the paths `decision` changed. `Ok(None)` when the root is not in a git work tree
/// or nothing tracked changed; `Ok(Some(short hash))` after a commit; `Err(warning)` when git
/// failed or the repository's configuration would run a program.
pub(crate) fn commit_decision(
    root: &Path,
    who: &str,
    decision: &Decision,
) -> Result<Option<String>, GitError> {
    let plain = Git::plain(root);
    let inside = plain.output(&["rev-parse", "--is-inside-work-tree"]);
    if !inside
        .as_ref()
        .is_ok_and(|o| o.status.success() && stdout(o) == "true")
    {
        return Ok(None);
    }
    let git = plain.hardened()?;
    let mut paths: Vec<&str> = Vec::new();
    for path in &decision.affected {
        let exists = root.join(path).symlink_metadata().is_ok();
        let tracked = git
            .output(&["ls-files", "--", path])
            .is_ok_and(|o| !stdout(&o).is_empty());
        let ignored = git
            .output(&["check-ignore", "-q", "--", path])
            .is_ok_and(|o| o.status.success());
        if tracked || (exists && !ignored) {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Ok(None);
    }
    let mut add = vec!["add", "-A", "--"];
    add.extend(&paths);
    git.run(&add)?;
    let mut staged = vec![
        "diff",
        "--cached",
        "--quiet",
        "--no-ext-diff",
        "--no-textconv",
        "--",
    ];
    staged.extend(&paths);
    if git.output(&staged).is_ok_and(|o| o.status.success()) {
        return Ok(None);
    }
    let subject = commit_subject(decision);
    let trailer = format!("Reviewed-by: {who}");
    let mut commit = vec![
        "commit", "-q", "-m", &subject, "-m", &trailer, "--only", "--",
    ];
    commit.extend(&paths);
    git.run(&commit)?;
    let head = git.run(&["rev-parse", "--short", "HEAD"])?;
    Ok(Some(stdout(&head)))
}
/// `<action> <name>@<version>: <reason>`.
pub(crate) fn commit_subject(decision: &Decision) -> String {
    let mut subject = format!("{} {}@{}", decision.action, decision.tool, decision.version);
    if let Some(reason) = &decision.reason {
        let first_line = reason.lines().next().unwrap_or_default();
        subject.push_str(": ");
        subject.push_str(first_line);
    }
    subject
}
