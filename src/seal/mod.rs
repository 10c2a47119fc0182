//! Seals: for each active tool (core and approved), the exact content a person accepted.
//!
//! A seal is one small file, `.toolbench/seals/<name>.json`, holding the tier, version and
//! content hash that the decision making the tool active recorded (approve, promote,
//! restore, rollback, `tools define`). Decisions write it through the journal, after their
//! moves, so a crash leaves seals agreeing with the folders. Every run, MCP call and
//! `call --capability` compares the tool's content, hashed as it is read for the run, with
//! its seal; one file read, no state store on the path.
//!
//! A workspace that has no seals yet (a fresh clone, a workspace made by an earlier version)
//! runs none of its active tools until a person accepts them (`accept`: `toolbench accept`,
//! or the workbench's question), DESIGN §11 rule 5: what a clone or a tool's writes put in
//! `core/` or `approved/` is not accepted by anyone's first run. One holding no active tool
//! has nothing to accept and is opened by its first seal. After that, a tool in `core/` or
//! `approved/` whose content differs from its seal (`modified`), or that has none
//! (`unapproved`: placed there by hand, by `git pull`, by anything but a decision), never
//! runs until a person approves that content or sends it to review.
//!
//! This module never decides what is active; `review` does, and tells it here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::decisions::SealEffect;
use crate::model::seals::Seal;
use crate::model::short_hash;
use crate::model::{Drift, Signature, Tier, ToolEntry, is_valid_name};
use crate::safe_fs::Dir;
use crate::store::DecisionRecord;
use crate::workspace::STATE_DIR;

mod accept;
mod error;
mod known;

pub use accept::{AcceptError, accept, accept_all, plan};
pub(crate) use error::{Modification, SealError, SignatureRefusal};

/// The folder of seals, relative to the workspace root.
pub(crate) const SEALS_DIR: &str = "seals";

/// The kind of file a seal's tag is for.
const TAG_KIND: &str = "seal";

pub(crate) fn seals_dir(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join(SEALS_DIR)
}

fn seal_path(root: &Path, name: &str) -> PathBuf {
    seals_dir(root).join(format!("{name}.json"))
}

fn relative_seal(name: &str) -> PathBuf {
    Path::new(STATE_DIR)
        .join(SEALS_DIR)
        .join(format!("{name}.json"))
}

/// The seal of `name`: `None` when it has none; `NotAccepted` when the workspace has no seals
/// at all yet, since nobody accepted its tools.
pub(crate) fn read(root: &Path, name: &str) -> Result<Option<Seal>, SealError> {
    if !accepted(root) {
        return Err(not_accepted(root));
    }
    let path = seal_path(root, name);
    match std::fs::read(&path) {
        Ok(bytes) => parse(&path, &bytes).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(&path, &e)),
    }
}

/// The file in the folder of seals that says this user's toolbench made it: a folder of
/// seals a commit carried in (or an older build wrote, untagged) accepts nothing here.
const MARK_FILE: &str = "made-here";
/// The kind of file the mark's tag is for.
const MARK_KIND: &str = "seals";

/// True once a person accepted the workspace's tools here (it has its seals, in a folder this
/// user's toolbench made).
pub(crate) fn accepted(root: &Path) -> bool {
    marked(&seals_dir(root))
}

/// Whether `folder` holds the mark of this user's toolbench.
fn marked(folder: &Path) -> bool {
    let path = folder.join(MARK_FILE);
    let Ok((file, _)) = crate::io_text::open_regular(&path, crate::io_text::Follow::No) else {
        return false;
    };
    let mut tag = String::new();
    use std::io::Read;
    if file.take(256).read_to_string(&mut tag).is_err() {
        return false;
    }
    crate::workspace::own_writes::believed(MARK_KIND, b"", Some(tag.trim()))
}

/// The mark's content: this user's tag (empty without a secret, and then believed).
fn mark() -> String {
    crate::workspace::own_writes::tag(MARK_KIND, b"").unwrap_or_default()
}

