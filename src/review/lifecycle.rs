//! The review decisions of DESIGN §4: approve, reject, request changes, promote, archive,
//! restore and rollback, plus the history and the review queue.
//!
//! Every decision takes the tool's lock, reads the tools of that name fresh from disk (only
//! those: `lookup`), checks what it must refuse, then moves folders through the journal (so a
//! crash leaves each tool in exactly one tier) and records who decided what. The CLI, the TUI keys and MCP all end here; none of
//! them moves a tool folder by itself. The store is taken around each store step alone
//! (`StoreAccess`), never across a copy, a hash of a folder or a git commit.
//!
//! Each step names its row of the decision table (`KIND`, `model::decisions`): the words its
//! refusals use, the tiers it is taken from and the action it records are read from there.

use std::path::Path;

use super::ReviewError;
use super::acceptance::refuse_unaccepted;
use super::journal::{self, Intent, Move};
use super::lock::ToolLock;
use super::steps::{
    InPlace, activate_version, active_in, begin, decided, elsewhere, ensure_tier, finish,
    free_slot, keep_version, known_hash, known_version, named, named_everywhere, non_empty, record,
    record_in_place, refuse_broken, refuse_links_out, refuse_occupied, refuse_running,
    refuse_unsealed, relative, resolve, review_text, take_snapshots, tier_slot, wrap_if_bare,
    write_in_workspace,
};
use super::validate::{self, compared_with};
use crate::model::decisions::DecisionKind;
use crate::model::review_command::Accepted;
use crate::model::review_command::ReviewCommand;
use crate::model::{Tier, ToolEntry, ToolId};
use crate::store::{DecisionAction, DecisionRecord, Store, StoreAccess, VersionRecord};
use crate::versions::VersionStore;

use crate::model::decisions::Destination;

pub(crate) use super::decision::ReviewContext;
pub use super::queue::history;
pub(crate) use super::queue::review_items;
use crate::model::decided::{Decision, REVIEW_FILE};

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/// experimental → approved: the content a person saw and validation judged, copied from its
/// snapshot into a folder of the reviewer's own with no write permission for anyone, so the
/// approved tool is that content and nobody's later edit of the candidate reaches it.
/// Supersedes (archives, keeping a snapshot) the active approved version of the same name.
///
/// An active tool whose content is not what was accepted (modified since approval, or never
/// approved here) is approved where it is, by the same rules.
pub fn approve(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    reason: Option<&str>,
    accepted: Accepted,
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Approve;
    const ACTION: &str = KIND.spec().phrase;
    let reason = non_empty(reason);
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    let mut catalog = named(ctx, store, spec, &[Tier::Experimental]);
    if !catalog.entries().iter().any(|e| spec.matches_candidate(e)) {
        let active = [Tier::Core, Tier::Approved];
        if let Ok(found) = resolve(&catalog, spec, &active, ACTION) {
            let found = found.clone();
            refuse_broken(ACTION, &found)?;
            return approve_in_place(ctx, store, lock, recovered, &found, (reason, accepted));
        }
    }
    // The index names the folders where it last saw the name. A validated candidate renamed,
    // and another put in its place under its name and version, leaves only the newcomer
    // there: before refusing what was found as not validated, every folder decides, so two
    // folders answering one NAME@VERSION are refused as such, naming both.
    if spec.hash.is_none()
        && let Ok(found) = resolve(&catalog, spec, &[Tier::Experimental], ACTION)
        && !store.with_store(|store| store.has_validation_of(&found.content_hash))?
    {
        catalog = named_everywhere(ctx, store, spec);
    }
    let found = resolve(&catalog, spec, &[Tier::Experimental], ACTION)?;
    refuse_broken(ACTION, found)?;
    let name = found.name.clone();
    if active_in(&catalog, Tier::Core, &name).is_some() {
        return Err(ReviewError::refused(
            ACTION,
            found.id(),
            format!(
                "{name} is active in core/, which goes before approved/: archive core's {name} \
                 first, or give the candidate another name"
            ),
        ));
    }
    refuse_links_out(ACTION, found)?;
    store.with_store(|store| refuse_unvalidated(ACTION, ctx, store, found))?;
    // Wrapping comes after the refusals that do not need it, so a refused bare script stays
    // as it was.
    let (entry, wrapped) = wrap_if_bare(ctx, store, &lock, ACTION, found)?;
    refuse_broken(ACTION, &entry)?;
    refuse_links_out(ACTION, &entry)?;
    let active = active_in(&catalog, Tier::Approved, &name);
    // Compared with what a person approved of it, never its folder as it is now.
    let compared = active.map(|active| compared_with(ctx.root(), ctx.scan_limits(), active));
    store.with_store(|store| {
        refuse_unaccepted(ACTION, store, &entry, compared.as_ref(), accepted)
    })?;
    let target = tier_slot(Tier::Approved, &name);
    refuse_occupied(ACTION, ctx, &entry, &target, active)?;
    ensure_tier(ctx.root(), Tier::Approved)?;

    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(ACTION, &lock);
    let mut snapshots = Vec::new();
    if let Some(active) = active {
        ensure_tier(ctx.root(), Tier::Archived)?;
        intent.moves.push(Move {
            from: relative(ctx.root(), &active.path),
            to: free_slot(ctx.root(), Tier::Archived, active),
        });
        let why = format!("superseded by {}", entry.version);
        intent.decisions.push(record(
            ctx,
            &at,
            DecisionAction::Supersede,
            active,
            Tier::Archived,
            Some(why),
        ));
        if let Some(kept) = keep_version(ctx, active, &at)? {
            intent.kept.push(kept);
            snapshots.push(active.clone());
        }
    }
    let copy = replace_with_frozen_copy(&mut intent, ctx.root(), &entry, &target);
    intent.decisions.push(record(
        ctx,
        &at,
        KIND.spec().records,
        &entry,
        Tier::Approved,
        reason.clone(),
    ));
    let activated = activate_version(&entry, &at);
    intent.versions.push(activated.clone());
    snapshots.push(entry.clone());
    let versions = VersionStore::new(ctx.root());
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        take_snapshots(ctx.root(), &snapshots)?;
        Ok(versions.copy_out(&activated.snapshot, &copy, &activated.content_hash)?)
    })?;

    let mut decision = decided(KIND.spec().records, &entry, Tier::Approved, &target);
    decision.reason = reason;
    decision.superseded = active.map(|a| a.version.clone());
    decision.snapshot = Some(activated.snapshot);
    decision.wrapped = wrapped;
    finish(ctx, store, decision, &intent, records, recovered)
}

