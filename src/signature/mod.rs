//! Signed reviews (DESIGN §11 rule 6): a decision that makes content active can be signed
//! with the reviewer's SSH key over a statement naming tool, version, content hash,
//! permissions and decision; statements live in the workspace (`.reviews/`) and travel with
//! it through git; with `[review] signatures = "require"` nothing runs whose content no
//! allowed reviewer signed, on any machine.
//!
//! Verification is per tool: the statement for exactly the tool's content is read (one path,
//! from the name, version and hash), and checked by `ssh-keygen -Y verify` against the
//! reviewers this machine trusts (`signers`). A good answer is remembered in
//! `.toolbench/verified/`, keyed by the statement, its signature, the trusted list and the
//! content, so a run pays a few small reads, and a never-opened workspace of any size pays
//! one check for the one tool it runs.
//!
//! This module never decides what is active and never reads a private key.

mod beneath;
mod endorsement;
pub(crate) mod signers;
mod signing_key;
pub(crate) mod sshkeygen;
pub(crate) mod statement;
mod system;
mod trust;
mod verified;
pub(crate) mod widen;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::model::decisions::SealEffect;
use crate::model::signers::Trust;
use crate::model::{Signature, ToolEntry};
use crate::store::{DecisionAction, DecisionRecord};
use signing_key::{Key, signing_key};
pub(crate) use statement::{REVIEWS_DIR, Statement, signature_path, statement_path};

pub use sshkeygen::NAMESPACE;

pub use crate::model::settings::Signatures as Mode;

/// What the configuration says about signatures for one workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The higher of the user config's and the workspace's `signatures`.
    pub(crate) configured: Mode,
    /// The workspace's own `signatures`, when its toolbench.toml says one.
    pub(crate) workspace: Option<Mode>,
    /// `[review] signing_key` of the user config.
    pub(crate) signing_key: Option<String>,
}

impl Policy {
    pub(crate) fn from_config(config: &crate::config::Config) -> Policy {
        Policy {
            configured: config.review.signatures,
            workspace: config.review.workspace_signatures,
            signing_key: config.review.signing_key.clone(),
        }
    }
}

/// The policies this process's front end loaded, by workspace root.
static POLICIES: Mutex<Vec<(PathBuf, Arc<Policy>)>> = Mutex::new(Vec::new());
/// No terminal for ssh-keygen to ask a passphrase on (the workbench owns it).
static DETACHED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Remembers the policy a front end loaded for `root`, so every check of this process reads
/// the same configuration without loading it again.
pub(crate) fn register(root: &Path, config: &crate::config::Config) {
    let policy = Arc::new(Policy::from_config(config));
    let mut policies = POLICIES.lock().unwrap_or_else(|e| e.into_inner());
    policies.retain(|(r, _)| r != root);
    policies.push((root.to_path_buf(), policy));
}

/// The workbench owns the terminal: a key that needs a passphrase typed is refused instead of
/// asking on it (ssh-agent and security keys still sign).
pub fn detach_from_terminal() {
    DETACHED.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn detached() -> bool {
    use std::io::IsTerminal;
    DETACHED.load(std::sync::atomic::Ordering::Relaxed) || !std::io::stdin().is_terminal()
}

/// The least `[review] signatures` the workspace's own toolbench.toml asks for: what accepting
/// its reviewers holds it to from then on.
pub(crate) fn asked_by_workspace(root: &Path) -> Mode {
    policy(root).workspace.unwrap_or_default()
}

/// The policy for `root`: the registered one, else the configuration read now (the built-in
/// settings when it cannot be read: the front end reports a broken configuration itself).
pub(crate) fn policy(root: &Path) -> Arc<Policy> {
    {
        let policies = POLICIES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, p)) = policies.iter().find(|(r, _)| r == root) {
            return p.clone();
        }
    }
    // The built-in settings when the configuration cannot be read (the front end reports it);
    // the strictest policy if even they cannot, which a test rules out.
    let loaded = crate::config::Config::load(root).or_else(|_| crate::config::Config::defaults());
    let policy = Arc::new(match loaded {
        Ok(config) => Policy::from_config(&config),
        Err(_) => Policy {
            configured: Mode::Require,
            ..Policy::default()
        },
    });
    POLICIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((root.to_path_buf(), policy.clone()));
    policy
}

