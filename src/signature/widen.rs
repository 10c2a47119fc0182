//! What widens trust on this machine: `toolbench signers add` and `signers accept` write the
//! list of the workspace's reviewers a person accepted here. When the machine has a list of
//! its own, that list counts only endorsed: signed, as it is written, by the person's key of
//! the machine's list (a passphrase or a touch), so nothing else on the account can widen it.

use std::path::{Path, PathBuf};

use super::endorsement;
use super::signers::{
    MAX_SIGNERS_BYTES, check_principal, encode_accepted, read_public_key, read_workspace,
    write_accepted,
};
use super::signing_key::signing_key;
use crate::model::settings::Signatures as Mode;
use crate::model::signers::Trust;
use crate::model::signers::{AcceptedSigners, SignerEntry, SystemList, WORKSPACE_SIGNERS};

/// A person trusts the workspace's reviewers as its allowed_signers lists them now, and its
/// `[review] signatures` as the floor for this machine: `toolbench signers accept`.
/// `signing_key` is the user config's `[review] signing_key`.
pub(crate) fn accept_here(
    root: &Path,
    mode: Mode,
    who: &str,
    signing_key: Option<&str>,
) -> Result<(AcceptedSigners, PathBuf), String> {
    let entries = read_workspace(root).map_err(|e| e.to_string())?;
    let accepted = AcceptedSigners {
        root: root.to_path_buf(),
        entries,
        signatures: mode,
        by: who.to_string(),
        at: crate::clock::now_rfc3339(),
        endorsed_by: None,
    };
    let trust = Trust::load(root);
    let path = keep(root, accepted.clone(), trust.system.as_ref(), signing_key)?;
    Ok((accepted, path))
}

/// Adds `principal` with the public key in `key_file` to the workspace's allowed_signers
/// (made when missing, never written through a symlink), and trusts that one line on this
/// machine: the person adding it is the one who vouches for it here. Other changes to the
/// list still wait for `signers accept`.
pub(crate) fn add(
    root: &Path,
    principal: &str,
    key_file: &Path,
    who: &str,
    signing_key: Option<&str>,
) -> Result<SignerEntry, String> {
    check_principal(principal).map_err(|why| format!("principal: {why}"))?;
    let (key_type, key) = read_public_key(key_file)?;
    let current = read_workspace(root).map_err(|e| e.to_string())?;
    let entry = SignerEntry {
        principals: vec![principal.to_string()],
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key_type,
        key,
    };
    if current.contains(&entry) {
        return Err(format!(
            "{WORKSPACE_SIGNERS} lists {principal} with this key already"
        ));
    }
    let trust = Trust::load(root);
    if let Some(system) = &trust.system {
        // Refused before anything is written: the endorsement is what makes the line count.
        endorser(root, system, signing_key)?;
    }
    let existing =
        super::beneath::read_beneath(root, Path::new(WORKSPACE_SIGNERS), MAX_SIGNERS_BYTES)?
            .unwrap_or_default();
    let mut text =
        String::from_utf8(existing).map_err(|_| format!("{WORKSPACE_SIGNERS}: not UTF-8 text"))?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&entry.line());
    text.push('\n');
    let dir = crate::safe_fs::Dir::open(root).map_err(|e| e.to_string())?;
    dir.write(Path::new(WORKSPACE_SIGNERS), text.as_bytes(), 0o644)
        .map_err(|e| e.to_string())?;
    // What counts here now, plus this line: an accepted list no key of the machine's
    // endorsed is not carried into one that is.
    let mut accepted = trust
        .accepted
        .filter(|_| trust.unendorsed.is_none())
        .unwrap_or(AcceptedSigners {
            root: root.to_path_buf(),
            entries: Vec::new(),
            signatures: Mode::Off,
            by: who.to_string(),
            at: crate::clock::now_rfc3339(),
            endorsed_by: None,
        });
    accepted.entries.push(entry.clone());
    keep(root, accepted, trust.system.as_ref(), signing_key)?;
    Ok(entry)
}

/// The key that endorses for this machine, and its principal in the machine's list.
fn endorser(
    root: &Path,
    system: &SystemList,
    setting: Option<&str>,
) -> Result<(super::signing_key::Key, String), String> {
    let refused = |why: String| {
        format!(
            "{why}: only a key of the machine's {} widens trust here (an administrator adds \
             one there)",
            system.file.display()
        )
    };
    let key = signing_key(root, setting)?
        .ok_or_else(|| refused("no signing key is configured ([review] signing_key)".into()))?;
    let principal = endorsement::principal_of(system, &key.key.public.1).ok_or_else(|| {
        refused(format!(
            "the signing key {} is not in it",
            super::signers::fingerprint_of(&key.key.public.1).unwrap_or_default()
        ))
    })?;
    Ok((key, principal))
}

/// Writes `accepted`, endorsed by the person's key when the machine has a list.
fn keep(
    root: &Path,
    mut accepted: AcceptedSigners,
    system: Option<&SystemList>,
    signing_key: Option<&str>,
) -> Result<PathBuf, String> {
    let endorsement = match system {
        Some(system) => {
            let (key, principal) = endorser(root, system, signing_key)?;
            accepted.endorsed_by = Some(principal);
            let bytes = encode_accepted(&accepted);
            use std::io::IsTerminal;
            let detached = !std::io::stdin().is_terminal();
            Some((endorsement::sign(&key.key, &bytes, detached)?, bytes))
        }
        None => None,
    };
    let bytes = endorsement
        .as_ref()
        .map_or_else(|| encode_accepted(&accepted), |(_, b)| b.clone());
    write_accepted(
        root,
        &bytes,
        endorsement.as_ref().map(|(s, _)| s.as_slice()),
    )
    .map_err(|e| {
        format!(
            "cannot write the accepted reviewers: {}",
            crate::io_text::io_reason(&e)
        )
    })
}
