//! The steps review decisions share: resolving a tool among tiers, the refusals, where a
//! folder goes, the rows a decision records, wrapping bare scripts, and what follows a
//! decision (git). Decisions themselves live in `lifecycle`.

use std::path::Path;

use super::decision::ReviewContext;
use super::journal::{self, Intent, Move, fsync_dir};
use super::lock::ToolLock;
use super::{ReviewError, git};
use crate::catalog::infer::render_inferred_manifest;
use crate::catalog::links;
use crate::catalog::scan::{KnownHashes, ScanLimits, ScanProgress, load_tool, scan_workspace};
use crate::lookup;
use crate::model::Catalog;
use crate::model::LookupError;
use crate::model::MANIFEST_FILE;
use crate::model::decided::Decision;
use crate::model::{Tier, ToolEntry, ToolId};
use crate::safe_fs::Dir;
use crate::store::{DecisionAction, DecisionRecord, StoreAccess, VersionRecord};
use crate::versions::VersionStore;

/// Where every decision on a tool starts, as `action` ("approve", …): refused while the
/// workspace's tools wait for a person to accept them, or while the decision log would not take
/// it; then the tool's lock is taken, after finishing decisions that crashed since this process
/// started recovering (front ends recover once at start; a workbench runs for hours). With
/// nothing pending that is one directory read.
pub(super) fn begin(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    action: &str,
    tool: &ToolId,
) -> Result<(ToolLock, Vec<String>), ReviewError> {
    // Nothing changes what runs in a workspace whose tools nobody accepted here yet.
    crate::seal::ensure_accepted(ctx.root())?;
    // A decision the log cannot record is not half-made: refused before anything moves.
    crate::store::check_decision_log(ctx.root()).map_err(|e| ReviewError::Unlogged {
        action: action.to_string(),
        tool: tool.to_string(),
        reason: e.to_string(),
    })?;
    let recovered = if journal::needs_recovery(ctx.root()) {
        store
            .with_store(|store| journal::recover(ctx.root(), store))?
            .lines()
    } else {
        Vec::new()
    };
    let lock = ToolLock::acquire(ctx.root(), &tool.name)?;
    Ok((lock, recovered))
}

/// The tools `tool` names, read fresh from disk (`lookup`): a decision reads only those, never
/// the whole workspace. `tiers` are where the decision looks for it.
pub(super) fn named(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    tool: &ToolId,
    tiers: &[Tier],
) -> Catalog {
    Catalog::new(lookup::tools_named(
        ctx.root(),
        ctx.scan_limits(),
        store,
        tool,
        tiers,
    ))
}

/// Every tool named as `tool` is, wherever it is: `named` after a full scan.
pub(super) fn named_everywhere(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    tool: &ToolId,
) -> Catalog {
    Catalog::new(lookup::rescan_named(
        ctx.root(),
        ctx.scan_limits(),
        store,
        &tool.name,
    ))
}

/// Every tool of the workspace, for what is about all of them (gc, the review queue).
pub(super) fn scan(root: &Path, limits: ScanLimits) -> Catalog {
    Catalog::new(scan_workspace(
        root,
        limits,
        &KnownHashes::default(),
        &ScanProgress::default(),
    ))
}