/// Where verification stands for one workspace now: the mode in force and the reviewers.
#[derive(Debug, Clone)]
pub(crate) struct Standing {
    pub(crate) mode: Mode,
    pub(crate) trust: Trust,
    /// The workspace's toolbench.toml asks for less than was accepted here (and is not
    /// taken).
    pub(crate) lowered: Option<(Mode, Mode)>,
}

impl Standing {
    /// Reads the mode and the reviewers for `root`: the user config's and workspace's
    /// `signatures`, never below what a person accepted here with `signers accept`.
    pub(crate) fn load(root: &Path) -> Standing {
        let policy = policy(root);
        let trust = Trust::load(root);
        let accepted = trust.accepted.as_ref().map_or(Mode::Off, |a| a.signatures);
        let lowered = policy
            .workspace
            .filter(|w| *w < accepted)
            .map(|w| (w, accepted));
        // The machine's list is there to be the anchor: nothing runs unsigned beside it.
        let floor = if trust.system.is_some() {
            Mode::Require
        } else {
            accepted
        };
        Standing {
            mode: policy.configured.max(floor),
            trust,
            lowered,
        }
    }

    /// The signature state of an active `entry` (`None` with signatures off).
    pub(crate) fn signature_of(&self, root: &Path, entry: &ToolEntry) -> Option<Signature> {
        (self.mode != Mode::Off && entry.tier.is_active() && !entry.is_broken())
            .then(|| verify(root, entry, &self.trust))
    }
}

/// One line when signatures are on and the workspace's reviewers changed since a person
/// accepted them here (or were never accepted), for a front end to say as it opens.
pub(crate) fn signers_line(root: &Path) -> Option<String> {
    let standing = Standing::load(root);
    (standing.mode != Mode::Off)
        .then(|| standing.trust.change_line())
        .flatten()
}

/// Verifies the statement for exactly `entry`'s content against `trust`.
pub(crate) fn verify(root: &Path, entry: &ToolEntry, trust: &Trust) -> Signature {
    let json_path = statement_path(&entry.name, &entry.version, &entry.content_hash);
    let sig_path = signature_path(&json_path);
    let invalid = |reason: String| Signature::Invalid { reason };
    let json = match beneath::read_beneath(root, &json_path, statement::MAX_STATEMENT_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return match statement::other_statements(root, &entry.name, &json_path) {
                Some((version, content_hash)) => Signature::OtherContent {
                    version,
                    content_hash,
                },
                None => Signature::Unsigned,
            };
        }
        Err(why) => return invalid(why),
    };
    let sig = match beneath::read_beneath(root, &sig_path, statement::MAX_SIGNATURE_BYTES) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return invalid(format!("{} is missing", sig_path.display())),
        Err(why) => return invalid(why),
    };
    let parsed = match Statement::parse(&json) {
        Ok(parsed) => parsed,
        Err(why) => return invalid(format!("{}: {why}", json_path.display())),
    };
    let review = &parsed.predicate;
    if review.tool != entry.name
        || review.version != entry.version
        || review.content_hash != entry.content_hash
    {
        return invalid(format!(
            "{} is a review of {}@{} {}, not of this tool's content (copied from elsewhere)",
            json_path.display(),
            crate::text::visible(&review.tool),
            crate::text::visible(&review.version),
            crate::model::short_hash(&review.content_hash)
        ));
    }
    let principal = review.reviewer.clone();
    if !trust.allows(&principal) {
        return Signature::SignerNotAllowed {
            reason: not_allowed_reason(trust, &principal),
            principal,
        };
    }
    let signers_text = trust.text();
    let key = verified::key(&json, &sig, &signers_text, &entry.content_hash);
    let memory = trust.memory();
    if let Some(line) = verified::recall(root, &key, memory) {
        return signed(review, &line);
    }
    match check_with_ssh_keygen(&signers_text, &principal, &sig, &json) {
        Ok(line) => {
            verified::remember(root, &key, &line, memory);
            signed(review, &line)
        }
        Err(Checked::NotAllowed(key)) => Signature::SignerNotAllowed {
            reason: format!(
                "the signature is by {key}, which no allowed_signers line gives to {principal}"
            ),
            principal,
        },
        Err(Checked::Invalid(reason)) => invalid(format!("{}: {reason}", sig_path.display())),
    }
}

