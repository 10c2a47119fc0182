//! The workspace's reviewers: a reviewer's key added to `.reviews/allowed_signers` (and
//! trusted here), and the workspace's reviewers trusted on this machine as it lists them now.
//! Both write files a person's trust rests on, so they go through the door like any decision.

use std::path::PathBuf;

use super::applied::Applied;
use super::context::{Context, blocking};
use super::error::CommandError;
use crate::model::signers::Trust;

/// Adds `principal`, whose public key is in `key_file`, to the workspace's reviewers, and
/// trusts that key on this machine.
pub(super) async fn add(
    ctx: &Context,
    principal: String,
    key_file: PathBuf,
) -> Result<Applied, CommandError> {
    let review = ctx.review.clone();
    blocking(move || {
        let signing_key = review.config().review.signing_key.as_deref();
        let entry = crate::signature::widen::add(
            review.root(),
            &principal,
            &key_file,
            &review.who,
            signing_key,
        )
        .map_err(CommandError::Signers)?;
        Ok(Applied::SignerAdded {
            principal,
            fingerprint: entry.fingerprint(),
        })
    })
    .await
}

/// Trusts, on this machine, the workspace's reviewers as its allowed_signers lists them now,
/// and its `[review] signatures` as the least it may ask for later
/// (`Trust::load_whole`).
pub(super) async fn accept(ctx: &Context) -> Result<Applied, CommandError> {
    let review = ctx.review.clone();
    blocking(move || {
        let root = review.root();
        Trust::load_whole(root).map_err(CommandError::Signers)?;
        let floor = crate::signature::asked_by_workspace(root);
        let signing_key = review.config().review.signing_key.as_deref();
        let (accepted, file) =
            crate::signature::widen::accept_here(root, floor, &review.who, signing_key)
                .map_err(CommandError::Signers)?;
        Ok(Applied::SignersAccepted {
            keys: accepted.entries.len(),
            file,
            at_least: floor,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::super::{Command, apply};
    use crate::model::RunOrigin;
    use crate::workbench::Workbench;

    fn refusal(root: &std::path::Path, command: Command) -> String {
        let workbench = Workbench::at(root, None).expect("opened");
        let ctx = workbench.caller(RunOrigin::Cli).expect("context");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let error = runtime.block_on(apply(&ctx, command)).expect_err("refused");
        error.to_string()
    }

    /// A key file that holds no public key is named in one line, and the workspace's list of
    /// reviewers is not written.
    #[test]
    fn a_reviewer_whose_key_file_is_no_key_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let key = dir.path().join("id_ed25519");
        std::fs::write(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n").expect("write");
        let add = Command::AddSigner {
            principal: "ana@example.com".into(),
            key_file: key.clone(),
        };
        let why = refusal(dir.path(), add);
        assert!(why.starts_with(&key.display().to_string()), "{why}");
        assert!(why.contains("not an OpenSSH public key"), "{why}");
        assert!(!why.contains('\n'), "one line: {why}");
        let signers = dir.path().join(crate::model::signers::WORKSPACE_SIGNERS);
        assert!(!signers.exists(), "nothing added");
    }

    /// A principal that would widen the list past one reviewer (a pattern) is refused.
    #[test]
    fn a_reviewer_named_by_a_pattern_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let add = Command::AddSigner {
            principal: "*@example.com".into(),
            key_file: dir.path().join("id.pub"),
        };
        let why = refusal(dir.path(), add);
        assert!(why.starts_with("principal: "), "{why}");
    }

    /// The workspace's reviewers are not trusted while their list cannot be read.
    #[test]
    fn reviewers_whose_list_is_unreadable_are_not_trusted() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let signers = dir.path().join(crate::model::signers::WORKSPACE_SIGNERS);
        std::fs::create_dir_all(signers.parent().expect("parent")).expect("mkdir");
        std::fs::write(&signers, "ana@example.com ssh-ed25519 not-base64!\n").expect("write");
        let why = refusal(dir.path(), Command::AcceptSigners);
        assert!(why.contains("allowed_signers"), "{why}");
        assert!(!why.contains('\n'), "one line: {why}");
    }
}