/// Finds the tool `tool` names in the first of `tiers` that holds it, with the version and
/// the content it asks for. Two folders that both answer are refused, never picked between:
/// a person names one by version or content hash.
pub(super) fn resolve<'c>(
    catalog: &'c Catalog,
    tool: &ToolId,
    tiers: &[Tier],
    action: &'static str,
) -> Result<&'c ToolEntry, ReviewError> {
    let name = tool.name.as_str();
    let named: Vec<&ToolEntry> = catalog
        .entries()
        .iter()
        .filter(|e| e.name == name)
        .collect();
    if named.is_empty() {
        return Err(LookupError::NotFound(tool.to_string()).into());
    }
    let versioned = |tier: Tier| {
        named
            .iter()
            .copied()
            .filter(move |e| e.tier == tier && tool.accepts(&e.version))
    };
    for tier in tiers {
        let here: Vec<&ToolEntry> = versioned(*tier)
            .filter(|e| tool.accepts_hash(&e.content_hash))
            .collect();
        match here.as_slice() {
            [] => continue,
            [only] => return Ok(only),
            several => return Err(LookupError::ambiguous(tool, several).into()),
        }
    }
    // The content asked for is there, in a tier this decision does not take from: said so,
    // not taken for content that changed.
    if tool.hash.is_some()
        && let Some(other) = named.iter().find(|e| {
            !tiers.contains(&e.tier)
                && tool.accepts(&e.version)
                && tool.accepts_hash(&e.content_hash)
        })
    {
        return Err(ReviewError::refused(
            action,
            other.id(),
            elsewhere(std::iter::once(other.tier), tiers),
        ));
    }
    let unmatched: Vec<&ToolEntry> = tiers.iter().flat_map(|t| versioned(*t)).collect();
    if tool.hash.is_some() && !unmatched.is_empty() {
        return Err(LookupError::content_changed(tool, unmatched).into());
    }
    if let Some(version) = &tool.version
        && !named.iter().any(|e| tool.accepts(&e.version))
    {
        let known: Vec<&str> = named.iter().map(|e| e.version.as_str()).collect();
        return Err(LookupError::NoSuchVersion {
            name: name.to_string(),
            version: version.to_string(),
            known: known.join(", "),
        }
        .into());
    }
    // Where the version asked for is, not where others of its name are.
    let found = named
        .iter()
        .filter(|e| tool.accepts(&e.version))
        .map(|e| e.tier);
    Err(ReviewError::refused(action, tool, elsewhere(found, tiers)))
}

/// Why a tool found in the tiers `found` is not one a decision taking tools from `taken`
/// acts on: "it is in experimental/, not in approved/".
pub(super) fn elsewhere(mut found: impl Iterator<Item = Tier>, taken: &[Tier]) -> String {
    let list = |tiers: &mut dyn Iterator<Item = Tier>| {
        let mut names: Vec<String> = tiers.map(|t| format!("{t}/")).collect();
        names.dedup();
        names.join(" or ")
    };
    format!(
        "it is in {}, not in {}",
        list(&mut found),
        list(&mut taken.iter().copied())
    )
}

/// The tool named `name` that is active in `tier` (core and approved hold a name once).
pub(super) fn active_in<'c>(catalog: &'c Catalog, tier: Tier, name: &str) -> Option<&'c ToolEntry> {
    catalog
        .entries()
        .iter()
        .find(|e| e.tier == tier && e.name == name)
}

pub(super) fn refuse_broken(action: &'static str, entry: &ToolEntry) -> Result<(), ReviewError> {
    match &entry.error {
        Some(error) => Err(ReviewError::refused(action, &entry.name, error.clone())),
        None => Ok(()),
    }
}

/// An active tool whose content is not what a person accepted is not promoted, kept or
/// otherwise carried further as if it were.
pub(super) fn refuse_unsealed(
    action: &'static str,
    ctx: &ReviewContext,
    entry: &ToolEntry,
) -> Result<(), ReviewError> {
    crate::seal::check(ctx.root(), entry)
        .map_err(|e| ReviewError::refused(action, entry.id(), e.to_string()))
}

/// The active folder of a name is `<tier>/<name>`; it must be free (or about to be freed).
pub(super) fn refuse_occupied(
    action: &'static str,
    ctx: &ReviewContext,
    entry: &ToolEntry,
    target: &str,
    leaving: Option<&ToolEntry>,
) -> Result<(), ReviewError> {
    let path = ctx.root().join(target);
    let freed = leaving.is_some_and(|l| l.path == path);
    if !freed && path.symlink_metadata().is_ok() {
        return Err(ReviewError::refused(
            action,
            entry.id(),
            format!("{target} already exists and holds something else; move it away first"),
        ));
    }
    Ok(())
}