fn signed(review: &statement::Review, line: &str) -> Signature {
    Signature::Signed {
        principal: review.reviewer.clone(),
        at: review.at.clone(),
        decision: review.decision.clone(),
        key: sshkeygen::fingerprint_in(line).unwrap_or_default(),
    }
}

fn not_allowed_reason(trust: &Trust, principal: &str) -> String {
    if let Some(line) = trust.unreadable() {
        return line;
    }
    if let Some(why) = &trust.unendorsed {
        return format!(
            "{principal} is not an allowed signer here: the reviewers accepted here count for \
             nothing: {why}"
        );
    }
    if trust.waiting_allows(principal) {
        return format!(
            "{} lists {principal}, but that was not accepted on this machine: `toolbench \
             signers list` shows the change, `toolbench signers accept` trusts it",
            crate::model::signers::WORKSPACE_SIGNERS
        );
    }
    format!(
        "{principal} is not an allowed signer here ({} and {})",
        crate::model::signers::WORKSPACE_SIGNERS,
        trust.own_list()
    )
}

enum Checked {
    /// A good signature by this key, which the list does not give to the principal.
    NotAllowed(String),
    /// Not a good signature of this statement in toolbench's namespace.
    Invalid(String),
}

fn check_with_ssh_keygen(
    signers_text: &str,
    principal: &str,
    sig: &[u8],
    json: &[u8],
) -> Result<String, Checked> {
    let dir = tempfile::tempdir().map_err(|e| Checked::Invalid(crate::io_text::io_reason(&e)))?;
    let allowed = dir.path().join("allowed_signers");
    let signature = dir.path().join("statement.sig");
    std::fs::write(&allowed, signers_text)
        .and_then(|()| std::fs::write(&signature, sig))
        .map_err(|e| Checked::Invalid(crate::io_text::io_reason(&e)))?;
    match sshkeygen::verify(&allowed, NAMESPACE, principal, &signature, json) {
        Ok(line) => Ok(line),
        Err(_) => match sshkeygen::check_novalidate(&signature, json) {
            Ok(line) => Err(Checked::NotAllowed(
                sshkeygen::fingerprint_in(&line).unwrap_or_else(|| "a key".into()),
            )),
            Err(reason) => Err(Checked::Invalid(reason)),
        },
    }
}

/// A statement signed for a decision, kept in the decision's journal entry until written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SignedStatement {
    /// The statement's path relative to the root (`.reviews/NAME/VERSION-HASH.json`).
    pub(crate) path: String,
    pub(crate) statement: String,
    pub(crate) signature: String,
    pub(crate) principal: String,
}

/// Why a decision could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(
        "no key can sign this review and [review] signatures = \"require\": set [review] \
         signing_key in the user config (a key file, its .pub with the key in ssh-agent, or \
         key::ssh-ed25519 AAAA…), or git's user.signingkey with gpg.format = ssh; nothing was \
         changed"
    )]
    NoKey,
    #[error("{0}; nothing was changed")]
    Refused(String),
}

/// Whether a key can sign a review here (`sign_decisions` would find one). A key named but
/// unreadable counts: signing then says what is wrong with it.
pub(crate) fn a_key_can_sign(root: &Path) -> bool {
    !matches!(
        signing_key(root, policy(root).signing_key.as_deref()),
        Ok(None)
    )
}

/// The decisions of an intent that make content active (those that seal it), to be signed.
fn signable(d: &DecisionRecord) -> bool {
    matches!(d.action.seal(), SealEffect::Seals | SealEffect::FollowsMove)
        && d.to_tier.is_some_and(|t| t.is_active())
        && d.to_hash.is_some()
}

