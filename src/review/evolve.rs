//! Evolve: a new candidate in `experimental/<name>-<version>/` from any version of a tool and
//! a hint (DESIGN §4), with the minor version bumped and `provenance.parent` set.
//!
//! Either a configured evolver command rewrites files (the evolver protocol: a JSON request on
//! stdin, `{"files": {...}}` on stdout), or the copy is left for the human to edit. The
//! original is never touched; `tool.toml` is edited as a TOML document (`toml_edit`), so its
//! comments and formatting survive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use super::ReviewError;
use super::decision::ReviewContext;
use super::error::{EvolverError, EvolverOutputError};
use super::journal::{self, Intent, Move};
use super::steps::{after_decision, begin, named, refuse_links_out, relative, resolve};
use crate::catalog::infer::render_inferred_manifest;
use crate::catalog::manifest::{is_relative_inside, parse_manifest};
use crate::catalog::scan::{collect_files, hash_tool_folder};
use crate::io_text::{read_text_capped, read_tool_text};
use crate::model::MANIFEST_FILE;
use crate::model::decided::{Decision, REVIEW_FILE};
use crate::model::decisions::DecisionKind;
use crate::model::review_command::EvolverCommand;
use crate::model::{Origin, Tier, ToolEntry, ToolId};
use crate::runner::confined_program::{self, Program};
use crate::safe_fs::{Dir, copy_tree};
use crate::store::{DecisionAction, DecisionRecord, SharedStore};
use crate::versions::VersionStore;

pub use crate::model::decisions::EvolveProgress;

/// How long an evolver may take before it is killed.
pub(crate) const EVOLVER_TIMEOUT: Duration = Duration::from_secs(120);
/// Files larger than this are not sent to the evolver (they are still copied).
const MAX_SENT_FILE_BYTES: u64 = 1024 * 1024;
/// Failures sent to the evolver, newest ones.
const FAILURES_SENT: usize = 20;

/// Makes a candidate from `spec` (any tier, `name` or `name@version`) and `hint`. `with` is the
/// evolver a person named; `None` uses the configured one; an empty command makes a plain copy.
/// `progress` is told what it is doing (`review::apply_reporting`).
pub(crate) fn evolve_reporting(
    ctx: &ReviewContext,
    store: &SharedStore,
    spec: &ToolId,
    hint: &str,
    with: Option<&EvolverCommand>,
    timeout: Duration,
    progress: &dyn Fn(EvolveProgress),
) -> Result<Decision, ReviewError> {
    evolve_from(
        ctx,
        store,
        spec,
        hint,
        Changes::Evolver {
            with,
            timeout,
            progress,
        },
    )
}

/// Evolve with files a human edited (the workbench's built-in editor): `edits` maps relative
/// paths to their new text; files it omits are kept as they are.
pub(crate) fn evolve_with_edits(
    ctx: &ReviewContext,
    store: &SharedStore,
    spec: &ToolId,
    hint: &str,
    edits: BTreeMap<String, String>,
) -> Result<Decision, ReviewError> {
    if let Some(bad) = edits
        .keys()
        .find(|p| !crate::catalog::manifest::is_relative_inside(p))
    {
        return Err(ReviewError::refused(
            "evolve",
            spec,
            format!("{bad:?} is not a relative path inside the tool"),
        ));
    }
    evolve_from(ctx, store, spec, hint, Changes::Edited(edits))
}

/// Where the new version's changes come from.
enum Changes<'a> {
    /// An evolver program (or, with none configured, no changes at all).
    Evolver {
        with: Option<&'a EvolverCommand>,
        timeout: Duration,
        progress: &'a dyn Fn(EvolveProgress),
    },
    /// Files a human edited.
    Edited(BTreeMap<String, String>),
    /// None: an active tool's content, changed since approval or never approved here, goes
    /// to review as it is, and the approved content takes its place again.
    Resubmit,
}

/// Sends the content of the active tool `spec` names, when it is not what was approved
/// (modified since approval, or never approved here), back to review as a new candidate with
/// the minor version bumped and `provenance.parent` the approved version. In the same
/// decision the approved content, kept as a snapshot, takes the tool's place again, so the
/// tool runs as approved meanwhile; a tool never approved here leaves its tier instead.
pub(crate) fn resubmit(
    ctx: &ReviewContext,
    store: &SharedStore,
    spec: &ToolId,
) -> Result<Decision, ReviewError> {
    evolve_from(ctx, store, spec, RESUBMIT_HINT, Changes::Resubmit)
}

/// The decision a resubmission is, in the decision table.
const RESUBMIT: DecisionKind = DecisionKind::Resubmit;

/// The hint a resubmitted candidate carries: why it is in review.
pub(crate) const RESUBMIT_HINT: &str =
    "changed where it was active, after its approval; sent back to review";

