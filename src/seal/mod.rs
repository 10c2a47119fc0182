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
//! adopts the active tools it holds as they are, once; after that, a tool in `core/` or
//! `approved/` whose content differs from its seal (`modified`), or that has none
//! (`unapproved`: placed there by hand, by `git pull`, by anything but a decision), never
//! runs until a person approves that content or sends it to review.
//!
//! This module never decides what is active; `review` does, and tells it here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::scan::{ScanLimits, ScanProgress, parallel_map, scan_tiers};
use crate::catalog::short_hash;
use crate::model::{Drift, Tier, ToolEntry, is_valid_name};
use crate::review::versions::VersionStore;
use crate::safe_fs::Dir;
use crate::store::{DecisionAction, DecisionRecord, Store};
use crate::workspace::STATE_DIR;

mod error;
pub(crate) mod notice;

pub(crate) use error::{Modification, SealError};

/// Who sealed the tools a workspace held when it got its seals: nobody decided, toolbench
/// took them as it found them.
pub(crate) const ADOPTED_BY: &str = "(adopted)";

/// The folder of seals, relative to the workspace root.
pub(crate) const SEALS_DIR: &str = "seals";

/// What a person accepted for one active tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seal {
    pub(crate) name: String,
    pub(crate) tier: Tier,
    pub(crate) version: String,
    pub(crate) hash: String,
    /// Who accepted it; `(adopted)` for the tools a workspace held when it got its seals.
    pub(crate) by: String,
    /// RFC 3339 UTC.
    pub(crate) at: String,
    /// The decision that sealed it: `approve`, `promote`, `restore`, `rollback`, `define`,
    /// or `adopt`.
    pub(crate) how: String,
}

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

/// The seal of `name`, adopting the workspace's active tools first when it has no seals yet.
pub(crate) fn read(root: &Path, name: &str) -> Result<Option<Seal>, SealError> {
    let path = seal_path(root, name);
    match std::fs::read(&path) {
        Ok(bytes) => parse(&path, &bytes).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Read again whether or not this adopted: another thread's adoption may have put
            // the seals in place since the first read (which then found no folder at all).
            ensure_adopted(root)?;
            match std::fs::read(&path) {
                Ok(bytes) => parse(&path, &bytes).map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(unreadable(&path, &e)),
            }
        }
        Err(e) => Err(unreadable(&path, &e)),
    }
}