/// Signs a statement for each decision of `decisions` that makes content active, reading what
/// it states from the snapshot `versions` names (kept by the time this runs). With signatures
/// off, or `sign` and no key, signs nothing; with `require`, or a key named for toolbench,
/// a statement that cannot be signed, or would not verify here, refuses the decision.
/// Warnings (a key of git's that could not sign) go to `warnings`.
pub(crate) fn sign_decisions(
    root: &Path,
    decisions: &[DecisionRecord],
    versions: &[crate::store::VersionRecord],
    scan_limits: crate::catalog::scan::ScanLimits,
    warnings: &mut Vec<String>,
) -> Result<Vec<SignedStatement>, SignError> {
    let to_sign: Vec<&DecisionRecord> = decisions.iter().filter(|d| signable(d)).collect();
    if to_sign.is_empty() {
        return Ok(Vec::new());
    }
    let standing = Standing::load(root);
    if standing.mode == Mode::Off {
        return Ok(Vec::new());
    }
    let required = standing.mode == Mode::Require;
    let policy = policy(root);
    let key = match signing_key(root, policy.signing_key.as_deref()) {
        Ok(Some(key)) => key,
        Ok(None) if required => return Err(SignError::NoKey),
        Ok(None) => return Ok(Vec::new()),
        Err(why) if required || policy.signing_key.is_some() => {
            return Err(SignError::Refused(why));
        }
        Err(why) => {
            warnings.push(format!("not signed: {why}"));
            return Ok(Vec::new());
        }
    };
    let attempt = sign_each(
        root,
        &to_sign,
        decisions,
        versions,
        scan_limits,
        &key,
        &standing,
    );
    match attempt {
        Ok(signed) => Ok(signed),
        Err(why) if required || key.explicit => Err(SignError::Refused(why)),
        Err(why) => {
            warnings.push(format!("not signed: {why}"));
            Ok(Vec::new())
        }
    }
}

fn sign_each(
    root: &Path,
    to_sign: &[&DecisionRecord],
    decisions: &[DecisionRecord],
    versions: &[crate::store::VersionRecord],
    scan_limits: crate::catalog::scan::ScanLimits,
    key: &Key,
    standing: &Standing,
) -> Result<Vec<SignedStatement>, String> {
    let principal = principal_for(key, standing)?;
    let mut signed = Vec::new();
    for d in to_sign {
        let (Some(tier), Some(version), Some(hash)) = (d.to_tier, &d.to_version, &d.to_hash) else {
            continue;
        };
        let kept = versions
            .iter()
            .find(|v| v.tool == d.tool && &v.content_hash == hash)
            .ok_or_else(|| format!("no snapshot of {}@{version} to state", d.tool))?;
        let folder = root.join(&kept.snapshot);
        let supersedes = decisions
            .iter()
            .find(|s| s.action == DecisionAction::Supersede && s.tool == d.tool)
            .and_then(|s| Some((s.from_version.clone()?, s.from_hash.clone()?)))
            .map(|(version, content_hash)| statement::Superseded {
                version,
                content_hash,
            });
        let review = statement::Review {
            tool: d.tool.clone(),
            version: version.clone(),
            tier,
            content_hash: hash.clone(),
            permissions: Default::default(),
            decision: d.action.as_str().to_string(),
            reviewer: principal.clone(),
            by: d.who.clone(),
            at: d.at.clone(),
            reason: d.reason.clone(),
            supersedes,
            rule: None,
        };
        let path = statement_path(&d.tool, version, hash);
        signed.push(sign_one(
            root,
            key,
            standing,
            review,
            &folder,
            scan_limits,
            path,
        )?);
    }
    Ok(signed)
}

/// The principal the trusted list gives the signing key.
fn principal_for(key: &Key, standing: &Standing) -> Result<String, String> {
    let public = &key.key.public;
    standing.trust.principal_of_key(&public.1).ok_or_else(|| {
        // A list read in part lists no key: that is what is wrong, not the key.
        if let Some(line) = standing.trust.unreadable() {
            return line;
        }
        let fingerprint = signers::fingerprint_of(&public.1).unwrap_or_default();
        // `signers add` takes the public half; a key given inline has no file to name.
        match &key.public_file {
            Some(file) => format!(
                "the signing key {fingerprint} is not an allowed signer here: `toolbench \
                 signers add PRINCIPAL {}` lists it",
                file.display()
            ),
            None => format!(
                "the signing key {fingerprint} is not an allowed signer here: `toolbench \
                 signers add PRINCIPAL FILE` lists it, FILE holding `{} {}`",
                public.0, public.1
            ),
        }
    })
}