/// The hint of a resubmitted tool that was active here with no approval of its content.
const NEVER_APPROVED_HINT: &str = "active here without an approval; sent to review";

/// The approved content a resubmission puts back: its seal and its snapshot.
struct Restore {
    seal: crate::model::seals::Seal,
    snapshot: String,
}

/// Takes the store's lock per step, never while the evolver runs (it may take minutes), a copy
/// is made or git commits: the process's run records, answers and validations go through the
/// same connection.
fn evolve_from(
    ctx: &ReviewContext,
    store: &SharedStore,
    spec: &ToolId,
    hint: &str,
    changes: Changes<'_>,
) -> Result<Decision, ReviewError> {
    let resubmitting = matches!(changes, Changes::Resubmit);
    let action = if resubmitting {
        RESUBMIT.spec().phrase
    } else {
        "evolve"
    };
    let hint = hint.trim();
    if hint.is_empty() {
        return Err(ReviewError::refused(
            action,
            spec,
            "the hint is empty; say what the new version should do",
        ));
    }
    let (lock, recovered) = begin(ctx, &mut store.clone(), action, spec)?;
    let tiers: Vec<Tier> = if resubmitting {
        RESUBMIT.taken_from()
    } else {
        vec![
            Tier::Core,
            Tier::Approved,
            Tier::Experimental,
            Tier::Archived,
        ]
    };
    let catalog = named(ctx, &mut store.lock(), spec, &tiers);
    let entry = resolve(&catalog, spec, &tiers, action)?.clone();
    let restore = if resubmitting {
        resubmission(ctx, &entry)?
    } else {
        None
    };
    // A tool never approved here was not changed after an approval: its hint says what it is.
    let hint = match (resubmitting, &restore) {
        (true, None) => NEVER_APPROVED_HINT,
        _ => hint,
    };
    let Some(manifest) = entry.manifest.clone().filter(|_| !entry.is_broken()) else {
        return Err(ReviewError::refused(
            action,
            &entry.name,
            format!(
                "its manifest is broken ({}); fix it in place instead",
                entry.error.as_deref().unwrap_or("unreadable")
            ),
        ));
    };
    refuse_links_out(action, &entry)?;
    let mut new_version = manifest.version.clone();
    new_version.minor += 1;
    new_version.patch = 0;
    new_version.pre = semver::Prerelease::EMPTY;
    new_version.build = semver::BuildMetadata::EMPTY;
    let new_version = new_version.to_string();
    let dir_name = format!("{}-{new_version}", entry.name);
    let target = format!("{}/{dir_name}", Tier::Experimental.dir_name());
    if ctx.root().join(&target).symlink_metadata().is_ok() {
        return Err(ReviewError::refused(
            action,
            entry.id(),
            format!("{target} already exists"),
        ));
    }
    if let Some(twin) = catalog
        .entries()
        .iter()
        .find(|e| e.name == entry.name && e.version == new_version)
    {
        return Err(ReviewError::refused(
            action,
            entry.id(),
            format!(
                "{}@{new_version} already exists ({}); evolve that version instead",
                entry.name,
                relative(ctx.root(), &twin.path)
            ),
        ));
    }

    // The files as the tool has them, then as the evolver wants them.
    let mut sources = read_sources(&entry, &manifest);
    let no_progress = |_| {};
    let (command, timeout, progress): (_, _, &dyn Fn(EvolveProgress)) = match changes {
        Changes::Evolver {
            with,
            timeout,
            progress,
        } => {
            let command = match with {
                Some(with) => evolver_argv(&with.argv, &with.from),
                None => evolver_argv(&ctx.config().evolve_command, ctx.root()),
            };
            (command, timeout, progress)
        }
        Changes::Edited(edits) => {
            sources.texts.extend(edits);
            (Vec::new(), Duration::ZERO, &no_progress)
        }
        Changes::Resubmit => (Vec::new(), Duration::ZERO, &no_progress),
    };
    let origin = if resubmitting {
        // Whoever changed it is not known: the candidate is no person's work.
        manifest.provenance.origin.unwrap_or(Origin::Ai)
    } else if command.is_empty() {
        Origin::Human
    } else {
        let failures = store
            .lock()
            .list_failures(Some(&entry.name), FAILURES_SENT)?;
        let request = json!({
            "tool": {
                "name": entry.name,
                "version": entry.version,
                "tier": entry.tier,
                "files": sources.texts,
            },
            "failures": failures.iter().rev().map(|f| json!({
                "scenario": f.scenario,
                "error": f.error,
                "severity": f.severity,
                "at": f.at,
            })).collect::<Vec<_>>(),
            "hint": hint,
        });
        progress(EvolveProgress::EvolverRunning {
            tool: entry.id(),
            command: command.join(" "),
            timeout,
        });
        let files = run_evolver(ctx, &command, &request, timeout).map_err(|reason| {
            ReviewError::Evolver {
                tool: entry.id(),
                command: command.join(" "),
                reason: Box::new(reason),
            }
        })?;
        for (path, text) in files {
            sources.texts.insert(path, text);
        }
        Origin::Ai
    };

    let manifest_text = sources
        .texts
        .get(MANIFEST_FILE)
        .cloned()
        .unwrap_or_default();
    // A resubmitted change evolves what was approved, not the version it claims.
    let parent = match &restore {
        Some(restore) => ToolId::known(&entry.name, &restore.seal.version),
        None => entry.tool_id(),
    };
    let generator = if resubmitting {
        manifest.provenance.generator.clone()
    } else {
        (origin == Origin::Ai).then(|| generator_name(&command))
    };
    let edit = ProvenanceEdit {
        version: &new_version,
        parent: &parent,
        hint,
        origin,
        generator: generator.as_deref(),
        created: &crate::clock::now_rfc3339(),
    };
    let (manifest_text, mut warnings) = edit_checked(&manifest_text, &edit)
        .map_err(|reason| ReviewError::refused(action, entry.id(), reason.to_string()))?;
    sources
        .texts
        .insert(MANIFEST_FILE.to_string(), manifest_text);
    sources.texts.remove(REVIEW_FILE);

    // Stage the candidate, then rename it in through the journal.
    let mut intent = Intent::new(action, &lock);
    let staged = format!("{}/{dir_name}", intent.staging_relative());
    if let Err(e) = stage(ctx.root(), &entry, &sources, &staged) {
        let _ = std::fs::remove_dir_all(intent.staging_dir(ctx.root()));
        return Err(e);
    }
    let to_hash = hash_tool_folder(&ctx.root().join(&staged));
    intent.moves.push(Move {
        from: staged,
        to: target.clone(),
    });
    // The changed folder leaves the tier; the approved content, when kept, comes back.
    let restored_copy = if resubmitting {
        let folder = relative(ctx.root(), &entry.path);
        let staging = intent.staging_relative();
        intent.moves.push(Move {
            from: folder.clone(),
            to: format!("{staging}/changed"),
        });
        restore.as_ref().map(|_| {
            let copy = format!("{staging}/approved");
            intent.moves.push(Move {
                from: copy.clone(),
                to: folder,
            });
            copy
        })
    } else {
        None
    };
    intent.decisions.push(DecisionRecord {
        id: 0,
        tool: entry.name.clone(),
        action: if resubmitting {
            RESUBMIT.spec().records
        } else {
            DecisionAction::Evolve
        },
        who: ctx.who.clone(),
        at: crate::clock::now_rfc3339(),
        reason: Some(hint.to_string()),
        from_version: Some(entry.version.clone()),
        to_version: Some(new_version.clone()),
        from_tier: Some(entry.tier),
        to_tier: Some(Tier::Experimental),
        from_hash: Some(entry.content_hash.clone()),
        to_hash: Some(to_hash),
    });
    std::fs::create_dir_all(ctx.root().join(Tier::Experimental.dir_name()))
        .map_err(|e| ReviewError::io(&ctx.root().join(Tier::Experimental.dir_name()), &e))?;
    let versions = VersionStore::new(ctx.root());
    let records = journal::commit(
        ctx.root(),
        &mut store.clone(),
        &lock,
        &mut intent,
        || match (&restore, &restored_copy) {
            (Some(restore), Some(copy)) => {
                Ok(versions.copy_out(&restore.snapshot, copy, &restore.seal.hash)?)
            }
            _ => Ok(()),
        },
    )?;
    if origin == Origin::Ai && !command.is_empty() && !sources.skipped.is_empty() {
        warnings.push(format!(
            "not sent to the evolver (binary or larger than 1 MiB), copied as they were: {}",
            sources.skipped.join(", ")
        ));
    }
    let mut affected = vec![target.clone()];
    if resubmitting {
        affected.push(relative(ctx.root(), &entry.path));
    }
    let decision = Decision {
        action: records
            .first()
            .map_or(DecisionAction::Evolve, |record| record.action),
        tool: entry.name.clone(),
        version: new_version,
        from_version: Some(entry.version.clone()),
        from_tier: entry.tier,
        to_tier: Tier::Experimental,
        location: target,
        reason: Some(hint.to_string()),
        superseded: restore.map(|r| r.seal.version),
        snapshot: None,
        wrapped: false,
        records,
        recovered,
        warnings,
        commit: None,
        in_place: false,
        signed: None,
        affected,
    };
    drop(lock);
    Ok(after_decision(ctx, &mut store.clone(), decision))
}