/// Why nothing active runs in a workspace nobody accepted, counting what waits.
pub(crate) fn not_accepted(root: &Path) -> SealError {
    SealError::NotAccepted {
        active: active_folders(root),
    }
}

/// How many entries `core/` and `approved/` hold, without reading any tool.
fn active_folders(root: &Path) -> usize {
    [Tier::Core, Tier::Approved]
        .iter()
        .filter_map(|tier| std::fs::read_dir(root.join(tier.dir_name())).ok())
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| !e.file_name().as_encoded_bytes().starts_with(b"."))
                .count()
        })
        .sum()
}

/// The line a front end says on opening a workspace whose active tools nobody accepted yet
/// (`scanned`, its catalog), `None` when there is nothing to accept.
pub(crate) fn waiting_line(root: &Path, scanned: &[ToolEntry]) -> Option<String> {
    let signers = crate::signature::signers_line(root);
    if accepted(root) {
        return signers;
    }
    // What waits is what the marks say waits: a tool whose signed review verifies does not,
    // and with signatures required none does (each tool verifies or not on its own).
    let active = scanned
        .iter()
        .filter(|e| e.tier.is_active() && e.drift.as_deref() == Some(&Drift::NotAccepted))
        .count();
    let waiting = (active > 0).then(|| {
        format!(
            "this workspace was never opened here: its {active} active tools wait for a person \
             to accept them, and none runs until then (`toolbench accept --dry-run` lists them, \
             `toolbench accept` accepts them)"
        )
    });
    match (waiting, signers) {
        (Some(w), Some(s)) => Some(format!("{w}; {s}")),
        (w, s) => w.or(s),
    }
}

/// Refuses a change to what is active in a workspace whose tools nobody accepted yet (a
/// decision, a service defined): it would seal one tool and leave the rest not approved. A
/// workspace holding no active tool has nothing to accept: it is opened here, and passes.
pub(crate) fn ensure_accepted(root: &Path) -> Result<(), SealError> {
    if accepted(root) {
        return Ok(());
    }
    // With signatures on, what a reviewer signed runs by its review, tool by tool: once a
    // person accepted the workspace's reviewers here (`signers accept`, `signers add`), a
    // decision opens the workspace, and its unsigned active tools stay not approved (each
    // accepted by name or with the rest) where signatures are not required. Before that act,
    // nobody here looked at the workspace at all.
    let standing = crate::signature::Standing::load(root);
    let reviewers_accepted =
        standing.mode != crate::signature::Mode::Off && standing.trust.accepted.is_some();
    if active_folders(root) > 0 && !reviewers_accepted {
        return Err(not_accepted(root));
    }
    open_seals(root)
}

/// Makes the workspace's (empty) folder of seals, marked: from now on it is opened here. A
/// folder of seals already there that this user's toolbench did not make is marked too: each
/// seal in it still counts only with its own tag.
fn open_seals(root: &Path) -> Result<(), SealError> {
    let made = crate::workspace::make_state_dir(root)
        .and_then(|state| crate::workspace::private::create_dir(&state.join(SEALS_DIR)));
    let io = |e: std::io::Error| {
        SealError::Write(crate::safe_fs::SafeFsError::Io {
            path: seals_dir(root),
            reason: crate::io_text::io_reason(&e),
        })
    };
    made.map_err(io)?;
    Dir::open(root)?.write(
        &Path::new(STATE_DIR).join(SEALS_DIR).join(MARK_FILE),
        mark().as_bytes(),
        crate::workspace::private::FILE_MODE,
    )?;
    Ok(())
}

/// Puts a folder of seals this user's toolbench did not make out of the way (kept beside,
/// never deleted), so a person's acceptance can put its own in place.
fn set_aside_unmarked(root: &Path) -> std::io::Result<()> {
    let seals = seals_dir(root);
    if seals.symlink_metadata().is_err() || marked(&seals) {
        return Ok(());
    }
    let aside = root.join(STATE_DIR).join(format!(
        "{SEALS_DIR}.not-made-here-{}",
        crate::clock::unique_nanos()
    ));
    std::fs::rename(&seals, aside)
}

