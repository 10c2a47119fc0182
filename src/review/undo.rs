//! Undo: a person takes back the last decision they took on a tool, by the id of its row in
//! the decision log. The tool goes back where that decision found it, and the undo is recorded
//! as a decision of its own (`undo`, its reason naming `undo of #ID`): nothing is deleted from
//! the log.
//!
//! - An approval: the approved content goes back to review as a candidate in `experimental/`
//!   (it runs no more: its seal goes), and the version that approval superseded, when it was
//!   content a person accepted and its snapshot is kept, is made active again as a rollback
//!   makes it. Otherwise the name has no active version until an approval.
//! - A rejection: the candidate is restored to review. An archive: the tool is restored to
//!   the tier it left, an active one only as content accepted there (as `restore`).
//! - A promote: core → approved.
//!
//! The others are refused, each saying what to do instead. So is an undo of a decision that is
//! not the newest on its tool, of someone else's, or of a tool whose content changed since.
//! Nothing here makes content runnable that a person did not accept for that exact hash.

use std::path::Path;

use super::ReviewError;
use super::decision::ReviewContext;
use super::journal::{self, Intent, Move};
use super::lifecycle::{accepted_versions, move_active, restore_recorded_as};
use super::lock::ToolLock;
use super::steps::{
    active_in, begin, decided, ensure_tier, finish, free_slot, named, refuse_broken,
    refuse_links_out, relative, resolve, tier_slot,
};
use crate::model::catalog::content_label;
use crate::model::decided::Decision;
use crate::model::decisions::UndoMove;
use crate::model::short_hash;
use crate::model::{Tier, ToolEntry, ToolId};
use crate::safe_fs::{Dir, copy_tree};
use crate::store::{DecisionAction, DecisionRecord, StoreAccess, VersionRecord};
use crate::versions::VersionStore;

/// How a refusal names it: "cannot undo …".
const ACTION: &str = "undo";

/// Takes back decision `of` on the tool `spec` names (see the module doc).
pub(crate) fn undo(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    of: i64,
) -> Result<Decision, ReviewError> {
    let name = spec.name.as_str();
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    // A version or content named is looked up as every decision looks it up: one no folder of
    // the tool holds is refused in the same words.
    if spec.version.is_some() || spec.hash.is_some() {
        let everywhere = named(ctx, store, &ToolId::named(name), Tier::ALL);
        resolve(&everywhere, spec, Tier::ALL, ACTION)?;
    }
    let log = store.with_store(|store| store.decisions_of(name))?;
    let Some(undone) = log.iter().find(|d| d.id == of).cloned() else {
        return Err(ReviewError::refused(
            ACTION,
            format!("decision #{of}"),
            format!(
                "the decision log of {name} holds no #{of} (`toolbench history {name}` lists them)"
            ),
        ));
    };
    let what = undone.undo_label();
    let refuse = |reason: String| Err(ReviewError::refused(ACTION, &what, reason));
    if undone.who != ctx.who {
        return refuse(format!(
            "it was taken by {}, not by {}; only your own decision is undone",
            undone.who, ctx.who
        ));
    }
    if let Some(newer) = log.iter().filter(|d| d.id > of).max_by_key(|d| d.id) {
        return refuse(format!(
            "{name} changed since: {} (#{}) by {} at {}; only the last decision on a tool is undone",
            newer.action, newer.id, newer.who, newer.at
        ));
    }
    let reason = |outcome: &str| {
        format!(
            "undo of #{of} ({} of {name}@{}): {outcome}",
            undone.action,
            undone.version()
        )
    };
    match undone.undo_move() {
        Ok(UndoMove::Unapprove) => {
            let entry = decided_content(ctx, store, spec, &undone, &what)?;
            undo_approval(ctx, store, (lock, recovered), &log, &undone, entry, &reason)
        }
        Ok(UndoMove::Restore) => {
            let entry = decided_content(ctx, store, spec, &undone, &what)?;
            let outcome = if undone.action == DecisionAction::Reject {
                "back to review"
            } else {
                "restored"
            };
            let recorded = (DecisionAction::Undo, Some(reason(outcome)));
            let pinned = ToolId::content_of(&entry);
            restore_recorded_as(ctx, store, (lock, recovered), &pinned, recorded)
        }
        Ok(UndoMove::Demote) => {
            let entry = decided_content(ctx, store, spec, &undone, &what)?;
            demote(
                ctx,
                store,
                (lock, recovered),
                entry,
                reason("demoted to approved"),
            )
        }
        Err(why) => refuse(why),
    }
}