/// Approves the content an active tool holds now, where it is: the change to a core tool its
/// author made by hand, or a tool that arrived in `approved/` without a decision here. Only
/// content that is not what was accepted can be; validated, frozen and sealed like any.
fn approve_in_place(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    lock: super::lock::ToolLock,
    recovered: Vec<String>,
    entry: &ToolEntry,
    (reason, accepted): (Option<String>, Accepted),
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Approve;
    const ACTION: &str = KIND.spec().phrase;
    let seal = crate::seal::read(ctx.root(), &entry.name)?;
    // With signatures on, content no allowed reviewer signed is approved where it is to sign
    // it; content that is signed has nothing left to approve.
    let signature = crate::signature::Standing::load(ctx.root()).signature_of(ctx.root(), entry);
    if let Some(crate::model::Signature::Signed { principal, .. }) = &signature {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is active and its content is signed by {}; there is nothing to approve",
                relative(ctx.root(), &entry.path),
                crate::text::visible(principal)
            ),
        ));
    }
    let unchanged = crate::seal::drift_of(entry, seal.as_ref()).is_none();
    if unchanged && signature.is_none() {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is active and unchanged since it was approved; there is nothing to approve",
                relative(ctx.root(), &entry.path)
            ),
        ));
    }
    // Approving it again would only sign it: without a key, it would record a decision that
    // changes nothing, each time.
    if unchanged && !crate::signature::a_key_can_sign(ctx.root()) {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is active and unchanged since it was approved, but unsigned; approving it \
                 again would sign it, and no key can sign here: set [review] signing_key in the \
                 user config (a key file, its .pub with the key in ssh-agent, or \
                 key::ssh-ed25519 AAAA…), or git's user.signingkey with gpg.format = ssh",
                relative(ctx.root(), &entry.path)
            ),
        ));
    }
    store.with_store(|store| refuse_unvalidated(ACTION, ctx, store, entry))?;
    // What was accepted before is the content its seal names, kept as a snapshot.
    let compared = compared_with(ctx.root(), ctx.scan_limits(), entry);
    store.with_store(|store| refuse_unaccepted(ACTION, store, entry, Some(&compared), accepted))?;
    refuse_links_out(ACTION, entry)?;
    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(ACTION, &lock);
    let target = relative(ctx.root(), &entry.path);
    let copy = replace_with_frozen_copy(&mut intent, ctx.root(), entry, &target);
    intent.decisions.push(record(
        ctx,
        &at,
        KIND.spec().records,
        entry,
        entry.tier,
        reason.clone(),
    ));
    let activated = activate_version(entry, &at);
    intent.versions.push(activated.clone());
    let versions = VersionStore::new(ctx.root());
    let snapshots = [entry.clone()];
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        take_snapshots(ctx.root(), &snapshots)?;
        Ok(versions.copy_out(&activated.snapshot, &copy, &activated.content_hash)?)
    })?;
    let mut decision = decided(KIND.spec().records, entry, entry.tier, &target);
    decision.reason = reason;
    decision.snapshot = Some(activated.snapshot);
    decision.in_place = true;
    finish(ctx, store, decision, &intent, records, recovered)
}