/// The seal of `name` as it stands, writing nothing: `None` when it has none (or none can be
/// read), whether or not the workspace has adopted its tools.
pub(crate) fn peek(root: &Path, name: &str) -> Option<Seal> {
    let path = seal_path(root, name);
    let bytes = std::fs::read(&path).ok()?;
    parse(&path, &bytes).ok().filter(|seal| seal.name == name)
}

/// The seal in `bytes`, read from `path`, when this user's toolbench wrote it.
fn parse(path: &Path, bytes: &[u8]) -> Result<Seal, SealError> {
    let mut seal: Seal = serde_json::from_slice(bytes).map_err(|e| SealError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tag = seal.tag.take();
    if !crate::workspace::own_writes::believed(TAG_KIND, &encode(&seal), tag.as_deref()) {
        return Err(SealError::NotOurs {
            path: path.to_path_buf(),
            name: seal.name,
        });
    }
    Ok(seal)
}

fn unreadable(path: &Path, e: &std::io::Error) -> SealError {
    SealError::Unreadable {
        path: path.to_path_buf(),
        reason: crate::io_text::io_reason(e),
    }
}

/// The drift of an active `entry` against `seal` (`None` when it matches).
pub(crate) fn drift_of(entry: &ToolEntry, seal: Option<&Seal>) -> Option<Drift> {
    if !entry.tier.is_active() || entry.is_broken() {
        return None;
    }
    match seal.filter(|s| s.tier == entry.tier) {
        Some(seal) if seal.hash == entry.content_hash => None,
        Some(seal) => Some(Drift::Modified {
            approved_version: seal.version.clone(),
            approved_hash: seal.hash.clone(),
        }),
        None => Some(Drift::Unapproved),
    }
}

/// The drift of one `entry` as its seal stands now, writing nothing (`None` for an
/// unreadable seal, which `check` refuses to run).
pub(crate) fn drift_now(root: &Path, entry: &ToolEntry) -> Option<Drift> {
    if !entry.tier.is_active() || entry.is_broken() {
        return None;
    }
    let standing = crate::signature::Standing::load(root);
    if let Some(signature) = standing.signature_of(root, entry) {
        if signature.is_signed() {
            return None;
        }
        if standing.mode == crate::signature::Mode::Require {
            return signature.drift();
        }
    }
    if !accepted(root) {
        return Some(Drift::NotAccepted);
    }
    let path = seal_path(root, &entry.name);
    let seal = std::fs::read(&path)
        .ok()
        .and_then(|bytes| parse(&path, &bytes).ok());
    drift_of(entry, seal.as_ref())
}

/// Refuses to run an active tool whose content is not the content a person accepted, or
/// that others than its owner could change. Other tiers are not sealed: a person trying a
/// candidate runs it knowing what it is, and agents can only call active tools.
pub fn check(root: &Path, entry: &ToolEntry) -> Result<(), SealError> {
    if !entry.tier.is_active() {
        return Ok(());
    }
    let folder = folder_of(root, entry);
    if let Some(relative) = &entry.writable_by_others {
        let path = entry.path.join(relative);
        let mode = std::fs::symlink_metadata(&path)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
            .unwrap_or(0o777);
        let shown = if relative.as_os_str().is_empty() {
            folder.clone()
        } else {
            format!("{folder}/{}", relative.display())
        };
        return Err(SealError::WritableByOthers { path: shown, mode });
    }
    // With signatures on, a statement of exactly this content that verifies is a person's
    // review; with them required, nothing else is.
    let standing = crate::signature::Standing::load(root);
    if let Some(signature) = standing.signature_of(root, entry) {
        if signature.is_signed() {
            return Ok(());
        }
        if standing.mode == crate::signature::Mode::Require {
            return Err(SealError::Signature(Box::new(SignatureRefusal {
                name: entry.name.clone(),
                folder,
                version: entry.version.clone(),
                hash: short_hash(&entry.content_hash).to_string(),
                signature,
            })));
        }
    }
    let seal = read(root, &entry.name)?;
    match drift_of(entry, seal.as_ref()) {
        None => Ok(()),
        Some(Drift::Modified {
            approved_version,
            approved_hash,
        }) => Err(SealError::Modified(Box::new(Modification {
            name: entry.name.clone(),
            folder,
            approved: approved_version,
            approved_hash: short_hash(&approved_hash).to_string(),
            version: entry.version.clone(),
            hash: short_hash(&entry.content_hash).to_string(),
        }))),
        // A decision took its approval with the folder since the entry was read.
        Some(Drift::Unapproved) if entry.path.symlink_metadata().is_err() => {
            Err(SealError::Gone { folder })
        }
        Some(Drift::Unapproved) => Err(SealError::Unapproved {
            name: entry.name.clone(),
            folder,
            hash: short_hash(&entry.content_hash).to_string(),
        }),
        // `read` says so first.
        Some(Drift::NotAccepted) => Err(not_accepted(root)),
        // Seals never give these.
        Some(
            Drift::Unsigned
            | Drift::SignedOtherContent { .. }
            | Drift::SignatureInvalid { .. }
            | Drift::SignerNotAllowed { .. },
        ) => Err(SealError::Unapproved {
            name: entry.name.clone(),
            folder,
            hash: short_hash(&entry.content_hash).to_string(),
        }),
    }
}

fn folder_of(root: &Path, entry: &ToolEntry) -> String {
    entry
        .path
        .strip_prefix(root)
        .unwrap_or(&entry.path)
        .display()
        .to_string()
}

/// Every seal of the workspace, for views of the whole catalog.
#[derive(Debug, Clone, Default)]
pub struct SealBook {
    /// Boxed: a map of 4,000 seals inline (about 200 bytes each, in a table of twice as many
    /// buckets) was 1.6 MB, and a listing moves the seals it kept here without a copy.
    seals: HashMap<String, Box<Seal>>,
    /// The workspace has its seals. Until it does, every active tool waits for a person to
    /// accept the workspace.
    accepted: bool,
    /// The signatures mode and reviewers, with the root to read statements from.
    signatures: Option<(PathBuf, crate::signature::Standing)>,
}

impl SealBook {
    /// Reads every seal, writing nothing. An unreadable seal is left out, so its tool shows
    /// as not approved (and does not run).
    pub fn load(root: &Path) -> Self {
        Self::load_with(root, 0, |path, _| {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| parse(path, &bytes).ok())
                .map(Box::new)
        })
    }

    /// `load`, each seal file (path and name) read with `read`, with room for `expected`
    /// seals from the start.
    fn load_with(
        root: &Path,
        expected: usize,
        mut read_seal: impl FnMut(&Path, &str) -> Option<Box<Seal>>,
    ) -> Self {
        let mut seals = HashMap::with_capacity(expected);
        let standing = crate::signature::Standing::load(root);
        let signatures =
            (standing.mode != crate::signature::Mode::Off).then(|| (root.to_path_buf(), standing));
        let read = std::fs::read_dir(seals_dir(root))
            .ok()
            .filter(|_| accepted(root));
        let Some(read) = read else {
            return Self {
                seals,
                accepted: false,
                signatures,
            };
        };
        for dirent in read.flatten() {
            let Some(name) = dirent
                .file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| is_valid_name(n))
                .map(str::to_string)
            else {
                continue;
            };
            if let Some(seal) = read_seal(&dirent.path(), &name).filter(|s| s.name == name) {
                seals.insert(name, seal);
            }
        }
        Self {
            seals,
            accepted: true,
            signatures,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Seal> {
        self.seals.get(name).map(|seal| &**seal)
    }

    /// Marking with this book reads more than the book: with signatures on, each active
    /// tool's signed review is read from the workspace as it is marked.
    pub(crate) fn reads_reviews(&self) -> bool {
        self.signatures.is_some()
    }

    /// `other` marks every entry as this book does, known without marking one: the same
    /// seals, the workspace accepted in both or in neither, and neither reading signed reviews
    /// (which may change on disk between two marks with the same book).
    pub(crate) fn marks_as(&self, other: &SealBook) -> bool {
        !self.reads_reviews()
            && !other.reads_reviews()
            && self.accepted == other.accepted
            && self.seals == other.seals
    }

    /// The drift of `entry` (`None` for a tool that matches its seal, and for other tiers).
    pub(crate) fn drift(&self, entry: &ToolEntry) -> Option<Drift> {
        self.drift_and_signature(entry).0
    }

    /// The drift of `entry` and, with signatures on, its signed review.
    fn drift_and_signature(&self, entry: &ToolEntry) -> (Option<Drift>, Option<Signature>) {
        let signature = self
            .signatures
            .as_ref()
            .and_then(|(root, standing)| standing.signature_of(root, entry));
        if let (Some(signature), Some((_, standing))) = (&signature, &self.signatures) {
            if signature.is_signed() {
                return (None, Some(signature.clone()));
            }
            if standing.mode == crate::signature::Mode::Require {
                return (signature.drift(), Some(signature.clone()));
            }
        }
        (self.seal_drift(entry), signature)
    }

    fn seal_drift(&self, entry: &ToolEntry) -> Option<Drift> {
        if !self.accepted {
            return (entry.tier.is_active() && !entry.is_broken()).then_some(Drift::NotAccepted);
        }
        drift_of(entry, self.get(&entry.name))
    }

    /// Marks each entry with its drift.
    pub fn mark(&self, entries: &mut [ToolEntry]) {
        if self.signatures.is_some() && entries.len() > 64 {
            // Each unverified tool may cost a check by ssh-keygen: on every core.
            let marked = crate::catalog::scan::parallel_map(
                entries,
                &crate::catalog::scan::ScanProgress::default(),
                |entry| self.drift_and_signature(entry),
            );
            for (entry, (drift, signature)) in entries.iter_mut().zip(marked) {
                entry.drift = drift.map(Box::new);
                entry.signature = signature.map(Box::new);
            }
            return;
        }
        for entry in entries {
            let (drift, signature) = self.drift_and_signature(entry);
            entry.drift = drift.map(Box::new);
            entry.signature = signature.map(Box::new);
        }
    }
}

/// Writes `seal`, replacing the seal of its name. The first seal of a workspace that holds
/// no other active tool opens it here (`ensure_accepted` refused any other change before).
pub(crate) fn write(root: &Path, seal: &Seal) -> Result<(), SealError> {
    if !accepted(root) {
        open_seals(root)?;
    }
    Dir::open(root)?.write(
        &relative_seal(&seal.name),
        encode_tagged(seal).as_slice(),
        crate::workspace::private::FILE_MODE,
    )?;
    Ok(())
}

fn encode(seal: &Seal) -> Vec<u8> {
    // Plain strings and an enum: serialising cannot fail.
    serde_json::to_vec_pretty(seal).unwrap_or_default()
}

/// `seal` as written: tagged as this user's toolbench's own.
fn encode_tagged(seal: &Seal) -> Vec<u8> {
    let untagged = Seal {
        tag: None,
        ..seal.clone()
    };
    let tag = crate::workspace::own_writes::tag(TAG_KIND, &encode(&untagged));
    encode(&Seal { tag, ..untagged })
}

/// Removes the seal of `name` when it is the one for `tier` (an archived tool takes its own
/// seal along, never the seal of its name in the other active tier).
fn remove_if(root: &Path, name: &str, tier: Tier) -> Result<(), SealError> {
    let path = seal_path(root, name);
    let current = match std::fs::read(&path) {
        Ok(bytes) => parse(&path, &bytes).ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(unreadable(&path, &e)),
    };
    // An unreadable seal names nothing a person accepted: it goes too.
    if current.is_none_or(|s| s.tier == tier) {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(unreadable(&path, &e)),
        }
    }
    Ok(())
}