/// The tool as `undone` left it: in its tier with its content, which must be what `spec`
/// names (its version, its `--hash`). Refused, naming what is there now, when that content
/// changed or left.
fn decided_content(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    undone: &DecisionRecord,
    what: &str,
) -> Result<ToolEntry, ReviewError> {
    let name = undone.tool.as_str();
    let (Some(tier), Some(hash)) = (undone.to_tier, undone.to_hash.as_deref()) else {
        return Err(ReviewError::refused(
            ACTION,
            what,
            "the log does not say which content it left where",
        ));
    };
    let catalog = named(ctx, store, &ToolId::named(name), &[tier]);
    let here: Vec<&ToolEntry> = catalog
        .entries()
        .iter()
        .filter(|e| e.tier == tier && e.name == name)
        .collect();
    if let Some(entry) = here.iter().find(|e| e.content_hash == hash) {
        refuse_broken(ACTION, entry)?;
        if !(spec.accepts(&entry.version) && spec.accepts_hash(&entry.content_hash)) {
            let asked = match &spec.hash {
                Some(prefix) => format!("{spec} --hash {prefix}"),
                None => spec.to_string(),
            };
            return Err(ReviewError::refused(
                ACTION,
                what,
                format!(
                    "it left {} {}, not the {asked} you named",
                    entry.id(),
                    content_label(entry)
                ),
            ));
        }
        return Ok((*entry).clone());
    }
    let reason = match here.first() {
        Some(other) => format!(
            "{name} changed since: {} holds {name}@{} ({}), not the {} it left there",
            relative(ctx.root(), &other.path),
            other.version,
            short_hash(&other.content_hash),
            short_hash(hash)
        ),
        None => format!("{name} changed since: it is no longer in {tier}/"),
    };
    Err(ReviewError::refused(ACTION, what, reason))
}

/// Where the version an approval superseded comes back from.
enum Comeback {
    /// Its archived folder, that very content.
    Archived(String),
    /// A copy of its snapshot, staged here first.
    Snapshot(String),
}