/// What a resubmission of `entry` puts back, or why there is nothing to resubmit. `None`: it
/// was never approved here, and leaves its tier.
fn resubmission(ctx: &ReviewContext, entry: &ToolEntry) -> Result<Option<Restore>, ReviewError> {
    const ACTION: &str = RESUBMIT.spec().phrase;
    let seal = crate::seal::read(ctx.root(), &entry.name)?;
    match crate::seal::drift_of(entry, seal.as_ref()) {
        None => Err(ReviewError::refused(
            ACTION,
            entry.id(),
            format!(
                "{} is as it was approved; there is no change to send to review",
                relative(ctx.root(), &entry.path)
            ),
        )),
        // Seals never give the signature drifts; read as no approval on record.
        Some(
            crate::model::Drift::Unapproved
            | crate::model::Drift::Unsigned
            | crate::model::Drift::SignedOtherContent { .. }
            | crate::model::Drift::SignatureInvalid { .. }
            | crate::model::Drift::SignerNotAllowed { .. },
        ) => Ok(None),
        Some(crate::model::Drift::NotAccepted) => Err(crate::seal::not_accepted(ctx.root()).into()),
        Some(crate::model::Drift::Modified { .. }) => {
            let Some(seal) = seal else {
                return Ok(None);
            };
            let snapshot = VersionStore::relative_path(&seal.name, &seal.version, &seal.hash);
            if !ctx.root().join(&snapshot).is_dir() {
                return Err(ReviewError::refused(
                    ACTION,
                    entry.id(),
                    format!(
                        "the approved {}@{} ({}) is not kept, so nothing could run in its place; approve the change where it is, or archive the tool",
                        seal.name,
                        seal.version,
                        crate::model::short_hash(&seal.hash)
                    ),
                ));
            }
            Ok(Some(Restore { seal, snapshot }))
        }
    }
}