/// The moves that put a frozen copy of `entry`'s snapshot at `target` and take `entry`'s own
/// folder away (into the decision's staging folder, removed with it). Returns where the
/// copy is staged, for the decision to fill before it moves.
fn replace_with_frozen_copy(
    intent: &mut Intent,
    root: &Path,
    entry: &ToolEntry,
    target: &str,
) -> String {
    let staging = intent.staging_relative();
    let copy = format!("{staging}/copy");
    intent.moves.push(Move {
        from: relative(root, &entry.path),
        to: format!("{staging}/reviewed"),
    });
    intent.moves.push(Move {
        from: copy.clone(),
        to: target.to_string(),
    });
    copy
}

/// An approval is of content validation judged: refused when the report on record is of
/// other content (the candidate changed since), or when there is none.
fn refuse_unvalidated(
    action: &'static str,
    ctx: &ReviewContext,
    store: &Store,
    entry: &ToolEntry,
) -> Result<(), ReviewError> {
    let folder = relative(ctx.root(), &entry.path);
    if store.has_validation_of(&entry.content_hash)? {
        let report = store
            .validation_of_content(&entry.content_hash)?
            .and_then(|json| serde_json::from_str::<validate::ValidationReport>(&json).ok());
        if report.is_some_and(|report| validate::judged_other_sources(ctx, &report)) {
            return Err(ReviewError::refused(
                action,
                entry.id(),
                format!(
                    "{folder} was validated while your config's [dependencies] named other \
                     package sources: validate it again, read the report, then approve"
                ),
            ));
        }
        return Ok(());
    }
    let now = crate::model::short_hash(&entry.content_hash);
    let reason = match store.validated_hash_at(&folder)? {
        Some(judged) => format!(
            "{folder} changed since validation (validated {}, now {now}): validate again",
            crate::model::short_hash(&judged)
        ),
        None => format!(
            "{folder} ({now}) has not been validated: `toolbench validate {}`, read the report, then approve",
            entry.name
        ),
    };
    Err(ReviewError::refused(action, entry.id(), reason))
}

/// experimental → archived, with the reason (required).
pub(crate) fn reject(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    reason: &str,
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Reject;
    const ACTION: &str = KIND.spec().phrase;
    let Some(reason) = non_empty(Some(reason)) else {
        return Err(ReviewError::refused(
            ACTION,
            spec,
            "a reason is required (the agent reads it)",
        ));
    };
    move_to_archive(ctx, store, spec, KIND, &KIND.taken_from(), Some(reason))
}

/// Writes the reviewer's feedback into `REVIEW.md` in the tool folder; the tool stays in
/// experimental for its author to change.
pub(crate) fn request_changes(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    feedback: &str,
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::RequestChanges;
    const ACTION: &str = KIND.spec().phrase;
    let Some(feedback) = non_empty(Some(feedback)) else {
        return Err(ReviewError::refused(
            ACTION,
            spec,
            "the feedback is empty; say what should change",
        ));
    };
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    let tiers = KIND.taken_from();
    let catalog = named(ctx, store, spec, &tiers);
    let found = resolve(&catalog, spec, &tiers, ACTION)?;
    let (entry, wrapped) = wrap_if_bare(ctx, store, &lock, ACTION, found)?;
    let at = crate::clock::now_rfc3339();
    let path = entry.path.join(REVIEW_FILE);
    write_in_workspace(
        ctx.root(),
        &relative(ctx.root(), &path),
        review_text(ctx, &entry, &feedback, &at).as_bytes(),
    )?;
    let changed = InPlace {
        action: KIND.spec().records,
        entry,
        at,
        reason: feedback,
        wrapped,
        recovered,
    };
    record_in_place(ctx, store, lock, changed)
}

