//! Who may sign reviews: OpenSSH `allowed_signers` lines, from the workspace
//! (`.reviews/allowed_signers`, committed with the tools) and the user's own
//! (`allowed_signers` in the config folder), and the list of the workspace's reviewers a
//! person accepted on this machine, kept in the user data folder (0600), never in the
//! workspace: a reviewer added by a commit (or by an agent writing the workspace) is not
//! trusted here until a person accepts the change, as SSH treats a changed host key.
//!
//! What verifies is the user's own list, plus the workspace's entries that are also in the
//! accepted list: an entry added since acceptance waits for `toolbench signers accept`, and
//! one removed since stops counting at once.

use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::Digest;

use crate::model::signers::{AcceptedSigners, SignerEntry, SignersError, WORKSPACE_SIGNERS};

/// The most an allowed_signers file may hold.
pub(crate) const MAX_SIGNERS_BYTES: usize = 256 * 1024;
/// The longest principal accepted (an email address is far shorter).
const MAX_PRINCIPAL: usize = 256;

/// Key types `ssh-keygen -Y` signs with.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

impl SignerEntry {
    /// The line as toolbench writes it for ssh-keygen (no comment).
    pub(crate) fn line(&self) -> String {
        let mut options = Vec::new();
        if let Some(ns) = &self.namespaces {
            options.push(format!("namespaces=\"{ns}\""));
        }
        if let Some(v) = &self.valid_after {
            options.push(format!("valid-after=\"{v}\""));
        }
        if let Some(v) = &self.valid_before {
            options.push(format!("valid-before=\"{v}\""));
        }
        let options = if options.is_empty() {
            String::new()
        } else {
            format!("{} ", options.join(","))
        };
        format!(
            "{} {options}{} {}",
            self.principals.join(","),
            self.key_type,
            self.key
        )
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub(crate) fn fingerprint(&self) -> String {
        fingerprint_of(&self.key).unwrap_or_default()
    }

    /// Whether this line lets its key sign toolbench's reviews as `principal`.
    pub(crate) fn allows(&self, principal: &str) -> bool {
        self.allows_in(principal, super::sshkeygen::NAMESPACE)
    }

    /// Whether this line lets its key sign as `principal` in `namespace`.
    pub(crate) fn allows_in(&self, principal: &str, namespace: &str) -> bool {
        self.principals.iter().any(|p| p == principal)
            && self
                .namespaces
                .as_deref()
                .is_none_or(|ns| ns.split(',').any(|n| n.trim() == namespace))
    }
}

/// `SHA256:…` of a base64 public key blob.
pub(crate) fn fingerprint_of(key: &str) -> Option<String> {
    let blob = base64::engine::general_purpose::STANDARD.decode(key).ok()?;
    let digest = sha2::Sha256::digest(&blob);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    ))
}

/// A principal toolbench accepts: printable, no spaces, commas, quotes or pattern characters,
/// so it names one reviewer on a line of its own and as `ssh-keygen -I`.
pub(crate) fn check_principal(principal: &str) -> Result<(), String> {
    if principal.is_empty() {
        return Err("the principal is empty".into());
    }
    if principal.len() > MAX_PRINCIPAL {
        return Err(format!("longer than {MAX_PRINCIPAL} bytes"));
    }
    if let Some(c) = principal
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, ',' | '"' | '*' | '?' | '!'))
    {
        // Quoted and escaped: a space or a control character is seen for what it is.
        return Err(format!(
            "{c:?} is not allowed in a principal (one reviewer, no patterns)"
        ));
    }
    Ok(())
}