/// An active service is taken out of use only with no instance of it running, of this
/// version or of one it superseded: one left running would keep its port and its process
/// after the decision revoked its code (a superseded one gets no message, `Services::send`,
/// but runs on).
pub(crate) fn refuse_running(
    action: &'static str,
    store: &mut impl StoreAccess,
    entry: &ToolEntry,
) -> Result<(), ReviewError> {
    if !entry.tier.is_active() {
        return Ok(());
    }
    let running = store.with_store(|s| s.instances(true))?;
    // This version's instance first: the one the person most likely means.
    let live = running
        .iter()
        .filter(|i| i.tool == entry.name)
        .min_by_key(|i| i.version != entry.version);
    match live {
        Some(live) => Err(ReviewError::refused(
            action,
            entry.id(),
            format!(
                "instance {}{} is running; stop it first (toolbench tools stop {})",
                live.name,
                if live.version == entry.version {
                    String::new()
                } else {
                    format!(" of its version {}", live.version)
                },
                live.name
            ),
        )),
        None => {
            crate::pause_point::pause_point("instances-checked");
            Ok(())
        }
    }
}

/// The symlink rule (`catalog::links`): a tool whose folder is a link, or holds one leading
/// out of it, is refused.
pub(super) fn refuse_links_out(action: &'static str, entry: &ToolEntry) -> Result<(), ReviewError> {
    links::check(entry).map_err(|e| ReviewError::refused(action, entry.id(), e.to_string()))
}

/// Bare scripts become `experimental/<name>/` with their inferred `tool.toml` before any
/// decision moves them (a tier folder only lists folders). Journaled like any move.
pub(super) fn wrap_if_bare(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    lock: &ToolLock,
    action: &'static str,
    entry: &ToolEntry,
) -> Result<(ToolEntry, bool), ReviewError> {
    let Some(manifest) = entry.manifest.as_ref().filter(|_| entry.path.is_file()) else {
        return Ok((entry.clone(), false));
    };
    let file_name = entry
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = format!("{}/{}", Tier::Experimental.dir_name(), entry.name);
    if ctx.root().join(&target).symlink_metadata().is_ok() {
        return Err(ReviewError::refused(
            action,
            entry.id(),
            format!("{target} already exists, so {file_name} cannot be wrapped into it"),
        ));
    }
    let mut intent = Intent::new("wrap", lock);
    let staged = format!("{}/{}", intent.staging_relative(), entry.name);
    intent.moves.push(Move {
        from: relative(ctx.root(), &entry.path),
        to: format!("{staged}/{file_name}"),
    });
    intent.moves.push(Move {
        from: staged.clone(),
        to: target.clone(),
    });
    let text = render_inferred_manifest(manifest);
    journal::commit(ctx.root(), store, lock, &mut intent, || {
        write_in_workspace(
            ctx.root(),
            &format!("{staged}/{MANIFEST_FILE}"),
            text.as_bytes(),
        )
    })?;
    let wrapped = ctx.root().join(&target);
    lookup::reindex(
        ctx.root(),
        ctx.scan_limits(),
        store,
        &[entry.path.clone(), wrapped.clone()],
    );
    Ok((
        load_tool(ctx.root(), Tier::Experimental, &wrapped, ctx.scan_limits()),
        true,
    ))
}

/// `<tier>/<name>`: where the active tool of a name lives.
pub(super) fn tier_slot(tier: Tier, name: &str) -> String {
    format!("{}/{name}", tier.dir_name())
}

/// A free folder in `tier` for `entry`: `<name>`, else `<name>-<version>`, else numbered.
pub(super) fn free_slot(root: &Path, tier: Tier, entry: &ToolEntry) -> String {
    let base = match known_version(entry) {
        Some(version) => format!("{}-{version}", entry.name),
        None => entry.name.clone(),
    };
    let free = |dir: &str| {
        root.join(tier.dir_name())
            .join(dir)
            .symlink_metadata()
            .is_err()
    };
    let chosen = [entry.name.clone(), base.clone()]
        .into_iter()
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|dir| free(dir))
        .unwrap_or(base);
    format!("{}/{chosen}", tier.dir_name())
}

/// Creates a missing tier folder. Anything already there (even a file) is left for the rename
/// to judge, so a bad tier fails the move with the state untouched.
pub(super) fn ensure_tier(root: &Path, tier: Tier) -> Result<(), ReviewError> {
    let dir = root.join(tier.dir_name());
    if dir.symlink_metadata().is_ok() {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| ReviewError::io(&dir, &e))?;
    fsync_dir(root);
    Ok(())
}