/// approved → experimental as a candidate (a writable copy of the approved content, the
/// frozen folder removed), and the version the approval superseded back in `approved/` when a
/// person accepted that content (it was kept as a version).
fn undo_approval(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    (lock, recovered): (ToolLock, Vec<String>),
    log: &[DecisionRecord],
    undone: &DecisionRecord,
    current: ToolEntry,
    reason: &dyn Fn(&str) -> String,
) -> Result<Decision, ReviewError> {
    let name = current.name.clone();
    let what = undone.undo_label();
    refuse_links_out(ACTION, &current)?;
    let catalog = named(
        ctx,
        store,
        &ToolId::named(&name),
        &[Tier::Experimental, Tier::Archived],
    );
    if let Some(twin) = catalog
        .entries()
        .iter()
        .find(|e| e.tier == Tier::Experimental && e.name == name && e.version == current.version)
    {
        return Err(ReviewError::refused(
            ACTION,
            &what,
            format!(
                "{}@{} is in experimental/ already ({}); reject or archive it first",
                name,
                current.version,
                relative(ctx.root(), &twin.path)
            ),
        ));
    }
    // The row the approval recorded for the version it made way for: same tool, same moment,
    // recorded just before it.
    let superseded = log.iter().find(|d| {
        d.action == DecisionAction::Supersede
            && d.at == undone.at
            && d.id < undone.id
            && d.from_tier == Some(Tier::Approved)
    });
    // Only content a person accepted comes back: a version kept when it made way. A
    // superseded version that had changed since its approval was never kept, and stays out.
    let kept: Option<VersionRecord> = match superseded.and_then(|d| d.from_hash.as_deref()) {
        Some(hash) => store
            .with_store(|store| accepted_versions(store, &name))?
            .into_iter()
            .find(|v| v.content_hash == hash),
        None => None,
    };
    let versions = VersionStore::new(ctx.root());
    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(ACTION, &lock);
    let staging = intent.staging_relative();
    let target = free_slot(ctx.root(), Tier::Experimental, &current);
    let candidate = format!("{staging}/candidate");
    ensure_tier(ctx.root(), Tier::Experimental)?;
    intent.moves.push(Move {
        from: relative(ctx.root(), &current.path),
        to: format!("{staging}/approved"),
    });
    intent.moves.push(Move {
        from: candidate.clone(),
        to: target.clone(),
    });
    let comeback = match &kept {
        Some(kept) => {
            let archived = catalog.entries().iter().find(|e| {
                e.tier == Tier::Archived && e.name == name && e.content_hash == kept.content_hash
            });
            if let Some(copy) = archived {
                refuse_links_out(ACTION, copy)?;
            }
            let comeback = match archived {
                Some(copy) => Comeback::Archived(relative(ctx.root(), &copy.path)),
                None if versions.absolute(&kept.snapshot).is_dir() => {
                    Comeback::Snapshot(format!("{staging}/superseded"))
                }
                None => {
                    return Err(ReviewError::refused(
                        ACTION,
                        &what,
                        format!(
                            "{name}@{}, which it superseded, has neither an archived copy nor its snapshot ({}); nothing was changed",
                            kept.version, kept.snapshot
                        ),
                    ));
                }
            };
            let from = match &comeback {
                Comeback::Archived(path) | Comeback::Snapshot(path) => path.clone(),
            };
            intent.moves.push(Move {
                from,
                to: tier_slot(Tier::Approved, &name),
            });
            Some((kept.clone(), comeback))
        }
        None => None,
    };
    let outcome = match (&comeback, superseded) {
        (Some((kept, _)), _) => format!(
            "back to review as a candidate; {name}@{}, which it superseded, is active again",
            kept.version
        ),
        (None, Some(old)) => format!(
            "back to review as a candidate; {name}@{}, which it superseded, stays archived (its content was not what was approved)",
            old.from_version.as_deref().unwrap_or("?")
        ),
        (None, None) => "back to review as a candidate".to_string(),
    };
    let said = reason(&outcome);
    intent.decisions.push(DecisionRecord {
        id: 0,
        tool: name.clone(),
        action: DecisionAction::Undo,
        who: ctx.who.clone(),
        at: at.clone(),
        reason: Some(said.clone()),
        from_version: Some(current.version.clone()),
        to_version: Some(current.version.clone()),
        from_tier: Some(Tier::Approved),
        to_tier: Some(Tier::Experimental),
        from_hash: Some(current.content_hash.clone()),
        to_hash: Some(current.content_hash.clone()),
    });
    if let Some((kept, _)) = &comeback {
        // Recorded after the row above: the seal of the candidate goes, then this one's comes.
        intent.decisions.push(DecisionRecord {
            id: 0,
            tool: name.clone(),
            action: DecisionAction::Undo,
            who: ctx.who.clone(),
            at: at.clone(),
            reason: Some(reason(&format!(
                "{name}@{}, which it superseded, is active again",
                kept.version
            ))),
            from_version: Some(kept.version.clone()),
            to_version: Some(kept.version.clone()),
            from_tier: Some(Tier::Archived),
            to_tier: Some(Tier::Approved),
            from_hash: Some(kept.content_hash.clone()),
            to_hash: Some(kept.content_hash.clone()),
        });
        intent.versions.push(VersionRecord {
            activated_at: at.clone(),
            ..kept.clone()
        });
    }
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        copy_as_candidate(ctx.root(), &current, &candidate)?;
        if let Some((kept, Comeback::Snapshot(staged))) = &comeback {
            versions.copy_out(&kept.snapshot, staged, &kept.content_hash)?;
        }
        Ok(())
    })?;
    let mut decision = decided(DecisionAction::Undo, &current, Tier::Experimental, &target);
    decision.reason = Some(said);
    decision.superseded = comeback.map(|(kept, _)| kept.version);
    finish(ctx, store, decision, &intent, records, recovered)
}