/// approved → core.
pub(crate) fn promote(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Promote;
    const ACTION: &str = KIND.spec().phrase;
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    let tiers = KIND.taken_from();
    let catalog = named(ctx, store, spec, &tiers);
    let entry = resolve(&catalog, spec, &tiers, ACTION)?.clone();
    refuse_broken(ACTION, &entry)?;
    refuse_links_out(ACTION, &entry)?;
    refuse_unsealed(ACTION, ctx, &entry)?;
    if let Some(core) = active_in(&catalog, Tier::Core, &entry.name) {
        return Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "a core tool named {} exists ({}); archive it first or roll it back",
                core.name,
                relative(ctx.root(), &core.path)
            ),
        ));
    }
    let recorded = (KIND.spec().records, None);
    move_active(
        ctx,
        store,
        (lock, recovered),
        ACTION,
        entry,
        Tier::Core,
        recorded,
    )
}

/// Moves the active tool `entry` to the other active tier `to` (a promote to core, a promote
/// undone back to approved), recorded as `recorded` (its action and reason); the version it
/// is stays the active one, snapshotted.
pub(super) fn move_active(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    (lock, recovered): (ToolLock, Vec<String>),
    action: &'static str,
    entry: ToolEntry,
    to: Tier,
    (recorded, reason): (DecisionAction, Option<String>),
) -> Result<Decision, ReviewError> {
    let target = tier_slot(to, &entry.name);
    refuse_occupied(action, ctx, &entry, &target, None)?;
    ensure_tier(ctx.root(), to)?;
    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(action, &lock);
    intent.moves.push(Move {
        from: relative(ctx.root(), &entry.path),
        to: target.clone(),
    });
    intent
        .decisions
        .push(record(ctx, &at, recorded, &entry, to, reason.clone()));
    let activated = activate_version(&entry, &at);
    intent.versions.push(activated.clone());
    let snapshots = [entry.clone()];
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        take_snapshots(ctx.root(), &snapshots)
    })?;
    let mut decision = decided(recorded, &entry, to, &target);
    decision.reason = reason;
    decision.snapshot = Some(activated.snapshot);
    finish(ctx, store, decision, &intent, records, recovered)
}

/// Any tier but archived → archived. Active tools are snapshotted first.
pub(crate) fn archive(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    reason: Option<&str>,
) -> Result<Decision, ReviewError> {
    archive_from(
        ctx,
        store,
        spec,
        reason,
        &DecisionKind::Archive.taken_from(),
    )
}

/// `archive`, limited to the given tiers (gc never touches core).
pub(crate) fn archive_from(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    reason: Option<&str>,
    tiers: &[Tier],
) -> Result<Decision, ReviewError> {
    let reason = non_empty(reason);
    move_to_archive(ctx, store, spec, DecisionKind::Archive, tiers, reason)
}

fn move_to_archive(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    kind: DecisionKind,
    tiers: &[Tier],
    reason: Option<String>,
) -> Result<Decision, ReviewError> {
    let (verb, action) = (kind.spec().phrase, kind.spec().records);
    let (lock, recovered) = begin(ctx, store, verb, spec)?;
    let catalog = named(ctx, store, spec, tiers);
    let found = resolve(&catalog, spec, tiers, verb)?;
    refuse_running(verb, store, found)?;
    let (entry, wrapped) = wrap_if_bare(ctx, store, &lock, verb, found)?;
    ensure_tier(ctx.root(), Tier::Archived)?;
    let at = crate::clock::now_rfc3339();
    let target = free_slot(ctx.root(), Tier::Archived, &entry);
    let mut intent = Intent::new(verb, &lock);
    intent.moves.push(Move {
        from: relative(ctx.root(), &entry.path),
        to: target.clone(),
    });
    intent.decisions.push(record(
        ctx,
        &at,
        action,
        &entry,
        Tier::Archived,
        reason.clone(),
    ));
    let mut snapshots = Vec::new();
    if entry.tier.is_active()
        && let Some(kept) = keep_version(ctx, &entry, &at)?
    {
        intent.kept.push(kept);
        snapshots.push(entry.clone());
    }
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        take_snapshots(ctx.root(), &snapshots)
    })?;
    let mut decision = decided(action, &entry, Tier::Archived, &target);
    decision.reason = reason;
    decision.wrapped = wrapped;
    finish(ctx, store, decision, &intent, records, recovered)
}