/// The files of a tool: text ones by relative path (what the evolver sees), and the rest.
struct Sources {
    texts: BTreeMap<String, String>,
    skipped: Vec<String>,
}

fn read_sources(entry: &ToolEntry, manifest: &crate::model::Manifest) -> Sources {
    let mut sources = Sources {
        texts: BTreeMap::new(),
        skipped: Vec::new(),
    };
    if entry.path.is_file() {
        // A bare script: the candidate is the script plus the manifest toolbench inferred.
        let name = entry
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match read_text_capped(&entry.path, MAX_SENT_FILE_BYTES) {
            Ok(text) => {
                sources.texts.insert(name, text);
            }
            Err(_) => sources.skipped.push(name),
        }
        sources.texts.insert(
            MANIFEST_FILE.to_string(),
            render_inferred_manifest(manifest),
        );
        return sources;
    }
    for relative in collect_files(&entry.path) {
        let key = relative.to_string_lossy().into_owned();
        // Symlinks and binaries are copied as they are, never sent.
        match read_tool_text(&entry.path.join(&relative), MAX_SENT_FILE_BYTES) {
            Ok(text) => {
                sources.texts.insert(key, text);
            }
            Err(_) => sources.skipped.push(key),
        }
    }
    sources
}

/// Writes the candidate into `staged` (relative to the root): the original's files (symlinks
/// and binaries as they are), then every text file as it should be now. Nothing is written
/// through a symlink: a copied link in a file's place is replaced by the file, one in a
/// folder's place makes the write fail.
fn stage(
    root: &Path,
    entry: &ToolEntry,
    sources: &Sources,
    staged: &str,
) -> Result<(), ReviewError> {
    let root_dir = Dir::open(root)?;
    // The state's folders are the owner's; the candidate's own is a tool folder like any.
    let (state, candidate) = Path::new(staged)
        .parent()
        .zip(Path::new(staged).file_name())
        .ok_or_else(|| ReviewError::Io {
            path: root.join(staged),
            reason: "not a staging folder".to_string(),
        })?;
    let staging = root_dir
        .create_dirs_with_mode(state, crate::workspace::private::DIR_MODE)?
        .create_dirs(Path::new(candidate))?;
    if entry.path.is_dir() {
        let source = root_dir.open_dir(Path::new(&relative(root, &entry.path)))?;
        copy_tree(&source, &staging, |mode| mode | 0o200)?;
        staging.sync_filesystem()?;
        let review = staging.path().join(REVIEW_FILE);
        if review.symlink_metadata().is_ok() {
            std::fs::remove_file(&review).map_err(|e| ReviewError::io(&review, &e))?;
        }
    }
    for (relative, text) in &sources.texts {
        staging.write(Path::new(relative), text.as_bytes(), 0o644)?;
    }
    Ok(())
}