pub(super) fn known_version(entry: &ToolEntry) -> Option<String> {
    (entry.version != "?" && !entry.version.is_empty()).then(|| entry.version.clone())
}

pub(super) fn known_hash(entry: &ToolEntry) -> Option<String> {
    (!entry.content_hash.is_empty()).then(|| entry.content_hash.clone())
}

/// The decision row for `entry` moving to `to`.
pub(super) fn record(
    ctx: &ReviewContext,
    at: &str,
    action: DecisionAction,
    entry: &ToolEntry,
    to: Tier,
    reason: Option<String>,
) -> DecisionRecord {
    DecisionRecord {
        id: 0,
        tool: entry.name.clone(),
        action,
        who: ctx.who.clone(),
        at: at.to_string(),
        reason,
        from_version: known_version(entry),
        to_version: known_version(entry),
        from_tier: Some(entry.tier),
        to_tier: Some(to),
        from_hash: known_hash(entry),
        to_hash: known_hash(entry),
    }
}

/// The index row of `entry` becoming active now.
pub(super) fn activate_version(entry: &ToolEntry, at: &str) -> VersionRecord {
    VersionRecord {
        tool: entry.name.clone(),
        version: entry.version.clone(),
        content_hash: entry.content_hash.clone(),
        snapshot: VersionStore::relative_path(&entry.name, &entry.version, &entry.content_hash),
        activated_at: at.to_string(),
    }
}

/// The index row of an active version on its way out (only written if it was never indexed;
/// its activation time is then when its seal was made, the moment a person accepted it, else
/// guessed from the folder). `None` for a broken tool, and for content no person accepted
/// (modified since approval, or never approved here): keeping it would let a rollback make it
/// active.
pub(super) fn keep_version(
    ctx: &ReviewContext,
    entry: &ToolEntry,
    at: &str,
) -> Result<Option<VersionRecord>, ReviewError> {
    if entry.is_broken() || entry.content_hash.is_empty() {
        return Ok(None);
    }
    let seal = crate::seal::read(ctx.root(), &entry.name)?;
    if crate::seal::drift_of(entry, seal.as_ref()).is_some() {
        return Ok(None);
    }
    let accepted = seal.map(|seal| seal.at).unwrap_or_else(|| {
        entry
            .path
            .metadata()
            .and_then(|m| m.modified())
            .map(crate::clock::rfc3339)
            .unwrap_or_else(|_| at.to_string())
    });
    Ok(Some(VersionRecord {
        activated_at: accepted,
        ..activate_version(entry, at)
    }))
}

pub(super) fn take_snapshots(root: &Path, entries: &[ToolEntry]) -> Result<(), ReviewError> {
    let versions = VersionStore::new(root);
    let staged = entries
        .iter()
        .map(|e| versions.stage(&e.path, &e.name, &e.version, &e.content_hash))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(versions.keep_all(staged.into_iter().flatten().collect())?)
}

pub(super) fn decided(
    action: DecisionAction,
    entry: &ToolEntry,
    to: Tier,
    location: &str,
) -> Decision {
    Decision {
        action,
        tool: entry.name.clone(),
        version: entry.version.clone(),
        from_version: None,
        from_tier: entry.tier,
        to_tier: to,
        location: location.to_string(),
        reason: None,
        superseded: None,
        snapshot: None,
        wrapped: false,
        records: Vec::new(),
        recovered: Vec::new(),
        warnings: Vec::new(),
        commit: None,
        in_place: false,
        signed: None,
        affected: Vec::new(),
    }
}