/// The tier restoring the archived `entry` brings it back to: the tier it left (from the
/// decisions; experimental when unknown), an active one only as content a person once
/// accepted there; anything else (a candidate rejected, a modified tool archived, an archived
/// folder edited since) goes back to review.
fn restored_tier(store: &Store, entry: &ToolEntry) -> Result<Tier, crate::store::StoreError> {
    let accepted = accepted_versions(store, &entry.name)?
        .iter()
        .any(|v| v.content_hash == entry.content_hash);
    Ok(store
        .tier_before_archive(&entry.name, &entry.version, &entry.content_hash)?
        .filter(|t| *t != Tier::Archived && (accepted || !t.is_active()))
        .unwrap_or(Tier::Experimental))
}

/// Where `command` would take `entry`, read from the store as the decision reads it, so a
/// dialog names it before the person confirms: the tier a restore brings it back to, the
/// version a rollback makes active again. `None` for the decisions whose target the
/// catalog alone tells.
pub(crate) fn destination(
    store: &Store,
    command: &ReviewCommand,
    entry: &ToolEntry,
) -> Result<Option<Destination>, ReviewError> {
    Ok(match command {
        ReviewCommand::Restore => Some(Destination::Tier(restored_tier(store, entry)?)),
        ReviewCommand::Rollback { to } => {
            let chosen = choose_rollback_target(store, entry, to.as_deref())?;
            Some(Destination::Version {
                version: chosen.version,
                content_hash: chosen.content_hash,
            })
        }
        ReviewCommand::Approve { .. }
        | ReviewCommand::Reject { .. }
        | ReviewCommand::RequestChanges { .. }
        | ReviewCommand::Promote
        | ReviewCommand::Archive { .. }
        | ReviewCommand::Evolve { .. }
        | ReviewCommand::EvolveEdited { .. }
        | ReviewCommand::Resubmit
        | ReviewCommand::Undo { .. } => None,
    })
}

/// Why `kind` cannot be taken on `entry` as the catalog lists it, known before anything is
/// read and worded as the decision refuses it: its row of the decision table takes no tool
/// from `entry`'s tier (as `resolve` finds it). `None`: only the decision can tell (whether a
/// resubmission has a change to send, for one: a row shown from the index before the first
/// scan carries no drift yet).
pub(crate) fn refusal_as_listed(kind: DecisionKind, entry: &ToolEntry) -> Option<ReviewError> {
    let tiers = kind.taken_from();
    (!tiers.contains(&entry.tier)).then(|| {
        let why = elsewhere(std::iter::once(entry.tier), &tiers);
        ReviewError::refused(kind.spec().phrase, entry.id(), why)
    })
}

/// archived → the tier it left (`restored_tier`). Refused when that name is active there.
pub(crate) fn restore(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
) -> Result<Decision, ReviewError> {
    let locked = begin(ctx, store, DecisionKind::Restore.spec().phrase, spec)?;
    restore_recorded_as(ctx, store, locked, spec, (DecisionAction::Restore, None))
}

/// `restore` under the tool's lock, taken (`begin`) by the caller, recorded as `action` with
/// `reason`: an undo of the archive or the rejection that put it there records itself.
pub(super) fn restore_recorded_as(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    (lock, recovered): (super::lock::ToolLock, Vec<String>),
    spec: &ToolId,
    (action, reason): (DecisionAction, Option<String>),
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Restore;
    const ACTION: &str = KIND.spec().phrase;
    let tiers = KIND.taken_from();
    let catalog = named(ctx, store, spec, &tiers);
    let entry = resolve(&catalog, spec, &tiers, ACTION)?.clone();
    let former = store.with_store(|store| restored_tier(store, &entry))?;
    let target = if former.is_active() {
        if let Some(active) = active_in(&catalog, former, &entry.name) {
            return Err(ReviewError::refused(
                ACTION,
                entry.id(),
                format!(
                    "{} is active in {former}/ ({}, version {}); archive it first or use rollback",
                    entry.name,
                    relative(ctx.root(), &active.path),
                    active.version
                ),
            ));
        }
        refuse_broken(ACTION, &entry)?;
        refuse_links_out(ACTION, &entry)?;
        let target = tier_slot(former, &entry.name);
        refuse_occupied(ACTION, ctx, &entry, &target, None)?;
        target
    } else {
        let twin = catalog.entries().iter().find(|e| {
            e.tier == Tier::Experimental && e.name == entry.name && e.version == entry.version
        });
        if let Some(twin) = twin {
            return Err(ReviewError::refused(
                ACTION,
                entry.id(),
                format!(
                    "{} is already in experimental/ ({})",
                    entry.id(),
                    relative(ctx.root(), &twin.path)
                ),
            ));
        }
        free_slot(ctx.root(), Tier::Experimental, &entry)
    };
    ensure_tier(ctx.root(), former)?;
    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(ACTION, &lock);
    // Into an active tier as a frozen copy of its snapshot, like every activation.
    let copy = if former.is_active() {
        Some(replace_with_frozen_copy(
            &mut intent,
            ctx.root(),
            &entry,
            &target,
        ))
    } else {
        intent.moves.push(Move {
            from: relative(ctx.root(), &entry.path),
            to: target.clone(),
        });
        None
    };
    intent
        .decisions
        .push(record(ctx, &at, action, &entry, former, reason.clone()));
    let activated = copy.as_ref().map(|_| activate_version(&entry, &at));
    intent.versions.extend(activated.clone());
    let versions = VersionStore::new(ctx.root());
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        if let (Some(activated), Some(copy)) = (&activated, &copy) {
            take_snapshots(ctx.root(), std::slice::from_ref(&entry))?;
            versions.copy_out(&activated.snapshot, copy, &activated.content_hash)?;
        }
        Ok(())
    })?;
    let snapshot = activated.map(|a| a.snapshot);
    let mut decision = decided(action, &entry, former, &target);
    decision.snapshot = snapshot;
    decision.reason = reason;
    finish(ctx, store, decision, &intent, records, recovered)
}