/// `command` with its relative paths taken from `from` (the folder a person named it in, or
/// the workspace root for `[evolve] command`), as absolute paths without `.` parts: the evolver
/// runs in a scratch folder of its own, where they would name nothing. A word is such a path
/// when it is there and is written as one (with a `/`), or is an argument naming a file; the
/// program's bare name is left to be found on PATH, as a shell finds it.
fn evolver_argv(command: &[String], from: &Path) -> Vec<String> {
    command
        .iter()
        .enumerate()
        .map(|(at, word)| {
            let path = Path::new(word);
            let full = from.join(path);
            let taken = path.is_relative()
                && if word.contains('/') {
                    full.exists()
                } else {
                    at > 0 && full.is_file()
                };
            if taken {
                let clean: PathBuf = full.components().collect();
                clean.to_string_lossy().into_owned()
            } else {
                word.clone()
            }
        })
        .collect()
}

/// `python3 /x/evolvers/append_note.py` → `python3 append_note.py`.
fn generator_name(command: &[String]) -> String {
    command
        .iter()
        .map(|word| {
            Path::new(word)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| word.clone())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why `version` and `[provenance]` could not be set.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProvenanceEditError {
    #[error("{0}")]
    NotToml(String),
    #[error("`provenance` is not a table")]
    NotTable,
}

/// Why the candidate's manifest could not be edited safely.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ManifestEditError {
    #[error("cannot edit {MANIFEST_FILE}: {0}")]
    Cannot(ProvenanceEditError),
    #[error(
        "{MANIFEST_FILE} writes version or [provenance] in a form toolbench cannot edit; edit it by hand"
    )]
    Unrecognized,
    #[error("editing {MANIFEST_FILE} would break it ({0})")]
    WouldBreak(crate::catalog::manifest::ManifestError),
}