/// Parses allowed_signers text (`file` names it in errors). Strict: a line toolbench cannot
/// hold to exactly what OpenSSH would do is refused whole, never skipped.
pub(crate) fn parse(text: &str, file: &str) -> Result<Vec<SignerEntry>, SignersError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |field: &'static str, why: String| SignersError {
            file: file.to_string(),
            line: Some(index + 1),
            field,
            why,
        };
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            return Err(err(
                "line",
                format!(
                    "holds the control character {}",
                    crate::text::visible(&c.to_string())
                ),
            ));
        }
        let (principals, rest) = split_word(line);
        let mut parsed = Vec::new();
        for principal in principals.split(',') {
            check_principal(principal).map_err(|why| {
                err(
                    "principals",
                    format!("`{}`: {why}", crate::text::visible(principal)),
                )
            })?;
            parsed.push(principal.to_string());
        }
        let rest = rest.trim_start();
        let (first, after) = split_word(rest);
        let (options, key_type, after) = if KEY_TYPES.contains(&first) {
            (String::new(), first, after)
        } else {
            let (options, after) = split_options(rest).map_err(|why| err("options", why))?;
            let (key_type, after) = split_word(after.trim_start());
            (options, key_type, after)
        };
        if !KEY_TYPES.contains(&key_type) {
            // A word read as options that sets nothing (no `=`) was most likely meant as the
            // key type: it is the one to name (`garbage line` names `line`).
            let word = if !options.is_empty() && !options.contains('=') {
                options.as_str()
            } else {
                key_type
            };
            let why = if word.is_empty() {
                "missing: a line is PRINCIPALS [OPTIONS] KEYTYPE KEY".to_string()
            } else {
                format!(
                    "`{}` is not a key type ssh-keygen signs with ({})",
                    crate::text::visible(word),
                    KEY_TYPES.join(", ")
                )
            };
            return Err(err("keytype", why));
        }
        let (key, _comment) = split_word(after.trim_start());
        if fingerprint_of(key).is_none() || key.is_empty() {
            return Err(err("key", "not a base64 public key".into()));
        }
        let mut entry = SignerEntry {
            principals: parsed,
            namespaces: None,
            valid_after: None,
            valid_before: None,
            key_type: key_type.to_string(),
            key: key.to_string(),
        };
        for option in option_list(&options).map_err(|why| err("options", why))? {
            let (name, value) = match option.split_once('=') {
                Some((n, v)) => (n.to_ascii_lowercase(), Some(unquote(v))),
                None => (option.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("namespaces", Some(v)) => entry.namespaces = Some(v),
                ("valid-after", Some(v)) => entry.valid_after = Some(v),
                ("valid-before", Some(v)) => entry.valid_before = Some(v),
                ("cert-authority", _) => {
                    return Err(err(
                        "options",
                        "cert-authority is not accepted: a certificate authority could vouch \
                         for keys nobody listed; list each reviewer's own key"
                            .into(),
                    ));
                }
                (other, _) => {
                    return Err(err(
                        "options",
                        format!(
                            "{} is not an option toolbench knows (namespaces, valid-after, \
                             valid-before)",
                            crate::text::visible(other)
                        ),
                    ));
                }
            }
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn split_word(text: &str) -> (&str, &str) {
    match text.find([' ', '\t']) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    }
}

/// The options field: up to the first blank outside quotes.
fn split_options(text: &str) -> Result<(String, &str), String> {
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return Ok((text[..at].to_string(), &text[at..])),
            _ => {}
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    Ok((text.to_string(), ""))
}

fn option_list(options: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in options.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out.into_iter().filter(|o| !o.is_empty()).collect())
}

fn unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_string()
}

/// The file of accepted reviewers for `root`, in the user data folder.
pub(crate) fn accepted_path(root: &Path) -> Option<PathBuf> {
    let dirs = crate::user_dirs::project_dirs()?;
    let key = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
    Some(
        dirs.data_dir()
            .join("signers")
            .join(format!("{}.json", &key[..32])),
    )
}

/// The accepted list for `root` and its bytes as written (what an endorsement signs), `None`
/// when no person accepted one here.
pub(crate) fn read_accepted(
    root: &Path,
) -> Result<Option<(AcceptedSigners, Vec<u8>)>, SignersError> {
    let Some(path) = accepted_path(root) else {
        return Ok(None);
    };
    let file = path.display().to_string();
    let bytes = match read_capped(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SignersError {
                file,
                line: None,
                field: "file",
                why: crate::io_text::io_reason(&e),
            });
        }
    };
    let accepted: AcceptedSigners = serde_json::from_slice(&bytes).map_err(|e| SignersError {
        file: file.clone(),
        line: Some(e.line()),
        field: "json",
        why: e.to_string(),
    })?;
    // A list copied from another workspace's file accepts nothing here.
    Ok(Some((accepted, bytes)).filter(|(a, _)| a.root == root))
}

