//! The key a review is signed with: `[review] signing_key` of the user config, else git's
//! `user.signingkey` when `gpg.format = ssh`. Only its public half is ever read by toolbench
//! (ssh-keygen derives it from a private key without its `.pub`).

use std::path::{Path, PathBuf};

use super::signers;
use super::sshkeygen;

/// The key to sign with, and whether a person named it for toolbench (`signing_key`) rather
/// than toolbench taking git's.
pub(crate) struct Key {
    pub(crate) key: sshkeygen::SigningKey,
    pub(crate) explicit: bool,
    /// The public key file the setting names (`KEY.pub` for a private `KEY`), what
    /// `signers add` takes; `None` for a key given inline (`key::…`), or a private key
    /// without its `.pub`, whose public half ssh-keygen derived.
    pub(crate) public_file: Option<PathBuf>,
    /// Holds a temporary `.pub` for a `key::` key while it is used.
    _hold: Option<tempfile::TempDir>,
}

/// The signing key `[review] signing_key` names, else git's `user.signingkey` when
/// `gpg.format = ssh`; `None` when neither names one.
pub(crate) fn signing_key(root: &Path, setting: Option<&str>) -> Result<Option<Key>, String> {
    let (setting, explicit) = match setting {
        Some(key) if !key.trim().is_empty() => (key.trim().to_string(), true),
        _ => {
            let format = crate::git::config_value(root, "gpg.format");
            match crate::git::config_value(root, "user.signingkey") {
                Some(key) if format.as_deref() == Some("ssh") => (key, false),
                _ => return Ok(None),
            }
        }
    };
    let named = if explicit {
        "[review] signing_key"
    } else {
        "git's user.signingkey"
    };
    if let Some(literal) = setting
        .strip_prefix("key::")
        .or_else(|| setting.starts_with("ssh-").then_some(setting.as_str()))
        .or_else(|| setting.starts_with("ecdsa-").then_some(setting.as_str()))
        .or_else(|| setting.starts_with("sk-").then_some(setting.as_str()))
    {
        let public = signers::parse_public_key(literal)
            .ok_or_else(|| format!("{named}: not an OpenSSH public key"))?;
        let dir = tempfile::tempdir().map_err(|e| crate::io_text::io_reason(&e))?;
        let file = dir.path().join("signing_key.pub");
        std::fs::write(&file, format!("{} {}\n", public.0, public.1))
            .map_err(|e| crate::io_text::io_reason(&e))?;
        return Ok(Some(Key {
            key: sshkeygen::SigningKey {
                file,
                agent_only: true,
                public,
            },
            explicit,
            public_file: None,
            _hold: Some(dir),
        }));
    }
    let file = crate::config::expand_home(&setting);
    let (public, public_file) = public_half(&file).map_err(|e| format!("{named}: {e}"))?;
    Ok(Some(Key {
        key: sshkeygen::SigningKey {
            file,
            agent_only: false,
            public,
        },
        explicit,
        public_file,
        _hold: None,
    }))
}

/// The public half of the key `file` names, and the file it was read from: `file` itself
/// when it is a `.pub`; else `KEY.pub` beside it, or, without one, what `ssh-keygen -y`
/// derives from the private key (no file then). toolbench itself never reads a private key.
fn public_half(file: &Path) -> Result<((String, String), Option<PathBuf>), String> {
    if file.extension().is_some_and(|e| e == "pub") {
        return Ok((signers::read_public_key(file)?, Some(file.to_path_buf())));
    }
    let mut with = file.as_os_str().to_os_string();
    with.push(".pub");
    let public_file = PathBuf::from(with);
    if std::fs::symlink_metadata(&public_file).is_ok() {
        return Ok((signers::read_public_key(&public_file)?, Some(public_file)));
    }
    // The missing file is the key named, not the .pub looked for beside it.
    std::fs::symlink_metadata(file)
        .map_err(|e| format!("{}: {}", file.display(), crate::io_text::io_reason(&e)))?;
    let missing = format!(
        "{}: its public key {} is not there",
        file.display(),
        public_file.display()
    );
    let derived = sshkeygen::public_of(file).map_err(|why| {
        if why.contains("passphrase") {
            format!(
                "{missing}, and the key has a passphrase, which toolbench does not ask for to \
                 derive it: `ssh-keygen -y -f {} > {}` makes it (asking the passphrase once)",
                file.display(),
                public_file.display()
            )
        } else {
            format!("{missing}, and ssh-keygen cannot read the key to derive it: {why}")
        }
    })?;
    let public = signers::parse_public_key(&derived).ok_or_else(|| {
        format!(
            "{}: ssh-keygen -y printed no OpenSSH public key for it",
            file.display()
        )
    })?;
    Ok((public, None))
}