/// Runs the evolver in the sandbox (no shell; network and inherited variables only as the
/// configuration says, since it reads the tool's text and may be talked into anything by it;
/// killed after `timeout`) and returns the files it wants changed. Errors are one line.
pub(crate) fn run_evolver(
    ctx: &ReviewContext,
    command: &[String],
    request: &serde_json::Value,
    timeout: Duration,
) -> Result<BTreeMap<String, String>, EvolverError> {
    if command.is_empty() {
        return Err(EvolverError::EmptyCommand);
    }
    let confinement = ctx.confinement().into_owned();
    let env = ctx
        .config()
        .evolve_pass_env
        .iter()
        .filter_map(|name| Some((name.clone(), std::env::var(name).ok()?)))
        .collect();
    // The program and any file it is given (a script) must stay readable.
    let visible = command
        .iter()
        .map(Path::new)
        .filter(|p| p.is_absolute() && p.exists())
        .map(Path::to_path_buf)
        .collect();
    let program = Program {
        argv: command.to_vec(),
        stdin: Some(request.to_string().into_bytes()),
        env,
        network: ctx.config().evolve_network,
        visible,
        // A program the person configured: it reads what the sandbox leaves, as it would.
        only_visible: false,
        timeout,
        writable: None,
        hosts: Vec::new(),
        memory_mb: None,
        max_file_size_mb: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(EvolverError::Runtime)?;
    let finished = runtime.block_on(confined_program::run(
        ctx.root(),
        ctx.exe(),
        &confinement,
        program,
    ))?;
    if !finished.success() {
        let stderr = String::from_utf8_lossy(&finished.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        let how = match finished.exit_code {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(EvolverError::Failed { how, last });
    }
    if finished.stdout_cut {
        return Err(EvolverError::TooMuch(confined_program::MAX_OUTPUT));
    }
    Ok(parse_evolver_output(&finished.stdout)?)
}

/// `{"files": {"relative/path": "text"}}`, with every path relative and inside the folder.
pub(crate) fn parse_evolver_output(
    stdout: &[u8],
) -> Result<BTreeMap<String, String>, EvolverOutputError> {
    let value: serde_json::Value =
        serde_json::from_slice(stdout).map_err(EvolverOutputError::NotJson)?;
    let Some(files) = value.get("files").and_then(|f| f.as_object()) else {
        return Err(EvolverOutputError::NoFiles);
    };
    let mut out = BTreeMap::new();
    for (path, text) in files {
        if !is_relative_inside(path) || path.ends_with('/') {
            return Err(EvolverOutputError::BadPath(path.clone()));
        }
        let Some(text) = text.as_str() else {
            return Err(EvolverOutputError::NotText(path.clone()));
        };
        let normalized: PathBuf = Path::new(path)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        out.insert(normalized.to_string_lossy().into_owned(), text.to_string());
    }
    Ok(out)
}

/// What evolve writes into the new `tool.toml`.
pub(crate) struct ProvenanceEdit<'a> {
    pub(crate) version: &'a str,
    pub(crate) parent: &'a ToolId,
    pub(crate) hint: &'a str,
    pub(crate) origin: Origin,
    /// `None` removes a `generator` key (a human edits this copy, not the old generator).
    pub(crate) generator: Option<&'a str>,
    pub(crate) created: &'a str,
}

/// Edits, then checks the result still parses to what was asked; returns warnings when the
/// manifest was already broken before the edit (the candidate stays broken for review).
fn edit_checked(
    text: &str,
    edit: &ProvenanceEdit<'_>,
) -> Result<(String, Vec<String>), ManifestEditError> {
    let file = Path::new(MANIFEST_FILE);
    let edited = match set_version_and_provenance(text, edit) {
        Ok(edited) => edited,
        // Not TOML at all (an evolver wrote it so): nothing to edit; it stays broken for review.
        Err(reason) => {
            return match parse_manifest(text, file) {
                Ok(_) => Err(ManifestEditError::Cannot(reason)),
                Err(before) => Ok((
                    text.to_string(),
                    vec![format!("the candidate's manifest is broken: {before}")],
                )),
            };
        }
    };
    match parse_manifest(&edited, file) {
        Ok(parsed) => {
            let m = parsed.manifest;
            let ok = m.version.to_string() == edit.version
                && m.provenance.parent.as_ref() == Some(edit.parent)
                && m.provenance.hint.as_deref() == Some(edit.hint)
                && m.provenance.origin == Some(edit.origin);
            if ok {
                Ok((edited, Vec::new()))
            } else {
                Err(ManifestEditError::Unrecognized)
            }
        }
        Err(after) => match parse_manifest(text, file) {
            Ok(_) => Err(ManifestEditError::WouldBreak(after)),
            Err(before) => Ok((
                edited,
                vec![format!("the candidate's manifest is broken: {before}")],
            )),
        },
    }
}

/// Sets the top-level `version` and the `[provenance]` keys through a TOML document editor,
/// so every other key, comment, quoting style and blank line stays as it was. A replaced
/// value keeps its trailing comment; missing keys are added at the end of their table (a
/// missing `[provenance]` table at the end of the file). Fails only when `text` is not TOML
/// or `provenance` is not a table.
pub(crate) fn set_version_and_provenance(
    text: &str,
    edit: &ProvenanceEdit<'_>,
) -> Result<String, ProvenanceEditError> {
    use toml_edit::{DocumentMut, Item, Table, Value};

    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ProvenanceEditError::NotToml(e.message().to_string()))?;
    set_value(doc.as_table_mut(), "version", Value::from(edit.version));
    if !doc.contains_key("provenance") {
        let mut table = Table::new();
        table.set_implicit(false);
        doc.insert("provenance", Item::Table(table));
    }
    let provenance = doc
        .get_mut("provenance")
        .and_then(Item::as_table_like_mut)
        .ok_or(ProvenanceEditError::NotTable)?;
    // A datetime as written (`.000Z` and all), else a string.
    let created = match edit.created.parse::<Value>() {
        Ok(at) if at.is_datetime() => at,
        _ => Value::from(edit.created),
    };
    set_value(provenance, "origin", Value::from(edit.origin.as_str()));
    match edit.generator {
        Some(generator) => set_value(provenance, "generator", Value::from(generator)),
        None => {
            provenance.remove("generator");
        }
    }
    set_value(provenance, "created", created);
    set_value(provenance, "parent", Value::from(edit.parent.to_string()));
    set_value(provenance, "hint", Value::from(edit.hint));
    Ok(doc.to_string())
}

/// Replaces `key`'s value in place (keeping the spacing and the comment around it), or adds
/// the key.
fn set_value(table: &mut dyn toml_edit::TableLike, key: &str, mut value: toml_edit::Value) {
    match table.get_mut(key).and_then(toml_edit::Item::as_value_mut) {
        Some(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        None => {
            table.insert(key, toml_edit::Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The evolver runs in a scratch folder: what names a file where the person is must
    /// reach it whole, as a shell would have found it, and nothing else is taken as a path.
    #[test]
    fn evolver_paths_are_taken_from_where_the_command_was_named() {
        let from = tempfile::tempdir().expect("tempdir");
        let dir = from.path();
        for file in ["append_note.py", "python3", "sub/x.py"] {
            std::fs::create_dir_all(dir.join(file).parent().expect("parent")).expect("dir");
            std::fs::write(dir.join(file), "").expect("file");
        }
        let argv = |words: &[&str]| {
            let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            evolver_argv(&words, dir)
        };
        let at = |path: &str| dir.join(path).to_string_lossy().into_owned();
        assert_eq!(
            argv(&["python3", "append_note.py"]),
            ["python3".to_string(), at("append_note.py")],
            "a bare program is found on PATH; an argument naming a file here is that file"
        );
        assert_eq!(
            argv(&["python3", "./append_note.py", "sub/./x.py", "./python3"]),
            [
                "python3".to_string(),
                at("append_note.py"),
                at("sub/x.py"),
                at("python3")
            ],
            "written with `./`, shown without it"
        );
        assert_eq!(
            argv(&["./sub/x.py", "--mode", "sub", "missing.py", "/abs/./y.py"]),
            [
                at("sub/x.py"),
                "--mode".into(),
                "sub".into(),
                "missing.py".into(),
                "/abs/./y.py".into()
            ],
            "a folder's bare name, a missing file and an absolute path stay as given"
        );
    }

    fn parent() -> ToolId {
        "csv_to_json@1.2.0".parse().expect("valid")
    }

    fn edit(parent: &ToolId, origin: Origin) -> ProvenanceEdit<'_> {
        ProvenanceEdit {
            version: "1.3.0",
            parent,
            hint: "Detect the delimiter",
            origin,
            generator: None,
            created: "2026-11-01T00:00:00.000Z",
        }
    }

    fn rewrite(text: &str, edit: &ProvenanceEdit<'_>) -> String {
        set_version_and_provenance(text, edit).expect("editable")
    }

    #[test]
    fn version_and_provenance_are_set_and_comments_survive() {
        let parent = parent();
        let text = r#"# the csv tool
name = "csv_to_json"
version = "1.2.0" # bump me
description = """
version = 9
"""

[run]
command = ["python3", "main.py"]

[provenance]
# who made it
origin = "ai"
generator = "claude-code"

[service]
port = "auto"
"#;
        let out = rewrite(text, &edit(&parent, Origin::Human));
        assert_eq!(
            out,
            r#"# the csv tool
name = "csv_to_json"
version = "1.3.0" # bump me
description = """
version = 9
"""

[run]
command = ["python3", "main.py"]

[provenance]
# who made it
origin = "human"
created = 2026-11-01T00:00:00.000Z
parent = "csv_to_json@1.2.0"
hint = "Detect the delimiter"

[service]
port = "auto"
"#
        );
        let parsed = parse_manifest(&out, Path::new("tool.toml")).expect("still valid");
        assert_eq!(parsed.manifest.version.to_string(), "1.3.0");
        let quoted = ProvenanceEdit {
            hint: "Say \"hi\" to 'them'\nand \\ more",
            ..edit(&parent, Origin::Ai)
        };
        let out = rewrite(&out, &quoted);
        let parsed = parse_manifest(&out, Path::new("tool.toml")).expect("quotes survive");
        assert_eq!(
            parsed.manifest.provenance.hint.as_deref(),
            Some("Say \"hi\" to 'them'\nand \\ more")
        );
    }

    #[test]
    fn a_missing_provenance_table_is_appended() {
        let parent = parent();
        let text =
            "name = \"x\"\nversion = \"0.1.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\"]";
        let out = rewrite(text, &edit(&parent, Origin::Ai));
        assert_eq!(
            out,
            r#"name = "x"
version = "1.3.0"
description = "d"
[run]
command = ["sh"]

[provenance]
origin = "ai"
created = 2026-11-01T00:00:00.000Z
parent = "csv_to_json@1.2.0"
hint = "Detect the delimiter"
"#
        );
        let out = rewrite("name = \"x\"\n", &edit(&parent, Origin::Ai));
        assert!(
            out.starts_with("name = \"x\"\nversion = \"1.3.0\"\n"),
            "{out}"
        );
    }

    #[test]
    fn odd_quoting_and_look_alike_keys_are_left_alone() {
        let parent = parent();
        // Single-quoted strings, an inline table, `version` inside other tables, in a comment
        // and in a multi-line literal string, a `parent` already present.
        let text = r#"# version = "0.0.1" is not the version
name = 'csv_to_json'
version='1.2.0'   # literal, no spaces
description = '''
version = "9.9.9"
[provenance]
parent = "fake@0.0.1"
'''
keywords = [ 'csv', "json" ]

[run]
command = ["python3", 'main.py']
env = { version = "3", LANG = 'C' }

[input]
version = "draft-07"

[provenance]
parent   =   'csv_to_json@1.1.0'   # was evolved before
origin = 'ai'   # by the agent
generator = "bot"
hint = '''
Old hint'''
"#;
        let out = rewrite(text, &edit(&parent, Origin::Ai));
        let expected = r#"# version = "0.0.1" is not the version
name = 'csv_to_json'
version="1.3.0"   # literal, no spaces
description = '''
version = "9.9.9"
[provenance]
parent = "fake@0.0.1"
'''
keywords = [ 'csv', "json" ]

[run]
command = ["python3", 'main.py']
env = { version = "3", LANG = 'C' }

[input]
version = "draft-07"

[provenance]
parent   =   "csv_to_json@1.2.0"   # was evolved before
origin = "ai"   # by the agent
hint = "Detect the delimiter"
created = 2026-11-01T00:00:00.000Z
"#;
        assert_eq!(out, expected);
    }

    #[test]
    fn an_inline_or_dotted_provenance_is_edited_where_it_is() {
        let parent = parent();
        let inline = "name = \"x\"\nversion = \"0.1.0\"\nprovenance = { origin = \"ai\", parent = \"x@0.0.1\" } # made\n[run]\ncommand = [\"sh\"]\n";
        let out = rewrite(inline, &edit(&parent, Origin::Human));
        // The replaced value keeps its spacing (here the space before `}`); new keys follow.
        assert_eq!(
            out,
            "name = \"x\"\nversion = \"1.3.0\"\nprovenance = { origin = \"human\", parent = \"csv_to_json@1.2.0\" , created = 2026-11-01T00:00:00.000Z, hint = \"Detect the delimiter\" } # made\n[run]\ncommand = [\"sh\"]\n"
        );
        let dotted = "name = \"x\"\nversion = \"0.1.0\"\nprovenance.origin = \"ai\"\nprovenance.generator = \"bot\"\n[run]\ncommand = [\"sh\"]\n";
        let out = rewrite(dotted, &edit(&parent, Origin::Human));
        assert_eq!(
            out,
            "name = \"x\"\nversion = \"1.3.0\"\nprovenance.origin = \"human\"\nprovenance.created = 2026-11-01T00:00:00.000Z\nprovenance.parent = \"csv_to_json@1.2.0\"\nprovenance.hint = \"Detect the delimiter\"\n[run]\ncommand = [\"sh\"]\n"
        );
    }

    #[test]
    fn text_that_is_not_toml_or_a_provenance_that_is_not_a_table_is_refused() {
        let parent = parent();
        let edit = edit(&parent, Origin::Ai);
        assert!(set_version_and_provenance("name = \"x\nversion =", &edit).is_err());
        let err = set_version_and_provenance("name = \"x\"\nprovenance = \"ai\"\n", &edit)
            .expect_err("not a table")
            .to_string();
        assert!(err.contains("not a table"), "{err}");
    }

    #[test]
    fn evolver_paths_must_stay_inside_the_folder() {
        let ok = parse_evolver_output(br#"{"files": {"./main.py": "x", "tests/a.toml": "y"}}"#)
            .expect("valid");
        assert_eq!(ok.keys().collect::<Vec<_>>(), ["main.py", "tests/a.toml"]);
        for bad in [
            r#"{"files": {"../x": "y"}}"#,
            r#"{"files": {"/etc/passwd": "y"}}"#,
            r#"{"files": {"a/../../b": "y"}}"#,
            r#"{"files": {"a": 1}}"#,
            r#"{"nope": {}}"#,
            "not json",
        ] {
            assert!(parse_evolver_output(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    #[test]
    fn edited_files_become_the_candidate_and_the_original_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        crate::workspace::init_workspace(root).expect("init");
        let folder = root.join("approved/greet");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            "# greets\nname = \"greet\"\nversion = \"1.2.3\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n",
        )
        .expect("manifest");
        std::fs::write(folder.join("run.sh"), "echo hi\n").expect("script");
        crate::seal::accept_all(root, "ana").expect("a person accepts greet");
        let store = SharedStore::new(crate::store::Store::open(root).expect("store"));
        let ctx = ReviewContext::new(root, "ana");
        let edits = BTreeMap::from([("run.sh".to_string(), "echo hello\n".to_string())]);
        let decision = evolve_with_edits(&ctx, &store, &ToolId::named("greet"), "say hello", edits)
            .expect("evolve");
        assert_eq!(decision.version, "1.3.0");
        let candidate = root.join("experimental/greet-1.3.0");
        assert_eq!(
            std::fs::read_to_string(candidate.join("run.sh")).expect("read"),
            "echo hello\n"
        );
        let manifest = std::fs::read_to_string(candidate.join("tool.toml")).expect("read");
        assert!(
            manifest.contains("version = \"1.3.0\"")
                && manifest.contains("parent = \"greet@1.2.3\""),
            "{manifest}"
        );
        assert!(
            manifest.contains("origin = \"human\"") && manifest.starts_with("# greets"),
            "{manifest}"
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("run.sh")).expect("read"),
            "echo hi\n"
        );

        let escape = BTreeMap::from([("../evil.sh".to_string(), "x".to_string())]);
        let err = evolve_with_edits(&ctx, &store, &ToolId::named("greet"), "again", escape)
            .expect_err("refused");
        assert!(
            err.to_string()
                .contains("not a relative path inside the tool"),
            "{err}"
        );
    }
}