/// The endorsement's signature beside the accepted list at `accepted`.
pub(crate) fn endorsement_path(accepted: &Path) -> PathBuf {
    let mut path = accepted.as_os_str().to_os_string();
    path.push(".sig");
    PathBuf::from(path)
}

/// The endorsement of the accepted list for `root`, `None` when it has none.
pub(crate) fn read_endorsement(root: &Path) -> Option<Vec<u8>> {
    read_capped(&endorsement_path(&accepted_path(root)?)).ok()
}

/// The accepted list as it is written: what an endorsement signs.
pub(crate) fn encode_accepted(accepted: &AcceptedSigners) -> Vec<u8> {
    serde_json::to_vec_pretty(accepted).unwrap_or_default()
}

/// Writes the accepted list as `bytes` (from [`encode_accepted`]), the user's alone (folder
/// 0700, file 0600), with its endorsement beside it when one was made (a stale one removed:
/// it would no longer match).
pub(crate) fn write_accepted(
    root: &Path,
    bytes: &[u8],
    endorsement: Option<&[u8]>,
) -> std::io::Result<PathBuf> {
    let path = accepted_path(root)
        .ok_or_else(|| std::io::Error::other("no user data folder on this system"))?;
    if let Some(dir) = path.parent() {
        crate::workspace::private::create_dirs(dir)?;
    }
    let dir = crate::safe_fs::Dir::open(path.parent().unwrap_or(Path::new("/")))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let sig_name = endorsement_path(&name);
    dir.write(&name, bytes, crate::workspace::private::FILE_MODE)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    match endorsement {
        Some(sig) => dir
            .write(&sig_name, sig, crate::workspace::private::FILE_MODE)
            .map_err(|e| std::io::Error::other(e.to_string()))?,
        None => match std::fs::remove_file(endorsement_path(&path)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        },
    }
    Ok(path)
}

/// Reads a small file without following a symlink, refusing one over the limit.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let (file, meta) =
        crate::io_text::open_regular(path, crate::io_text::Follow::No).map_err(|e| match e {
            crate::io_text::ReadTextError::Io(io) => io,
            other => std::io::Error::other(other.to_string()),
        })?;
    if meta.len() > MAX_SIGNERS_BYTES as u64 {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_SIGNERS_BYTES} bytes"
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SIGNERS_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The user's own allowed_signers (in the config folder), trusted as it is.
pub(crate) fn user_signers_path() -> Option<PathBuf> {
    crate::user_dirs::config_dir().map(|d| d.join("allowed_signers"))
}

/// The workspace's entries (none when it has no file).
pub(crate) fn read_workspace(root: &Path) -> Result<Vec<SignerEntry>, SignersError> {
    let file = WORKSPACE_SIGNERS.to_string();
    let bytes =
        match super::beneath::read_beneath(root, Path::new(WORKSPACE_SIGNERS), MAX_SIGNERS_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(Vec::new()),
            Err(why) => {
                return Err(SignersError {
                    file,
                    line: None,
                    field: "file",
                    why,
                });
            }
        };
    let text = String::from_utf8(bytes).map_err(|_| SignersError {
        file: file.clone(),
        line: None,
        field: "file",
        why: "not UTF-8 text".into(),
    })?;
    parse(&text, &file)
}

pub(crate) fn read_file_entries(path: &Path) -> Result<Vec<SignerEntry>, SignersError> {
    let file = path.display().to_string();
    let bytes = match read_capped(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SignersError {
                file,
                line: None,
                field: "file",
                why: crate::io_text::io_reason(&e),
            });
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| SignersError {
        file: file.clone(),
        line: None,
        field: "file",
        why: "not UTF-8 text".into(),
    })?;
    parse(&text, &file)
}

/// Reads a public key file (`ssh-ed25519 AAAA… comment`): its type and base64 key.
pub(crate) fn read_public_key(path: &Path) -> Result<(String, String), String> {
    let bytes = read_capped(path)
        .map_err(|e| format!("{}: {}", path.display(), crate::io_text::io_reason(&e)))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{}: not text", path.display()))?;
    parse_public_key(&text).ok_or_else(|| {
        format!(
            "{}: not an OpenSSH public key (`ssh-ed25519 AAAA…`); give the .pub file",
            path.display()
        )
    })
}