/// Signs `review` of the content in `folder` (its permissions and SHA-256 read from there,
/// its blake3 hash checked against the review's), checks the signature as a teammate will, and
/// answers the statement to write at `path`.
fn sign_one(
    root: &Path,
    key: &Key,
    standing: &Standing,
    mut review: statement::Review,
    folder: &Path,
    scan_limits: crate::catalog::scan::ScanLimits,
    path: PathBuf,
) -> Result<SignedStatement, String> {
    let loaded = crate::catalog::scan::load_tool(root, review.tier, folder, scan_limits);
    if loaded.content_hash != review.content_hash {
        return Err(format!(
            "{} is not the content decided on",
            folder.strip_prefix(root).unwrap_or(folder).display()
        ));
    }
    review.permissions = loaded
        .manifest
        .as_ref()
        .map(|m| crate::model::DeclaredPermissions::from(&m.permissions))
        .unwrap_or_default();
    let sha256 = statement::tree_sha256(folder)
        .map_err(|e| format!("{}: {}", folder.display(), crate::io_text::io_reason(&e)))?;
    let principal = review.reviewer.clone();
    let content_hash = review.content_hash.clone();
    let bytes = Statement::new(review, sha256).encode();
    let sig = sshkeygen::sign(&key.key, NAMESPACE, &bytes, detached())?;
    // What a teammate will check, checked here first: a statement that would not verify is
    // no review.
    let signers_text = standing.trust.text();
    match check_with_ssh_keygen(&signers_text, &principal, &sig, &bytes) {
        Ok(line) => verified::remember(
            root,
            &verified::key(&bytes, &sig, &signers_text, &content_hash),
            &line,
            standing.trust.memory(),
        ),
        Err(Checked::NotAllowed(k)) | Err(Checked::Invalid(k)) => {
            return Err(format!("the signature made does not verify here ({k})"));
        }
    }
    Ok(SignedStatement {
        path: path.display().to_string(),
        statement: String::from_utf8_lossy(&bytes).into_owned(),
        signature: String::from_utf8_lossy(&sig).into_owned(),
        principal,
    })
}

/// Where the statement of an "approve always" rule for `name` `version` `content_hash` with
/// `pattern` lives: beside the tool's own, named by the pattern.
pub(crate) fn rule_statement_path(
    name: &str,
    version: &str,
    content_hash: &str,
    pattern: Option<&serde_json::Value>,
) -> PathBuf {
    let text = pattern.map_or_else(|| "null".to_string(), |p| p.to_string());
    let key = blake3::hash(text.as_bytes()).to_hex();
    Path::new(statement::REVIEWS_DIR)
        .join(name)
        .join(format!("{version}-{content_hash}.rule-{}.json", &key[..16]))
}

/// Signs and writes the statement of an "approve always" rule (signatures on): the person lets
/// every call of this content whose arguments match `pattern` run without asking. With
/// `require`, a rule that cannot be signed is refused; with `sign`, it stands unsigned (with
/// the reason) when no key is configured. `Ok(None)`: signatures off.
pub(crate) fn sign_rule(
    root: &Path,
    entry: &ToolEntry,
    pattern: Option<&serde_json::Value>,
    who: &str,
    scan_limits: crate::catalog::scan::ScanLimits,
) -> Result<Option<SignedStatement>, SignError> {
    let standing = Standing::load(root);
    if standing.mode == Mode::Off {
        return Ok(None);
    }
    let required = standing.mode == Mode::Require;
    let policy = policy(root);
    let key = match signing_key(root, policy.signing_key.as_deref()) {
        Ok(Some(key)) => key,
        Ok(None) if required => return Err(SignError::NoKey),
        Ok(None) => return Ok(None),
        Err(why) if required || policy.signing_key.is_some() => {
            return Err(SignError::Refused(why));
        }
        Err(_) => return Ok(None),
    };
    let attempt = principal_for(&key, &standing).and_then(|principal| {
        let review = statement::Review {
            tool: entry.name.clone(),
            version: entry.version.clone(),
            tier: entry.tier,
            content_hash: entry.content_hash.clone(),
            permissions: Default::default(),
            decision: "call-rule".to_string(),
            reviewer: principal,
            by: who.to_string(),
            at: crate::clock::now_rfc3339(),
            reason: None,
            supersedes: None,
            rule: Some(statement::RuleGrant {
                pattern: pattern.cloned(),
            }),
        };
        let path = rule_statement_path(&entry.name, &entry.version, &entry.content_hash, pattern);
        sign_one(
            root,
            &key,
            &standing,
            review,
            &entry.path,
            scan_limits,
            path,
        )
    });
    let signed = match attempt {
        Ok(signed) => signed,
        Err(why) if required || key.explicit => return Err(SignError::Refused(why)),
        Err(_) => return Ok(None),
    };
    write_statements(root, std::slice::from_ref(&signed))
        .map_err(|e| SignError::Refused(e.to_string()))?;
    Ok(Some(signed))
}