/// Makes the previous version (or `to`) of an active tool active again, from the version
/// store. The current version is snapshotted and archived.
pub(crate) fn rollback(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    spec: &ToolId,
    to: Option<&str>,
) -> Result<Decision, ReviewError> {
    const KIND: DecisionKind = DecisionKind::Rollback;
    const ACTION: &str = KIND.spec().phrase;
    let (lock, recovered) = begin(ctx, store, ACTION, spec)?;
    let tiers = KIND.taken_from();
    let catalog = named(ctx, store, spec, &tiers);
    let current = resolve(&catalog, spec, &tiers, ACTION)?.clone();
    // The current version goes to archived/: the rule of every archive.
    refuse_running(ACTION, store, &current)?;
    let tier = current.tier;
    let chosen = store.with_store(|store| choose_rollback_target(store, &current, to))?;
    let versions = VersionStore::new(ctx.root());
    if !versions.absolute(&chosen.snapshot).is_dir() {
        return Err(ReviewError::refused(
            ACTION,
            &current.name,
            format!(
                "the snapshot of {}@{} is missing ({})",
                chosen.tool, chosen.version, chosen.snapshot
            ),
        ));
    }
    let target = tier_slot(tier, &current.name);
    if relative(ctx.root(), &current.path) != target
        && ctx.root().join(&target).symlink_metadata().is_ok()
    {
        return Err(ReviewError::refused(
            ACTION,
            &current.name,
            format!("{target} exists and is not the active {}", current.name),
        ));
    }
    ensure_tier(ctx.root(), Tier::Archived)?;

    let at = crate::clock::now_rfc3339();
    let mut intent = Intent::new(KIND.name(), &lock);
    intent.moves.push(Move {
        from: relative(ctx.root(), &current.path),
        to: free_slot(ctx.root(), Tier::Archived, &current),
    });
    // The archived copy of that very content moves back; otherwise a copy of the snapshot.
    let archived_copy = catalog.entries().iter().find(|e| {
        e.tier == Tier::Archived && e.name == current.name && e.content_hash == chosen.content_hash
    });
    if let Some(copy) = archived_copy {
        refuse_links_out(ACTION, copy)?;
    }
    let staged = format!("{}/{}", intent.staging_relative(), current.name);
    let source = match archived_copy {
        Some(copy) => relative(ctx.root(), &copy.path),
        None => staged.clone(),
    };
    intent.moves.push(Move {
        from: source.clone(),
        to: target.clone(),
    });
    intent.decisions.push(record(
        ctx,
        &at,
        DecisionAction::Supersede,
        &current,
        Tier::Archived,
        Some(format!("rolled back to {}", chosen.version)),
    ));
    intent.decisions.push(DecisionRecord {
        id: 0,
        tool: current.name.clone(),
        action: KIND.spec().records,
        who: ctx.who.clone(),
        at: at.clone(),
        reason: None,
        from_version: known_version(&current),
        to_version: Some(chosen.version.clone()),
        from_tier: Some(tier),
        to_tier: Some(tier),
        from_hash: known_hash(&current),
        to_hash: Some(chosen.content_hash.clone()),
    });
    let mut snapshots = Vec::new();
    if let Some(kept) = keep_version(ctx, &current, &at)? {
        intent.kept.push(kept);
        snapshots.push(current.clone());
    }
    intent.versions.push(VersionRecord {
        activated_at: at.clone(),
        ..chosen.clone()
    });
    let from_snapshot = archived_copy.is_none();
    let records = journal::commit(ctx.root(), store, &lock, &mut intent, || {
        take_snapshots(ctx.root(), &snapshots)?;
        if from_snapshot {
            versions.copy_out(&chosen.snapshot, &staged, &chosen.content_hash)?;
        }
        Ok(())
    })?;

    let restored = ToolEntry {
        version: chosen.version.clone(),
        content_hash: chosen.content_hash.clone(),
        ..current.clone()
    };
    let mut decision = decided(KIND.spec().records, &restored, tier, &target);
    decision.from_tier = tier;
    decision.from_version = Some(current.version.clone());
    decision.superseded = Some(current.version.clone());
    decision.snapshot = Some(chosen.snapshot.clone());
    finish(ctx, store, decision, &intent, records, recovered)
}