/// A copy of the approved `entry` at `staged` (under the decision's staging folder) that its
/// author may change again, as any candidate: the approved folder is frozen. Refused when the
/// copy is not the content the approval recorded.
fn copy_as_candidate(root: &Path, entry: &ToolEntry, staged: &str) -> Result<(), ReviewError> {
    let root_dir = Dir::open(root)?;
    let source = root_dir.open_dir(Path::new(&relative(root, &entry.path)))?;
    let staged_path = Path::new(staged);
    let (state, folder) = staged_path
        .parent()
        .zip(staged_path.file_name())
        .ok_or_else(|| ReviewError::Io {
            path: root.join(staged),
            reason: "not a staging folder".to_string(),
        })?;
    let copy = root_dir
        .create_dirs_with_mode(state, crate::workspace::private::DIR_MODE)?
        .create_dirs(Path::new(folder))?;
    let copied = copy_tree(&source, &copy, |mode| mode | 0o200)?;
    if copied != entry.content_hash {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is not the content that was approved any more ({} now, {} approved); nothing was changed",
                relative(root, &entry.path),
                short_hash(&copied),
                short_hash(&entry.content_hash)
            ),
        ));
    }
    copy.sync_filesystem()?;
    Ok(())
}

/// core → approved: the content stays what a person accepted, sealed in its new tier.
fn demote(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    (lock, recovered): (ToolLock, Vec<String>),
    entry: ToolEntry,
    reason: String,
) -> Result<Decision, ReviewError> {
    refuse_links_out(ACTION, &entry)?;
    let catalog = named(ctx, store, &ToolId::named(&entry.name), &[Tier::Approved]);
    if let Some(active) = active_in(&catalog, Tier::Approved, &entry.name) {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is active in approved/ ({}, version {}); archive it first",
                entry.name,
                relative(ctx.root(), &active.path),
                active.version
            ),
        ));
    }
    let recorded = (DecisionAction::Undo, Some(reason));
    move_active(
        ctx,
        store,
        (lock, recovered),
        ACTION,
        entry,
        Tier::Approved,
        recorded,
    )
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::model::decided::Outcome;
    use crate::model::decisions::DecisionKind;
    use crate::model::review_command::ReviewCommand;
    use crate::store::{SharedStore, Store};

    /// A workspace and the decisions `ana` takes in it on `greet`.
    struct Bench {
        dir: tempfile::TempDir,
        ctx: ReviewContext,
        store: SharedStore,
    }

    impl Bench {
        /// `greet` 1.0.0 as a validated candidate.
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            crate::workspace::init_workspace(dir.path()).expect("init");
            let ctx = ReviewContext::new(dir.path(), "ana");
            let store = SharedStore::new(Store::open(dir.path()).expect("store"));
            let bench = Bench { dir, ctx, store };
            bench.candidate("experimental/greet", "1.0.0", "echo one");
            bench
        }

        fn root(&self) -> &Path {
            self.dir.path()
        }

        fn candidate(&self, folder: &str, version: &str, script: &str) {
            let path = self.root().join(folder);
            std::fs::create_dir_all(&path).expect("mkdir");
            std::fs::write(
                path.join("tool.toml"),
                format!(
                    "name = \"greet\"\nversion = \"{version}\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
                ),
            )
            .expect("manifest");
            std::fs::write(path.join("run.sh"), format!("{script}\n")).expect("script");
            crate::review::testing::mark_validated(self.root(), &mut self.store.lock(), folder);
        }

        fn apply(&self, command: ReviewCommand) -> Result<Decision, ReviewError> {
            match crate::review::apply(&self.ctx, &self.store, &ToolId::named("greet"), &command)? {
                Outcome::Tool(decision) => Ok(decision),
                Outcome::Request(answer) => panic!("answered a request: {answer:?}"),
            }
        }

        /// Takes `kind` and returns the id of the row it recorded for itself.
        fn decide(&self, kind: DecisionKind) -> i64 {
            let decision = self
                .apply(kind.with_text("why"))
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            decision
                .records
                .iter()
                .rev()
                .find(|r| r.action == decision.action)
                .map(|r| r.id)
                .expect("its own row")
        }

        fn undo(&self, of: i64) -> Result<Decision, ReviewError> {
            self.apply(ReviewCommand::Undo { of })
        }

        fn log(&self) -> Vec<DecisionRecord> {
            self.store.lock().decisions_of("greet").expect("log")
        }

        fn entry(&self, folder: &str) -> ToolEntry {
            let tier = folder
                .split('/')
                .next()
                .and_then(|t| t.parse().ok())
                .expect("a tier folder");
            crate::catalog::scan::load_tool(
                self.root(),
                tier,
                &self.root().join(folder),
                self.ctx.scan_limits(),
            )
        }

        /// Whether `folder` runs: its content is what its seal names.
        fn runs(&self, folder: &str) -> bool {
            crate::seal::check(self.root(), &self.entry(folder)).is_ok()
        }

        fn seal(&self) -> Option<crate::model::seals::Seal> {
            crate::seal::read(self.root(), "greet").ok().flatten()
        }
    }

    fn refusal(result: Result<Decision, ReviewError>) -> String {
        match result {
            Ok(decision) => panic!("not refused: {}", decision.summary()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn undoing_an_approval_sends_it_to_review_and_makes_the_superseded_version_active() {
        let bench = Bench::new();
        bench.decide(DecisionKind::Approve);
        bench.candidate("experimental/greet-1.1.0", "1.1.0", "echo two");
        let approved = bench.decide(DecisionKind::Approve);
        let newer = bench.entry("approved/greet");
        assert_eq!(newer.version, "1.1.0");
        let before = bench.log().len();

        let undone = bench.undo(approved).expect("undone");
        assert_eq!(
            undone.summary(),
            format!(
                "undo of #{approved} (approve of greet@1.1.0): back to review as a candidate; greet@1.0.0, which it superseded, is active again (greet@1.1.0: approved → experimental)"
            )
        );
        // The approved content is a candidate again, writable by its author, and not run.
        let candidate = bench.entry("experimental/greet");
        assert_eq!(candidate.version, "1.1.0");
        assert_eq!(candidate.content_hash, newer.content_hash);
        let mode = std::fs::metadata(bench.root().join("experimental/greet/run.sh"))
            .expect("script")
            .permissions()
            .mode();
        assert_ne!(
            mode & 0o200,
            0,
            "the candidate's files are its author's again"
        );
        // The version it superseded runs again, as approved.
        let active = bench.entry("approved/greet");
        assert_eq!(active.version, "1.0.0");
        assert!(bench.runs("approved/greet"));
        let seal = bench.seal().expect("sealed");
        assert_eq!(
            (seal.version.as_str(), seal.how.as_str()),
            ("1.0.0", "undo")
        );
        assert_eq!(seal.hash, active.content_hash);
        // Recorded as decisions of its own; nothing left the log.
        let log = bench.log();
        assert_eq!(log.len(), before + 2);
        assert!(
            log.iter()
                .any(|d| d.id == approved && d.action == DecisionAction::Approve)
        );
        let undo_rows: Vec<&DecisionRecord> = log
            .iter()
            .filter(|d| d.action == DecisionAction::Undo)
            .collect();
        assert_eq!(undo_rows.len(), 2);
        assert!(undo_rows.iter().all(|d| {
            d.reason
                .as_deref()
                .is_some_and(|r| r.starts_with(&format!("undo of #{approved} ")))
        }));
        // Its approval no longer stands: no rollback makes it active again unapproved.
        let rollback = refusal(bench.apply(ReviewCommand::Rollback {
            to: Some("1.1.0".into()),
        }));
        assert!(
            rollback.contains("no kept snapshot of greet@1.1.0"),
            "{rollback}"
        );
    }

    /// Content changed where it was active after its approval was never accepted: an undo
    /// of the approval that superseded it leaves it archived rather than making it run.
    #[test]
    fn a_superseded_version_changed_since_its_approval_stays_archived() {
        let bench = Bench::new();
        bench.decide(DecisionKind::Approve);
        let script = bench.root().join("approved/greet/run.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o600)).expect("u+w");
        std::fs::write(&script, "echo planted\n").expect("edit");
        bench.candidate("experimental/greet-1.1.0", "1.1.0", "echo two");
        let approved = bench.decide(DecisionKind::Approve);
        let undone = bench.undo(approved).expect("undone");
        assert!(
            undone.summary().contains(
                "greet@1.0.0, which it superseded, stays archived (its content was not what was approved)"
            ),
            "{}",
            undone.summary()
        );
        assert!(!bench.root().join("approved/greet").exists());
        assert_eq!(bench.seal(), None);
        let archived = std::fs::read_dir(bench.root().join("archived"))
            .expect("archived")
            .count();
        assert_eq!(archived, 1, "the changed 1.0.0 stays where it was");
    }

    #[test]
    fn undoing_a_first_approval_leaves_the_name_with_nothing_active() {
        let bench = Bench::new();
        let approved = bench.decide(DecisionKind::Approve);
        let undone = bench.undo(approved).expect("undone");
        assert_eq!(undone.to_tier, Tier::Experimental);
        assert!(!bench.root().join("approved/greet").exists());
        assert_eq!(bench.entry("experimental/greet").version, "1.0.0");
        assert_eq!(bench.seal(), None, "its seal went with it");
        // Approving it again is an ordinary approval of the same, validated content.
        bench.decide(DecisionKind::Approve);
        assert!(bench.runs("approved/greet"));
    }

    #[test]
    fn undoing_a_rejection_restores_the_candidate_to_review() {
        let bench = Bench::new();
        let rejected = bench.decide(DecisionKind::Reject);
        let undone = bench.undo(rejected).expect("undone");
        assert_eq!(
            (undone.from_tier, undone.to_tier),
            (Tier::Archived, Tier::Experimental)
        );
        assert_eq!(bench.entry("experimental/greet").version, "1.0.0");
        assert_eq!(bench.seal(), None, "nothing was approved");
        assert_eq!(bench.log()[0].action, DecisionAction::Undo);
    }

    #[test]
    fn undoing_a_promote_demotes_the_tool_to_approved_still_sealed() {
        let bench = Bench::new();
        bench.decide(DecisionKind::Approve);
        let promoted = bench.decide(DecisionKind::Promote);
        let undone = bench.undo(promoted).expect("undone");
        assert_eq!(
            (undone.from_tier, undone.to_tier),
            (Tier::Core, Tier::Approved)
        );
        assert!(!bench.root().join("core/greet").exists());
        assert!(bench.runs("approved/greet"));
        assert_eq!(bench.seal().map(|s| s.tier), Some(Tier::Approved));
    }

    #[test]
    fn undoing_an_archive_restores_the_tool_where_it_was() {
        let bench = Bench::new();
        bench.decide(DecisionKind::Approve);
        let archived = bench.decide(DecisionKind::Archive);
        assert!(bench.seal().is_none());
        bench.undo(archived).expect("undone");
        assert!(bench.runs("approved/greet"));
    }

    #[test]
    fn an_undo_is_refused_once_the_tool_changed_or_for_what_cannot_be_taken_back() {
        let bench = Bench::new();
        let approved = bench.decide(DecisionKind::Approve);
        let promoted = bench.decide(DecisionKind::Promote);
        let before = bench.log();
        // Not the newest decision on the tool any more.
        let stale = refusal(bench.undo(approved));
        assert!(
            stale.starts_with(&format!(
                "cannot undo the approve of greet@1.0.0 (#{approved}): greet changed since: promote (#{promoted}) by ana at "
            )),
            "{stale}"
        );
        // Someone else's decision.
        let mut other = bench.ctx.clone();
        other.who = "bo".into();
        let theirs = crate::review::apply(
            &other,
            &bench.store,
            &ToolId::named("greet"),
            &ReviewCommand::Undo { of: promoted },
        )
        .map(|_| ())
        .expect_err("not bo's");
        assert!(
            theirs
                .to_string()
                .ends_with("it was taken by ana, not by bo; only your own decision is undone"),
            "{theirs}"
        );
        // Its content changed since.
        let script = bench.root().join("core/greet/run.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o600)).expect("u+w");
        std::fs::write(&script, "echo changed\n").expect("edit");
        let changed = refusal(bench.undo(promoted));
        assert!(
            changed.contains("greet changed since: core/greet holds greet@1.0.0 ("),
            "{changed}"
        );
        // A decision that does not exist.
        let unknown = refusal(bench.undo(9999));
        assert_eq!(
            unknown,
            "cannot undo decision #9999: the decision log of greet holds no #9999 (`toolbench history greet` lists them)"
        );
        assert_eq!(bench.log(), before, "nothing was recorded");
        assert!(bench.root().join("core/greet").is_dir(), "nothing moved");
    }

    #[test]
    fn feedback_given_is_not_taken_back() {
        let bench = Bench::new();
        let asked = bench.decide(DecisionKind::RequestChanges);
        let refused = refusal(bench.undo(asked));
        assert!(
            refused.starts_with(&format!(
                "cannot undo the request_changes of greet@1.0.0 (#{asked}): its feedback was written to REVIEW.md"
            )),
            "{refused}"
        );
    }
}