/// Whether an "approve always" rule may let a call through: always, unless signatures are
/// required, and then only when its signed statement verifies against an allowed reviewer (a
/// rule written into the store by anything but a signed answer lets nothing through).
pub(crate) fn rule_holds(root: &Path, rule: &crate::model::calls::RuleRow) -> bool {
    let standing = Standing::load(root);
    if standing.mode != Mode::Require {
        return true;
    }
    let path = rule_statement_path(
        &rule.tool,
        &rule.version,
        &rule.content_hash,
        rule.pattern.as_ref(),
    );
    let read = |p: &Path, cap| beneath::read_beneath(root, p, cap).ok().flatten();
    let (Some(json), Some(sig)) = (
        read(&path, statement::MAX_STATEMENT_BYTES),
        read(&signature_path(&path), statement::MAX_SIGNATURE_BYTES),
    ) else {
        return false;
    };
    let Ok(parsed) = Statement::parse(&json) else {
        return false;
    };
    let review = &parsed.predicate;
    let same = review.tool == rule.tool
        && review.version == rule.version
        && review.content_hash == rule.content_hash
        && review.decision == "call-rule"
        && review.rule.as_ref().map(|r| r.pattern.as_ref()) == Some(rule.pattern.as_ref());
    if !same || !standing.trust.allows(&review.reviewer) {
        return false;
    }
    let signers_text = standing.trust.text();
    let key = verified::key(&json, &sig, &signers_text, &rule.content_hash);
    let memory = standing.trust.memory();
    if verified::recall(root, &key, memory).is_some() {
        return true;
    }
    match check_with_ssh_keygen(&signers_text, &review.reviewer, &sig, &json) {
        Ok(line) => {
            verified::remember(root, &key, &line, memory);
            true
        }
        Err(_) => false,
    }
}

/// Writes signed statements into the workspace (readable by all: they are committed with the
/// tools), each beside its signature, never through a symlink. Idempotent, so the journal's
/// recovery can write them again.
pub(crate) fn write_statements(
    root: &Path,
    statements: &[SignedStatement],
) -> Result<(), crate::safe_fs::SafeFsError> {
    if statements.is_empty() {
        return Ok(());
    }
    let dir = crate::safe_fs::Dir::open(root)?;
    for s in statements {
        let json = PathBuf::from(&s.path);
        // The signature first: a statement never sits without the signature it is read with.
        dir.write(&signature_path(&json), s.signature.as_bytes(), 0o644)?;
        dir.write(&json, s.statement.as_bytes(), 0o644)?;
    }
    Ok(())
}

