//! Decisions as git commits (`[git] auto_commit = true`), so a team shares reviews.
//!
//! Only the paths a decision changed are staged and committed (`git commit --only`), with a
//! `Reviewed-by:` trailer. Git failing never undoes a decision: the caller gets a warning.
//! Ignored paths (experimental/ and .toolbench/ by default) are left out.

use std::path::Path;
use std::process::{Command, Output};

use super::decision::Decision;

/// Commits the paths `decision` changed. `Ok(None)` when the root is not in a git work tree
/// or nothing tracked changed; `Ok(Some(short hash))` after a commit; `Err(warning)` when git
/// failed.
pub(crate) fn commit_decision(
    root: &Path,
    who: &str,
    decision: &Decision,
) -> Result<Option<String>, GitError> {
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"]);
    if !inside
        .as_ref()
        .is_ok_and(|o| o.status.success() && stdout(o) == "true")
    {
        return Ok(None);
    }
    let mut paths: Vec<&str> = Vec::new();
    for path in &decision.affected {
        let exists = root.join(path).symlink_metadata().is_ok();
        let tracked = git(root, &["ls-files", "--", path]).is_ok_and(|o| !stdout(&o).is_empty());
        let ignored =
            git(root, &["check-ignore", "-q", "--", path]).is_ok_and(|o| o.status.success());
        if tracked || (exists && !ignored) {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Ok(None);
    }
    let mut add = vec!["add", "-A", "--"];
    add.extend(&paths);
    run(root, &add)?;
    let mut staged = vec!["diff", "--cached", "--quiet", "--"];
    staged.extend(&paths);
    if git(root, &staged).is_ok_and(|o| o.status.success()) {
        return Ok(None);
    }
    let subject = commit_subject(decision);
    let trailer = format!("Reviewed-by: {who}");
    let mut commit = vec![
        "commit", "-q", "-m", &subject, "-m", &trailer, "--only", "--",
    ];
    commit.extend(&paths);
    run(root, &commit)?;
    let head = run(root, &["rev-parse", "--short", "HEAD"])?;
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

fn git(root: &Path, args: &[&str]) -> std::io::Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
}

/// Why git did not commit a decision; the decision stands.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    #[error("git {verb} failed, the decision stands uncommitted: {message}")]
    Failed { verb: String, message: String },
    #[error("git {verb} could not run, the decision stands uncommitted: {error}")]
    NotRun { verb: String, error: std::io::Error },
}

fn run(root: &Path, args: &[&str]) -> Result<Output, GitError> {
    let verb = args.first().copied().unwrap_or_default().to_string();
    match git(root, args) {
        Ok(output) if output.status.success() => Ok(output),
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            Err(GitError::Failed {
                verb,
                message: last.trim().to_string(),
            })
        }
        Err(error) => Err(GitError::NotRun { verb, error }),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