/// Fills in what the journal recorded and runs what follows a decision (git).
pub(super) fn finish(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    mut decision: Decision,
    intent: &Intent,
    records: Vec<DecisionRecord>,
    recovered: Vec<String>,
) -> Result<Decision, ReviewError> {
    let staging = intent.staging_relative();
    for m in &intent.moves {
        for path in [&m.from, &m.to] {
            if !path.starts_with(&staging) && !decision.affected.contains(path) {
                decision.affected.push(path.clone());
            }
        }
    }
    for signed in &intent.statements {
        let signature = crate::signature::signature_path(Path::new(&signed.path));
        decision.affected.push(signed.path.clone());
        decision.affected.push(signature.display().to_string());
        decision.signed = Some(Box::new(crate::model::decided::SignedReview {
            principal: signed.principal.clone(),
            statement: signed.path.clone(),
            signature: signature.display().to_string(),
        }));
    }
    decision
        .warnings
        .extend(intent.sign_warnings.iter().cloned());
    decision.records = records;
    decision.recovered = recovered;
    Ok(after_decision(ctx, store, decision))
}

/// Records a decision that changed a candidate where it stays in `experimental/` (its
/// feedback written, a case added): the content before and after, then what follows every
/// decision. The tool's lock is released once recorded.
pub(super) fn record_in_place(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    lock: ToolLock,
    changed: InPlace,
) -> Result<Decision, ReviewError> {
    let InPlace {
        action,
        entry,
        at,
        reason,
        wrapped,
        recovered,
    } = changed;
    let mut row = record(
        ctx,
        &at,
        action,
        &entry,
        Tier::Experimental,
        Some(reason.clone()),
    );
    row.to_hash = Some(crate::catalog::scan::hash_tool_folder(&entry.path));
    let records = store.with_store(|store| store.record_decisions(&[row], &[], &[]))?;
    let location = relative(ctx.root(), &entry.path);
    let mut decision = decided(action, &entry, Tier::Experimental, &location);
    decision.reason = Some(reason);
    decision.wrapped = wrapped;
    decision.records = records;
    decision.recovered = recovered;
    decision.affected = vec![location];
    drop(lock);
    Ok(after_decision(ctx, store, decision))
}

/// What `record_in_place` records.
pub(super) struct InPlace {
    pub(crate) action: DecisionAction,
    pub(crate) entry: ToolEntry,
    pub(crate) at: String,
    pub(crate) reason: String,
    pub(crate) wrapped: bool,
    pub(crate) recovered: Vec<String>,
}

/// The store is taken to reindex, never across git, which spawns processes and may wait on
/// hooks: other work of this process on the store goes on meanwhile.
pub(super) fn after_decision(
    ctx: &ReviewContext,
    store: &mut impl StoreAccess,
    mut decision: Decision,
) -> Decision {
    // The index follows the folders this decision moved or wrote, so the next command on
    // them finds them without a scan.
    let paths: Vec<_> = decision
        .affected
        .iter()
        .map(|path| ctx.root().join(path))
        .collect();
    lookup::reindex(ctx.root(), ctx.scan_limits(), store, &paths);
    if ctx.config().git_auto_commit {
        match git::commit_decision(ctx.root(), &ctx.who, &decision) {
            Ok(commit) => decision.commit = commit,
            Err(warning) => decision.warnings.push(warning.to_string()),
        }
    }
    decision
}

pub(super) fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

pub(super) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Writes `relative` (from the root) through a temporary file and a rename, so readers never
/// see half a file, and never through a symlink (`safe_fs`).
pub(super) fn write_in_workspace(
    root: &Path,
    relative: &str,
    bytes: &[u8],
) -> Result<(), ReviewError> {
    Dir::open(root)?.write(Path::new(relative), bytes, 0o644)?;
    Ok(())
}

pub(super) fn review_text(
    ctx: &ReviewContext,
    entry: &ToolEntry,
    feedback: &str,
    at: &str,
) -> String {
    format!(
        "# Review of {id}: changes requested\n\n\
         - Tool: {name}\n- Version: {version}\n- Reviewer: {who}\n- Date: {at}\n\n\
         ## Feedback\n\n{feedback}\n\n\
         ## What happens next\n\n\
         The tool stays in `experimental/`. Change it in this folder (bump `version` in \
         `{MANIFEST_FILE}` when the behaviour changes); toolbench validates it again and puts it \
         back in the review queue. This file is replaced by the next review.\n",
        id = entry.id(),
        name = entry.name,
        version = entry.version,
        who = ctx.who,
    )
}