/// The snapshot rollback restores: the given version, else the newest version older than
/// the current one (most recently activated first among equals).
fn choose_rollback_target(
    store: &Store,
    current: &ToolEntry,
    to: Option<&str>,
) -> Result<VersionRecord, ReviewError> {
    const ACTION: &str = DecisionKind::Rollback.spec().phrase;
    let kept = accepted_versions(store, &current.name)?;
    let others: Vec<&VersionRecord> = kept
        .iter()
        .filter(|v| v.content_hash != current.content_hash)
        .collect();
    let known = || {
        let mut versions: Vec<&str> = kept.iter().map(|v| v.version.as_str()).collect();
        versions.dedup();
        if versions.is_empty() {
            "none".to_string()
        } else {
            versions.join(", ")
        }
    };
    if let Some(to) = to {
        return match others.iter().find(|v| v.version == to) {
            Some(v) => Ok((*v).clone()),
            None if current.version == to => Err(ReviewError::refused(
                ACTION,
                &current.name,
                format!("{}@{to} is already the active version", current.name),
            )),
            None => Err(ReviewError::refused(
                ACTION,
                &current.name,
                format!(
                    "no kept snapshot of {}@{to} (kept versions: {})",
                    current.name,
                    known()
                ),
            )),
        };
    }
    let parse = |v: &str| semver::Version::parse(v).ok();
    let earlier: Vec<&VersionRecord> = match parse(&current.version) {
        Some(now) => others
            .iter()
            .copied()
            .filter(|v| parse(&v.version).is_some_and(|v| v < now))
            .collect(),
        None => others.clone(),
    };
    // `kept` is newest-activated first, so max_by_key keeps the first of equal versions.
    let best = earlier
        .iter()
        .copied()
        .rev()
        .max_by_key(|v| parse(&v.version));
    best.cloned().ok_or_else(|| {
        ReviewError::refused(
            ACTION,
            &current.name,
            format!(
                "no earlier version to roll back to (kept versions: {}; {} is active)",
                known(),
                current.version
            ),
        )
    })
}

/// The kept versions of `name` that stand as content a person accepted: each one whose
/// approval was undone since it was last made active (its content sent back to review) is
/// left out, so no rollback or restore makes it active again without a new approval.
pub(super) fn accepted_versions(
    store: &Store,
    name: &str,
) -> Result<Vec<VersionRecord>, crate::store::StoreError> {
    let undone: Vec<DecisionRecord> = store
        .decisions_of(name)?
        .into_iter()
        .filter(|d| d.action == DecisionAction::Undo && d.to_tier == Some(Tier::Experimental))
        .collect();
    Ok(store
        .versions_of(name)?
        .into_iter()
        .filter(|v| {
            !undone.iter().any(|d| {
                d.from_hash.as_deref() == Some(v.content_hash.as_str()) && d.at >= v.activated_at
            })
        })
        .collect())
}