/// Brings the seals in line with `decisions`, in order: a decision that made content active
/// seals it; one that moved an active tool out takes its seal away. Idempotent, so the
/// journal's recovery can apply a decision's seals again.
pub(crate) fn apply_decisions(root: &Path, decisions: &[DecisionRecord]) -> Result<(), SealError> {
    for d in decisions {
        let effect = match d.action.seal() {
            SealEffect::FollowsMove if d.to_tier.is_some_and(|t| t.is_active()) => {
                SealEffect::Seals
            }
            SealEffect::FollowsMove if d.from_tier.is_some_and(|t| t.is_active()) => {
                SealEffect::Unseals
            }
            SealEffect::FollowsMove => SealEffect::Unchanged,
            effect => effect,
        };
        match (d.to_tier, d.to_version.as_ref(), d.to_hash.as_ref()) {
            (Some(tier), Some(version), Some(hash))
                if effect == SealEffect::Seals && tier.is_active() =>
            {
                write(
                    root,
                    &Seal {
                        name: d.tool.clone(),
                        tier,
                        version: version.clone(),
                        hash: hash.clone(),
                        by: d.who.clone(),
                        at: d.at.clone(),
                        how: d.action.as_str().to_string(),
                        tag: None,
                    },
                )?;
            }
            _ if effect == SealEffect::Unseals => {
                if let Some(tier) = d.from_tier.filter(|t| t.is_active()) {
                    remove_if(root, &d.tool, tier)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::{ScanLimits, load_tool};
    use crate::model::ToolId;
    use crate::model::seals::Sealed;
    use crate::store::DecisionAction;

    const MANIFEST: &str =
        "version = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n";

    fn tool(root: &Path, tier: Tier, name: &str, script: &str) -> ToolEntry {
        let folder = root.join(tier.dir_name()).join(name);
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            format!("name = \"{name}\"\n{MANIFEST}"),
        )
        .expect("manifest");
        std::fs::write(folder.join("run.sh"), script).expect("script");
        load_tool(root, tier, &folder, ScanLimits::default())
    }

    fn decision(action: DecisionAction, entry: &ToolEntry, to: Tier) -> DecisionRecord {
        DecisionRecord {
            id: 0,
            tool: entry.name.clone(),
            action,
            who: "ana".into(),
            at: "2026-11-24T10:00:00Z".into(),
            reason: None,
            from_version: Some(entry.version.clone()),
            to_version: Some(entry.version.clone()),
            from_tier: Some(entry.tier),
            to_tier: Some(to),
            from_hash: Some(entry.content_hash.clone()),
            to_hash: Some(entry.content_hash.clone()),
        }
    }

    #[test]
    fn a_workspace_never_opened_runs_nothing_active_until_a_person_accepts_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let core = tool(root, Tier::Core, "c", "echo c\n");
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        let candidate = tool(root, Tier::Experimental, "e", "echo e\n");
        // Views write nothing, and show every active tool waiting for the person.
        let book = SealBook::load(root);
        assert_eq!(book.drift(&approved), Some(Drift::NotAccepted));
        assert_eq!(book.drift(&candidate), None);
        assert_eq!(drift_now(root, &core), Some(Drift::NotAccepted));
        let refused = check(root, &approved).expect_err("not accepted");
        assert!(
            matches!(refused, SealError::NotAccepted { active: 2 }),
            "{refused}"
        );
        check(root, &candidate).expect("candidates are not sealed");
        assert!(matches!(
            ensure_accepted(root),
            Err(SealError::NotAccepted { active: 2 })
        ));
        assert!(!seals_dir(root).exists(), "nothing was written");

        let scanned = [core.clone(), approved.clone(), candidate.clone()];
        let planned = plan(root, &scanned, &[], "ana").expect("plan");
        assert!(!seals_dir(root).exists(), "a plan writes nothing");
        let accepted = accept(root, &scanned, &[], "ana").expect("accepted");
        // The same seals, but for the moment each was taken, which can fall a millisecond apart.
        let untimed = |sealed: &[Sealed]| -> Vec<Sealed> {
            sealed
                .iter()
                .cloned()
                .map(|mut s| {
                    s.seal.at.clear();
                    s
                })
                .collect()
        };
        assert_eq!(untimed(&planned), untimed(&accepted));
        assert_eq!(accepted.len(), 2);
        for entry in [&core, &approved] {
            check(root, entry).expect("runs as it is");
            let seal = read(root, &entry.name).expect("read").expect("sealed");
            assert_eq!(
                (
                    seal.tier,
                    seal.hash.as_str(),
                    seal.by.as_str(),
                    seal.how.as_str()
                ),
                (entry.tier, entry.content_hash.as_str(), "ana", "accept")
            );
            let kept = crate::versions::VersionStore::relative_path(
                &entry.name,
                "1.0.0",
                &entry.content_hash,
            );
            assert!(root.join(kept).is_dir(), "kept as a snapshot");
        }
        assert_eq!(read(root, &candidate.name).expect("read"), None);
        assert_eq!(
            accept(root, &scanned, &[], "ana").expect("again"),
            [],
            "nothing is accepted twice"
        );

        // A tool placed in approved/ afterwards (a pull, a copy) is not approved here, until a
        // person accepts it; a tool with a seal is never accepted again.
        let later = tool(root, Tier::Approved, "later", "echo later\n");
        assert!(matches!(
            check(root, &later),
            Err(SealError::Unapproved { .. })
        ));
        assert_eq!(SealBook::load(root).drift(&later), Some(Drift::Unapproved));
        let changed = tool(root, Tier::Approved, "a", "echo changed\n");
        let again = accept(
            root,
            std::slice::from_ref(&changed),
            &[ToolId::named("a")],
            "ana",
        )
        .expect_err("sealed already");
        assert!(matches!(again, AcceptError::Sealed(_)), "{again}");
        let newer = accept(root, &[changed.clone(), later.clone()], &[], "ana").expect("later");
        assert_eq!(newer.len(), 1, "only the tool without a seal");
        check(root, &later).expect("accepted");
        assert!(matches!(check(root, &changed), Err(SealError::Modified(_))));
    }

    #[test]
    fn accepting_some_tools_by_name_leaves_the_others_not_approved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let kept = tool(root, Tier::Core, "kept", "echo kept\n");
        let left = tool(root, Tier::Approved, "left", "echo left\n");
        let scanned = [kept.clone(), left.clone()];
        let unknown =
            accept(root, &scanned, &[ToolId::named("nope")], "ana").expect_err("unknown name");
        assert_eq!(
            unknown.to_string(),
            "no active tool named nope: `toolbench accept --dry-run` lists them"
        );
        // NAME@VERSION names the active version, or nothing is accepted.
        let other = "kept@9.9.9".parse().expect("spec");
        let refused = accept(root, &scanned, &[other], "ana").expect_err("not the active one");
        assert_eq!(
            refused.to_string(),
            format!(
                "kept@9.9.9 is not active (kept@{} is, in core/): only the active version of a \
                 tool is accepted, as it is",
                kept.version
            )
        );
        assert!(!seals_dir(root).exists());
        let named = ToolId::known(&kept.name, &kept.version);
        assert!(named.version.is_some());
        accept(root, &scanned, &[named], "ana").expect("accepted");
        check(root, &kept).expect("accepted by name");
        assert!(matches!(
            check(root, &left),
            Err(SealError::Unapproved { .. })
        ));
        // No staging folder is left behind.
        let leftovers: Vec<_> = walkdir(&root.join(STATE_DIR))
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_workspace_without_active_tools_is_opened_by_its_first_seal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let candidate = tool(root, Tier::Experimental, "x", "echo x\n");
        ensure_accepted(root).expect("nothing to accept");
        assert!(accepted(root));
        apply_decisions(
            root,
            &[decision(
                DecisionAction::Approve,
                &candidate,
                Tier::Approved,
            )],
        )
        .expect("approve");
        assert!(read(root, "x").expect("read").is_some());
    }

    fn walkdir(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walkdir(&path));
            }
            found.push(path);
        }
        found
    }

    /// A person accepts every active tool `root` holds now.
    fn accept_now(root: &Path) {
        accept_all(root, "ana").expect("accepted");
    }

    #[test]
    fn content_that_is_not_the_sealed_content_is_refused_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        accept_now(root);
        check(root, &approved).expect("accepted");
        let changed = tool(root, Tier::Approved, "a", "echo changed\n");
        let err = check(root, &changed).expect_err("modified");
        assert_eq!(
            err.to_string(),
            format!(
                "approved/a was modified since approval (approved 1.0.0 {}, now 1.0.0 {}): `toolbench resubmit a` sends the change to review, `toolbench approve a --hash {}` approves it where it is",
                &approved.content_hash[..12],
                &changed.content_hash[..12],
                &changed.content_hash[..12]
            )
        );
        assert_eq!(
            SealBook::load(root).drift(&changed),
            Some(Drift::Modified {
                approved_version: "1.0.0".into(),
                approved_hash: approved.content_hash.clone()
            })
        );
        // The same name active in core is another tool: its seal is not a's.
        let core = tool(root, Tier::Core, "a", "echo a\n");
        assert!(matches!(
            check(root, &core),
            Err(SealError::Unapproved { .. })
        ));
    }

    #[test]
    fn decisions_seal_what_they_make_active_and_unseal_what_leaves() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let candidate = tool(root, Tier::Experimental, "x", "echo x\n");
        apply_decisions(
            root,
            &[decision(
                DecisionAction::Approve,
                &candidate,
                Tier::Approved,
            )],
        )
        .expect("approve");
        let seal = read(root, "x").expect("read").expect("sealed");
        assert_eq!(
            (seal.tier, seal.how.as_str(), seal.by.as_str()),
            (Tier::Approved, "approve", "ana")
        );
        let approved = ToolEntry {
            tier: Tier::Approved,
            ..candidate.clone()
        };
        // Decisions that make nothing active leave the seal alone.
        for action in [DecisionAction::Evolve, DecisionAction::Resubmit] {
            apply_decisions(root, &[decision(action, &approved, Tier::Experimental)])
                .expect("apply");
            assert!(read(root, "x").expect("read").is_some(), "{action}");
        }
        // Archiving core/x takes no seal of approved/x along.
        let core = ToolEntry {
            tier: Tier::Core,
            ..candidate.clone()
        };
        apply_decisions(
            root,
            &[decision(DecisionAction::Archive, &core, Tier::Archived)],
        )
        .expect("archive core");
        assert!(read(root, "x").expect("read").is_some());
        apply_decisions(
            root,
            &[decision(
                DecisionAction::Supersede,
                &approved,
                Tier::Archived,
            )],
        )
        .expect("supersede");
        assert_eq!(read(root, "x").expect("read"), None);
    }

    #[test]
    fn a_tool_others_may_write_does_not_run_whatever_its_hash() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        accept_now(root);
        check(root, &approved).expect("accepted");
        let script = root.join("approved/a/run.sh");
        std::fs::set_permissions(&script, PermissionsExt::from_mode(0o666)).expect("chmod");
        let open = load_tool(
            root,
            Tier::Approved,
            &root.join("approved/a"),
            ScanLimits::default(),
        );
        assert_eq!(open.content_hash, approved.content_hash, "same content");
        assert_eq!(
            check(root, &open).expect_err("open to others").to_string(),
            "approved/a/run.sh can be changed by other users (mode 0666); only its owner may write it (chmod o-w)"
        );
    }

    #[test]
    fn an_unreadable_seal_is_refused_not_taken_for_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        accept_now(root);
        check(root, &approved).expect("accepted");
        std::fs::write(seal_path(root, "a"), "{ not json").expect("damage");
        assert!(matches!(
            check(root, &approved),
            Err(SealError::Unreadable { .. })
        ));
        assert_eq!(
            SealBook::load(root).drift(&approved),
            Some(Drift::Unapproved)
        );
    }
}