/// `TYPE BASE64 [comment]` of a public key, from its text.
pub(crate) fn parse_public_key(text: &str) -> Option<(String, String)> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut words = line.split_whitespace();
    let key_type = words.next()?;
    let key = words.next()?;
    (KEY_TYPES.contains(&key_type) && fingerprint_of(key).is_some())
        .then(|| (key_type.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIDQjQ6n8Zt3Vt0l9yqCk5mF1Q0iAqYp0o6mJQ5b1l0kH";

    #[test]
    fn a_refused_principal_names_the_character_visibly() {
        let space = check_principal("ana maria").expect_err("a space");
        assert_eq!(
            space,
            "' ' is not allowed in a principal (one reviewer, no patterns)"
        );
        let escape = check_principal("ana\u{1b}[2J").expect_err("a control character");
        assert!(escape.starts_with("'\\u{1b}' is not allowed"), "{escape}");
    }

    #[test]
    fn a_plain_line_with_namespaces_parses_and_allows_only_its_principal() {
        let text = format!(
            "# team\nana@example.com namespaces=\"git,toolbench-review\" ssh-ed25519 {KEY} ana\n"
        );
        let entries = parse(&text, "f").expect("parses");
        assert_eq!(entries.len(), 1);
        assert!(entries[0].allows("ana@example.com"));
        assert!(!entries[0].allows("bob@example.com"));
        let git_only =
            parse(&format!("ana namespaces=\"git\" ssh-ed25519 {KEY}"), "f").expect("parses");
        assert!(
            !git_only[0].allows("ana"),
            "a key limited to git signs no review"
        );
        assert!(entries[0].fingerprint().starts_with("SHA256:"));
    }

    #[test]
    fn a_refused_line_names_the_value_it_read() {
        let said = |line: &str| parse(line, "w").expect_err(line).to_string();
        assert_eq!(
            said(&format!("*@example.com ssh-ed25519 {KEY}")),
            "w:1: field `principals`: `*@example.com`: '*' is not allowed in a principal (one \
             reviewer, no patterns)"
        );
        assert!(
            said("garbage line").starts_with(
                "w:1: field `keytype`: `line` is not a key type ssh-keygen signs with (ssh-ed25519,"
            ),
            "{}",
            said("garbage line")
        );
        assert!(
            said(&format!("ana ssh-ed2551 {KEY}"))
                .starts_with("w:1: field `keytype`: `ssh-ed2551` is not a key type"),
            "a word read as options and a key type after it: the key type is named"
        );
        assert_eq!(
            said("garbage"),
            "w:1: field `keytype`: missing: a line is PRINCIPALS [OPTIONS] KEYTYPE KEY"
        );
    }

    #[test]
    fn options_toolbench_cannot_hold_to_are_refused_naming_file_line_and_field() {
        let ca = parse(
            &format!("\n*@example.com cert-authority ssh-ed25519 {KEY}"),
            "w",
        )
        .expect_err("pattern");
        assert_eq!(ca.line, Some(2));
        assert_eq!(ca.field, "principals");
        let ca = parse(&format!("ana cert-authority ssh-ed25519 {KEY}"), "w").expect_err("ca");
        assert!(
            ca.to_string()
                .starts_with("w:1: field `options`: cert-authority"),
            "{ca}"
        );
        let unknown = parse(&format!("ana no-touch-required ssh-ed25519 {KEY}"), "w")
            .expect_err("unknown option");
        assert_eq!(unknown.field, "options");
        let bad_key = parse("ana ssh-ed25519 not*base64", "w").expect_err("key");
        assert_eq!(bad_key.field, "key");
        let newline = parse(&format!("an\u{b}a ssh-ed25519 {KEY}"), "w").expect_err("control");
        assert_eq!(newline.field, "line");
        assert!(check_principal("ana\nbob").is_err());
        assert!(check_principal("ana,bob").is_err());
        assert!(check_principal("ana@example.com").is_ok());
    }
}