/// Finishes interrupted decisions; the TUI calls this at start, the CLI before it answers.
pub(crate) fn recover(root: &Path, store: &mut Store) -> Result<Vec<String>, ReviewError> {
    Ok(journal::recover(root, store)?.lines())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::steps::decided;

    fn version(v: &str, hash: &str, at: &str) -> VersionRecord {
        VersionRecord {
            tool: "fmt".into(),
            version: v.into(),
            content_hash: hash.into(),
            snapshot: format!(".toolbench/versions/fmt/{v}-{hash}"),
            activated_at: at.into(),
        }
    }

    /// A dialog names where a restore and a rollback go as the decisions would take them:
    /// the version kept before the active one, and the tier an archived tool left.
    #[test]
    fn the_destination_is_the_previous_version_and_the_tier_it_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let old = version("1.0.0", "aaaa", "2026-01-01T00:00:00Z");
        let new = version("1.1.0", "bbbb", "2026-01-02T00:00:00Z");
        store
            .record_decisions(&[], &[old.clone(), new], &[])
            .expect("versions");
        let active = ToolEntry {
            version: "1.1.0".into(),
            content_hash: "bbbb".into(),
            ..ToolEntry::fixture(Tier::Approved, "fmt")
        };
        assert_eq!(
            destination(&store, &ReviewCommand::Rollback { to: None }, &active).expect("read"),
            Some(Destination::Version {
                version: "1.0.0".into(),
                content_hash: "aaaa".into()
            })
        );
        let archived = ToolEntry {
            content_hash: "aaaa".into(),
            ..ToolEntry::fixture(Tier::Archived, "fmt")
        };
        let archive = DecisionRecord {
            id: 0,
            tool: "fmt".into(),
            action: DecisionAction::Archive,
            who: "ana".into(),
            at: "2026-01-03T00:00:00Z".into(),
            reason: None,
            from_version: Some("1.0.0".into()),
            to_version: Some("1.0.0".into()),
            from_tier: Some(Tier::Approved),
            to_tier: Some(Tier::Archived),
            from_hash: Some("aaaa".into()),
            to_hash: Some("aaaa".into()),
        };
        store
            .record_decisions(&[archive], &[], &[])
            .expect("archived");
        assert_eq!(
            destination(&store, &ReviewCommand::Restore, &archived).expect("read"),
            Some(Destination::Tier(Tier::Approved))
        );
        // Content a person never accepted goes back to review instead.
        let edited = ToolEntry {
            content_hash: "cccc".into(),
            ..archived
        };
        assert_eq!(
            destination(&store, &ReviewCommand::Restore, &edited).expect("read"),
            Some(Destination::Tier(Tier::Experimental))
        );
        assert_eq!(
            destination(&store, &ReviewCommand::Promote, &active).expect("read"),
            None
        );
    }

    /// A dialog is spared what a decision will refuse: every kind is refused as listed from
    /// each tier its row of the decision table does not take, in the words `resolve`
    /// refuses it with.
    #[test]
    fn a_decision_is_refused_as_listed_from_the_tiers_its_row_does_not_take() {
        for kind in DecisionKind::ALL {
            for &tier in Tier::ALL {
                let changed = ToolEntry {
                    drift: Some(Box::new(crate::model::Drift::Unapproved)),
                    ..ToolEntry::fixture(tier, "fmt")
                };
                assert_eq!(
                    refusal_as_listed(*kind, &changed).is_none(),
                    kind.landing(tier).is_some(),
                    "{kind:?} from {tier}"
                );
            }
        }
        let candidate = ToolEntry {
            version: "1.3.0".into(),
            ..ToolEntry::fixture(Tier::Experimental, "csv_to_json")
        };
        let refusal =
            |kind, entry: &ToolEntry| refusal_as_listed(kind, entry).map(|e| e.to_string());
        assert_eq!(
            refusal(DecisionKind::Promote, &candidate).as_deref(),
            Some("cannot promote csv_to_json@1.3.0: it is in experimental/, not in approved/")
        );
        assert_eq!(
            refusal(DecisionKind::Rollback, &candidate).as_deref(),
            Some(
                "cannot roll back csv_to_json@1.3.0: it is in experimental/, not in core/ or approved/"
            )
        );
        let approved = ToolEntry::fixture(Tier::Approved, "fmt");
        assert_eq!(refusal(DecisionKind::Resubmit, &approved), None);
        assert_eq!(refusal(DecisionKind::Archive, &approved), None);
    }

    #[test]
    fn summary_names_the_move_and_what_was_superseded() {
        let entry = ToolEntry {
            path: "/w/experimental/csv_to_json-1.3.0".into(),
            version: "1.3.0".into(),
            content_hash: "h".into(),
            ..ToolEntry::fixture(Tier::Experimental, "csv_to_json")
        };
        let mut d = decided(
            DecisionAction::Approve,
            &entry,
            Tier::Approved,
            "approved/csv_to_json",
        );
        d.superseded = Some("1.2.0".into());
        assert_eq!(
            d.summary(),
            "approved csv_to_json@1.3.0 (experimental → approved; superseded 1.2.0, kept as snapshot)"
        );
    }
}