/// The review of `entry` as an in-toto Statement in a DSSE envelope, for tools that consume
/// attestations: the payload is the statement file's exact bytes, and the signature is its
/// OpenSSH signature (SSHSIG, over those bytes in toolbench's namespace, as `ssh-keygen -Y
/// verify` checks it), not a signature over DSSE's pre-authentication encoding.
pub(crate) fn in_toto_envelope(
    root: &Path,
    entry: &ToolEntry,
) -> Result<serde_json::Value, String> {
    use base64::Engine;
    let json_path = statement_path(&entry.name, &entry.version, &entry.content_hash);
    let json = beneath::read_beneath(root, &json_path, statement::MAX_STATEMENT_BYTES)?
        .ok_or_else(|| {
            format!(
                "{} has no signed review ({} is missing)",
                entry.id(),
                json_path.display()
            )
        })?;
    let sig_path = signature_path(&json_path);
    let sig = beneath::read_beneath(root, &sig_path, statement::MAX_SIGNATURE_BYTES)?
        .ok_or_else(|| format!("{} is missing", sig_path.display()))?;
    let parsed =
        Statement::parse(&json).map_err(|why| format!("{}: {why}", json_path.display()))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(serde_json::json!({
        "payloadType": "application/vnd.in-toto+json",
        "payload": b64.encode(&json),
        "signatures": [{
            "keyid": parsed.predicate.reviewer,
            "sig": b64.encode(&sig),
        }],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::{ScanLimits, load_tool};
    use crate::model::Tier;

    /// A signed statement of `entry` by a fresh key for `principal`, and the trust that lists
    /// that key.
    fn signed_statement(root: &Path, entry: &ToolEntry, principal: &str) -> Trust {
        let keys = tempfile::tempdir().expect("keys");
        let key = keys.path().join("k");
        let made = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .output()
            .expect("ssh-keygen");
        assert!(made.status.success());
        let public = signers::read_public_key(&key.with_extension("pub")).expect("pub");
        let review = statement::Review {
            tool: entry.name.clone(),
            version: entry.version.clone(),
            tier: entry.tier,
            content_hash: entry.content_hash.clone(),
            permissions: Default::default(),
            decision: "approve".into(),
            reviewer: principal.into(),
            by: "ana".into(),
            at: "2026-11-26T10:00:00Z".into(),
            reason: None,
            supersedes: None,
            rule: None,
        };
        let bytes = Statement::new(review, "00".repeat(32)).encode();
        let signing = sshkeygen::SigningKey {
            file: key,
            agent_only: false,
            public: public.clone(),
        };
        let sig = sshkeygen::sign(&signing, NAMESPACE, &bytes, true).expect("signed");
        let path = statement_path(&entry.name, &entry.version, &entry.content_hash);
        write_statements(
            root,
            &[SignedStatement {
                path: path.display().to_string(),
                statement: String::from_utf8(bytes).expect("utf8"),
                signature: String::from_utf8(sig).expect("utf8"),
                principal: principal.into(),
            }],
        )
        .expect("written");
        Trust {
            effective: vec![crate::model::signers::SignerEntry {
                principals: vec![principal.into()],
                namespaces: None,
                valid_after: None,
                valid_before: None,
                key_type: public.0,
                key: public.1,
            }],
            ..Trust::default()
        }
    }

    fn remembered(root: &Path) -> usize {
        std::fs::read_dir(root.join(crate::workspace::STATE_DIR).join("verified"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    #[test]
    fn a_verification_is_remembered_by_statement_signature_reviewers_and_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let folder = root.join("approved/x");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            "name = \"x\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n",
        )
        .expect("manifest");
        std::fs::write(folder.join("run.sh"), "echo x\n").expect("script");
        let entry = load_tool(root, Tier::Approved, &folder, ScanLimits::default());
        let trust = signed_statement(root, &entry, "ana@example.com");
        assert!(verify(root, &entry, &trust).is_signed());
        assert_eq!(remembered(root), 1);
        assert!(verify(root, &entry, &trust).is_signed(), "from memory");
        assert_eq!(remembered(root), 1, "nothing new to remember");
        // Other reviewers: checked again, and remembered apart.
        let mut wider = trust.clone();
        let mut other = wider.effective[0].clone();
        other.principals = vec!["bob@example.com".into()];
        wider.effective.push(other);
        assert!(verify(root, &entry, &wider).is_signed());
        assert_eq!(remembered(root), 2);
        // Nobody allowed: refused before anything is checked or remembered.
        let nobody = Trust::default();
        assert!(matches!(
            verify(root, &entry, &nobody),
            Signature::SignerNotAllowed { .. }
        ));
        assert_eq!(remembered(root), 2);
        // Other content under the same statement path is refused, whatever is remembered.
        let other_content = ToolEntry {
            content_hash: "ff".repeat(32),
            ..entry.clone()
        };
        assert_eq!(
            verify(root, &other_content, &trust),
            Signature::OtherContent {
                version: "1.0.0".into(),
                content_hash: entry.content_hash.clone(),
            }
        );
    }
}