/// The seal of `name` as it stands, writing nothing: `None` when it has none (or none can be
/// read), whether or not the workspace has adopted its tools.
pub(crate) fn peek(root: &Path, name: &str) -> Option<Seal> {
    let path = seal_path(root, name);
    let bytes = std::fs::read(&path).ok()?;
    parse(&path, &bytes).ok().filter(|seal| seal.name == name)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Seal, SealError> {
    serde_json::from_slice(bytes).map_err(|e| SealError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn unreadable(path: &Path, e: &std::io::Error) -> SealError {
    SealError::Unreadable {
        path: path.to_path_buf(),
        reason: crate::catalog::manifest::io_reason(e),
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

/// The drift of one `entry` as its seal stands now, writing nothing (`None` as well while the
/// workspace has no seals yet, and for an unreadable seal, which `check` refuses to run).
pub(crate) fn drift_now(root: &Path, entry: &ToolEntry) -> Option<Drift> {
    if !entry.tier.is_active() || seals_dir(root).symlink_metadata().is_err() {
        return None;
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
pub(crate) fn check(root: &Path, entry: &ToolEntry) -> Result<(), SealError> {
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
        Some(Drift::Unapproved) => Err(SealError::Unapproved {
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
    seals: HashMap<String, Seal>,
    /// The workspace has its seals. Until it does, nothing drifts: its tools will be adopted
    /// as they are at the first run or decision, and a view must not write that for them.
    adopted: bool,
}

impl SealBook {
    /// Reads every seal, writing nothing. An unreadable seal is left out, so its tool shows
    /// as not approved (and does not run).
    pub fn load(root: &Path) -> Self {
        let mut seals = HashMap::new();
        let Ok(read) = std::fs::read_dir(seals_dir(root)) else {
            return Self {
                seals,
                adopted: false,
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
            let seal = std::fs::read(dirent.path())
                .ok()
                .and_then(|bytes| parse(&dirent.path(), &bytes).ok());
            if let Some(seal) = seal.filter(|s| s.name == name) {
                seals.insert(name, seal);
            }
        }
        Self {
            seals,
            adopted: true,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Seal> {
        self.seals.get(name)
    }

    /// The drift of `entry` (`None` for a tool that matches its seal, and for other tiers).
    pub(crate) fn drift(&self, entry: &ToolEntry) -> Option<Drift> {
        self.adopted
            .then(|| drift_of(entry, self.get(&entry.name)))
            .flatten()
    }

    /// Marks each entry with its drift.
    pub fn mark(&self, entries: &mut [ToolEntry]) {
        for entry in entries {
            entry.drift = self.drift(entry);
        }
    }
}

/// Writes `seal`, replacing the seal of its name. A workspace without seals adopts its
/// active tools first, so the first seal written never leaves the others unapproved.
pub(crate) fn write(root: &Path, seal: &Seal) -> Result<(), SealError> {
    ensure_adopted(root)?;
    Dir::open(root)?.write(
        &relative_seal(&seal.name),
        encode(seal).as_slice(),
        crate::workspace::private::FILE_MODE,
    )?;
    Ok(())
}

fn ensure_adopted(root: &Path) -> Result<(), SealError> {
    adopt_once(root, || adopt(root))
}

/// `adopt_as_scanned` unless the workspace has its seals (or another thread of this process
/// gave them while this one waited).
pub(crate) fn ensure_adopted_as_scanned(
    root: &Path,
    scanned: &[ToolEntry],
) -> Result<(), SealError> {
    adopt_once(root, || adopt_as_scanned(root, scanned))
}

fn adopt_once(root: &Path, adopt: impl FnOnce() -> Result<(), SealError>) -> Result<(), SealError> {
    if seals_dir(root).symlink_metadata().is_ok() {
        return Ok(());
    }
    // One adoption at a time in a process: the workbench's decisions each come here on a
    // thread of their own, and each would otherwise seal and snapshot every active tool
    // before the first one's seals are in place. The later ones find them and stop.
    static ADOPTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ADOPTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seals_dir(root).symlink_metadata().is_err() {
        adopt()?;
    }
    Ok(())
}

fn encode(seal: &Seal) -> Vec<u8> {
    // Plain strings and an enum: serialising cannot fail.
    serde_json::to_vec_pretty(seal).unwrap_or_default()
}

/// Removes the seal of `name` when it is the one for `tier` (an archived tool takes its own
/// seal along, never the seal of its name in the other active tier).
fn remove_if(root: &Path, name: &str, tier: Tier) -> Result<(), SealError> {
    ensure_adopted(root)?;
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
        let sealing = matches!(
            d.action,
            DecisionAction::Approve
                | DecisionAction::Promote
                | DecisionAction::Restore
                | DecisionAction::Rollback
        );
        let unsealing = matches!(
            d.action,
            DecisionAction::Archive | DecisionAction::Supersede
        );
        match (d.to_tier, d.to_version.as_ref(), d.to_hash.as_ref()) {
            (Some(tier), Some(version), Some(hash)) if sealing && tier.is_active() => {
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
                    },
                )?;
            }
            _ if unsealing => {
                if let Some(tier) = d.from_tier.filter(|t| t.is_active()) {
                    remove_if(root, &d.tool, tier)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Seals the active tools of a workspace that has no seals yet, as they are, or, where the
/// state store remembers versions of a name that were made active, as the newest of those
/// (so a tool changed before this version of toolbench shows as modified). Written into a
/// folder of its own and renamed into place, so two processes adopting at once agree.
pub fn adopt(root: &Path) -> Result<(), SealError> {
    let active = scan_tiers(root, &[Tier::Core, Tier::Approved], ScanLimits::default());
    adopt_as_scanned(root, &active)
}

/// `adopt`, with the active tools as a scan of the whole workspace just read them (the
/// workbench's and the MCP server's first scan), so they are not read and hashed twice. A
/// tool changed since is sealed as scanned, so it shows as modified, never as accepted.
fn adopt_as_scanned(root: &Path, scanned: &[ToolEntry]) -> Result<(), SealError> {
    #[cfg(test)]
    tests::ADOPTIONS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(root.to_path_buf());
    let at = crate::clock::now_rfc3339();
    let store_file = root.join(STATE_DIR).join(crate::store::STATE_FILE);
    // Read only: adoption may happen inside a process that holds the store's one writer.
    let store = store_file
        .is_file()
        .then(|| Store::open_reader(root).ok())
        .flatten();
    crate::workspace::make_state_dir(root).map_err(|e| {
        SealError::Write(crate::safe_fs::SafeFsError::Io {
            path: root.join(STATE_DIR),
            reason: crate::catalog::manifest::io_reason(&e),
        })
    })?;
    let root_dir = Dir::open(root)?;
    let staging = Path::new(STATE_DIR).join(format!(
        ".seals-{}-{}",
        std::process::id(),
        crate::clock::unique_nanos()
    ));
    let folder = root_dir.create_dirs_with_mode(&staging, crate::workspace::private::DIR_MODE)?;
    let versions = VersionStore::new(root);
    // Core before approved, as a scan lists them: a name active twice (by hand) seals its
    // first.
    let mut active: Vec<&ToolEntry> = scanned
        .iter()
        .filter(|e| e.tier.is_active() && !e.is_broken() && is_valid_name(&e.name))
        .collect();
    active.sort_by_key(|e| e.tier != Tier::Core);
    let mut taken = std::collections::HashSet::new();
    active.retain(|e| taken.insert(e.name.as_str()));
    let sealed: Vec<(&ToolEntry, Seal, bool)> = active
        .into_iter()
        .map(|entry| {
            let remembered = store
                .as_ref()
                .and_then(|s| s.versions_of(&entry.name).ok())
                .unwrap_or_default();
            let known = remembered
                .iter()
                .any(|v| v.content_hash == entry.content_hash);
            let (version, hash, when) = match remembered.first() {
                Some(newest) if !known => (
                    newest.version.clone(),
                    newest.content_hash.clone(),
                    newest.activated_at.clone(),
                ),
                _ => (
                    entry.version.clone(),
                    entry.content_hash.clone(),
                    at.clone(),
                ),
            };
            let seal = Seal {
                name: entry.name.clone(),
                tier: entry.tier,
                version,
                hash,
                by: ADOPTED_BY.to_string(),
                at: when,
                how: "adopt".to_string(),
            };
            // Kept like every version that became active, so a later change can be undone.
            (entry, seal, !known && remembered.is_empty())
        })
        .collect();
    let as_they_are = sealed.iter().filter(|(e, s, _)| s.hash == e.content_hash);
    notice::adopting(as_they_are.count());
    // Each tool's copy and seal on every core: a first contact writes thousands of each.
    let written = parallel_map(&sealed, &ScanProgress::default(), |(entry, seal, keep)| {
        // A tool that cannot be kept is still sealed: it runs as it is now.
        let staged = if *keep {
            versions
                .stage(
                    &entry.path,
                    &entry.name,
                    &entry.version,
                    &entry.content_hash,
                )
                .unwrap_or(None)
        } else {
            None
        };
        folder.write_new(
            Path::new(&format!("{}.json", seal.name)),
            encode(seal).as_slice(),
            crate::workspace::private::FILE_MODE,
        )?;
        Ok::<_, SealError>(staged)
    });
    let mut snapshots = Vec::new();
    for staged in written {
        snapshots.extend(staged?);
    }
    // One sync of the file system for every snapshot and seal (thousands of tools took one
    // sync each, most of a first contact's time), before any of them is renamed into place.
    let _ = versions.keep_all(snapshots);
    folder.sync_filesystem()?;
    let target = Path::new(STATE_DIR).join(SEALS_DIR);
    if root_dir.rename_noreplace(&staging, &target).is_err() {
        // Another process adopted first; its seals stand.
        let _ = std::fs::remove_dir_all(root.join(&staging));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::scan::{ScanLimits, load_tool};

    /// The workspaces `adopt` ran on, once per run, for tests to count theirs.
    pub(super) static ADOPTIONS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

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
    fn a_workspace_without_seals_adopts_its_active_tools_once_as_they_are() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let core = tool(root, Tier::Core, "c", "echo c\n");
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        let candidate = tool(root, Tier::Experimental, "e", "echo e\n");
        // A view writes nothing, and shows no drift before adoption.
        let book = SealBook::load(root);
        assert_eq!(book.drift(&approved), None);
        assert!(!seals_dir(root).exists());

        check(root, &approved).expect("adopted as it is");
        for entry in [&core, &approved] {
            let seal = read(root, &entry.name).expect("read").expect("sealed");
            assert_eq!(
                (seal.tier, seal.hash.as_str(), seal.by.as_str()),
                (entry.tier, entry.content_hash.as_str(), ADOPTED_BY)
            );
            let kept = VersionStore::relative_path(&entry.name, "1.0.0", &entry.content_hash);
            assert!(root.join(kept).is_dir(), "kept as a snapshot");
        }
        assert_eq!(read(root, &candidate.name).expect("read"), None);
        check(root, &candidate).expect("candidates are not sealed");

        // Adopted once: a tool placed in approved/ afterwards is not approved here.
        let later = tool(root, Tier::Approved, "later", "echo later\n");
        assert!(matches!(
            check(root, &later),
            Err(SealError::Unapproved { .. })
        ));
        assert_eq!(SealBook::load(root).drift(&later), Some(Drift::Unapproved));
    }

    #[test]
    fn a_tool_changed_after_the_first_scan_is_sealed_as_scanned_and_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let kept = tool(root, Tier::Core, "kept", "echo kept\n");
        let scanned = tool(root, Tier::Approved, "changed", "echo before\n");
        let candidate = tool(root, Tier::Experimental, "candidate", "echo c\n");
        std::fs::write(scanned.path.join("run.sh"), "echo after\n").expect("change");
        let now = load_tool(root, Tier::Approved, &scanned.path, ScanLimits::default());

        ensure_adopted_as_scanned(root, &[kept.clone(), scanned.clone(), candidate.clone()])
            .expect("adopted");
        check(root, &kept).expect("sealed as it is");
        let refused = check(root, &now).expect_err("the change was not accepted");
        assert!(matches!(refused, SealError::Modified(_)), "{refused}");
        assert_eq!(
            read(root, "changed").expect("read").expect("seal").hash,
            scanned.content_hash
        );
        assert_eq!(read(root, "candidate").expect("read"), None);
        // The changed tool's snapshot could not be taken (its content is not the scanned
        // one); the other's is kept, and no staging folder is left behind.
        let versions = root.join(STATE_DIR).join("versions");
        assert!(
            root.join(VersionStore::relative_path(
                "kept",
                "1.0.0",
                &kept.content_hash
            ))
            .is_dir()
        );
        assert!(!versions.join("changed").join("1.0.0").exists());
        let leftovers: Vec<_> = walkdir(&root.join(STATE_DIR))
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        // Adopted once: a second first scan changes nothing.
        std::fs::write(kept.path.join("run.sh"), "echo other\n").expect("change");
        let other = load_tool(root, Tier::Core, &kept.path, ScanLimits::default());
        ensure_adopted_as_scanned(root, std::slice::from_ref(&other)).expect("no-op");
        assert!(matches!(check(root, &other), Err(SealError::Modified(_))));
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

    #[test]
    fn threads_meeting_a_workspace_without_seals_adopt_it_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let entries: Vec<ToolEntry> = (0..20)
            .map(|n| tool(&root, Tier::Approved, &format!("t{n}"), "echo t\n"))
            .collect();
        // As the workbench's decisions do: each on a thread of its own, at once.
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = entries
            .iter()
            .take(4)
            .cloned()
            .map(|entry| {
                let (root, start) = (root.clone(), std::sync::Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    check(&root, &entry)
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread").expect("adopted as it is");
        }
        let adopted = ADOPTIONS
            .lock()
            .expect("adoptions")
            .iter()
            .filter(|r| **r == root)
            .count();
        assert_eq!(adopted, 1, "one adoption for four threads");
        for entry in &entries {
            assert!(read(&root, &entry.name).expect("read").is_some());
        }
    }

    #[test]
    fn content_that_is_not_the_sealed_content_is_refused_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let approved = tool(root, Tier::Approved, "a", "echo a\n");
        check(root, &approved).expect("adopted");
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
        check(root, &approved).expect("adopted");
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
        check(root, &approved).expect("adopted");
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
