//! Definitions on disk: `core/NAME/tool.toml` with a `[service]` section, written by
//! `tools define` and `tools import`. A human wrote it, so it lives in core.
//!
//! A definition lands whole or not at all: its folder is assembled in a private staging
//! folder beside it (a dot folder, which the scan and the watcher skip), checked there, and
//! then renamed into place, or swapped with the folder it updates, under the tool's lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ServiceError;
use super::executable::locate_executable;
use super::field_refused::FieldRefused;
use crate::model::MANIFEST_FILE;
use crate::model::service_definition::{DefinedFile, Definition};
use crate::model::{Tier, ToolEntry};
use crate::review::lock::ToolLock;
use crate::review::propose::PathError;
use crate::runner::confinement::Confinement;
use crate::safe_fs::{Dir, SafeFsError};

/// Where the definition `name` lives.
pub(crate) fn definition_dir(root: &Path, name: &str) -> PathBuf {
    root.join(Tier::Core.dir_name()).join(name)
}

/// The definition already in `core/NAME`, if there is one; a core tool that is not a service
/// is an error (define never overwrites it).
pub(crate) fn existing(
    root: &Path,
    name: &str,
) -> Result<Option<(Definition, semver::Version)>, ServiceError> {
    let path = definition_dir(root, name).join(MANIFEST_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ServiceError::Refused(format!("{}: cannot read: {e}", path.display())))?;
    let parsed = crate::catalog::manifest::parse_manifest(&text, &path)?;
    let manifest = parsed.manifest;
    let service = manifest.service.clone().ok_or_else(|| {
        ServiceError::Refused(format!(
            "{}: core tool {name} is not a service (no [service] section); not overwritten",
            path.display()
        ))
    })?;
    Ok(Some((
        Definition::of(&manifest, &service),
        manifest.version,
    )))
}

/// The files of the tool folder `dir` besides its `tool.toml`, for an export that carries
/// them. A symlink is refused: an import could not tell where it leads.
pub(crate) fn files_of(dir: &Path) -> Result<BTreeMap<String, DefinedFile>, ServiceError> {
    use std::os::unix::fs::PermissionsExt;
    let mut files = BTreeMap::new();
    for relative in crate::catalog::scan::collect_files(dir) {
        if relative == Path::new(MANIFEST_FILE) {
            continue;
        }
        let path = dir.join(&relative);
        let cannot = |e: std::io::Error| {
            ServiceError::Refused(format!("{}: cannot export: {e}", path.display()))
        };
        let meta = std::fs::symlink_metadata(&path).map_err(cannot)?;
        if !meta.is_file() {
            return Err(ServiceError::Refused(format!(
                "{}: cannot export a symlink; replace it with the file",
                path.display()
            )));
        }
        let bytes = std::fs::read(&path).map_err(cannot)?;
        let executable = meta.permissions().mode() & 0o111 != 0;
        files.insert(
            relative.to_string_lossy().into_owned(),
            DefinedFile { bytes, executable },
        );
    }
    Ok(files)
}

/// The definition's `files` refused, named as the field. The manifest's own name is said as
/// a definition takes it: written from the definition, whose fields import takes.
fn files_refused(e: PathError) -> FieldRefused {
    match e {
        PathError::Manifest { path } => FieldRefused::with_import_reason(
            "files",
            format!(
                "files: {path:?}: the manifest is written from the definition, so no file may \
                 take its name; copy the executable under another name"
            ),
            format!(
                "{path:?} is written from the definition's fields; give them as fields, not as \
                 a file"
            ),
        ),
        other => FieldRefused::new("files", other.to_string(), "files: "),
    }
}

/// Writes `def` to `core/NAME/`: its `tool.toml` at version 1.0.0 when new, the next patch
/// version when it replaces one, and `def.files` beside it (an update keeps the other files
/// the folder had). Nothing changes unless all of it is written and its executable found.
/// An update first asks `may_update`, under the tool's lock (a launch claims its instance
/// under it), whether the service may be replaced now.
pub(crate) fn write(
    root: &Path,
    confinement: &Confinement,
    def: Definition,
    may_update: impl FnOnce() -> Result<(), ServiceError>,
) -> Result<PathBuf, ServiceError> {
    if !crate::model::is_valid_name(&def.name) {
        return Err(ServiceError::Refused(format!(
            "tool name {:?} is not valid: {}",
            def.name,
            crate::model::NAME_RULE
        )));
    }
    crate::review::propose::check_paths(def.files.keys().map(String::as_str))
        .map_err(files_refused)?;
    let dir = definition_dir(root, &def.name);
    // A program outside the folder is checked before anything is written; one the definition
    // brings (`./server.py`) once it is staged.
    if def.executable.starts_with('/') || !def.executable.contains('/') {
        locate_executable(&def.executable, &dir).map_err(FieldRefused::executable)?;
    }
    check_reachable(confinement, &def)?;
    // A definition is sealed: nothing is, in a workspace whose tools nobody accepted here yet.
    crate::seal::ensure_accepted(root).map_err(|e| ServiceError::Refused(e.to_string()))?;
    let _lock =
        ToolLock::acquire(root, &def.name).map_err(|e| ServiceError::Refused(e.to_string()))?;
    let existing = existing(root, &def.name)?;
    if existing.is_some() {
        may_update()?;
        // An update carries the folder's other files over and seals the result: only content
        // a person accepted may be carried, never a change made since.
        refuse_unaccepted(root, &def.name, &dir)?;
    }
    let version = match &existing {
        Some((_, v)) => semver::Version::new(v.major, v.minor, v.patch + 1),
        None => semver::Version::new(1, 0, 0),
    };
    let text = def.to_manifest_toml(&version.to_string())?;
    let core = Dir::open(root)
        .and_then(|root| root.create_dirs(Path::new(Tier::Core.dir_name())))
        .map_err(refused)?;
    let staging = PathBuf::from(format!(
        ".define-{}-{}-{}",
        def.name,
        std::process::id(),
        crate::clock::unique_nanos()
    ));
    let staged = core.create_dir_new(&staging, 0o755).map_err(refused)?;
    // What is sealed is what was staged, hashed before it takes the tool's place: nothing
    // written into the folder after the swap is sealed with it.
    let mut staged_hash = String::new();
    let landed = stage(&staged, &core, &def, &text, existing.is_some())
        .and_then(|()| {
            // Named as the definition gives it, not by the staging folder it was looked in.
            let found = locate_executable(&def.executable, staged.path());
            found
                .map(drop)
                .map_err(|e| FieldRefused::executable(e.named_as(&def.executable)).into())
        })
        .map(|()| staged_hash = crate::catalog::scan::hash_tool_folder(staged.path()))
        .and_then(|()| {
            let name = Path::new(&def.name);
            let moved = if existing.is_some() {
                core.exchange(&staging, name)
            } else {
                core.rename_noreplace(&staging, name)
            };
            moved
                .map_err(|e| ServiceError::Refused(format!("{}: cannot write: {e}", dir.display())))
        });
    // The staging folder, or after a swap the folder it replaced.
    let _ = std::fs::remove_dir_all(core.path().join(&staging));
    landed?;
    // The person defining it accepts what the folder now holds.
    let seal = crate::model::seals::Seal {
        name: def.name.clone(),
        tier: Tier::Core,
        version: version.to_string(),
        hash: staged_hash,
        by: def.defined_by.clone(),
        at: crate::clock::now_rfc3339(),
        how: "define".to_string(),
        tag: None,
    };
    crate::seal::write(root, &seal)
        .map_err(|e| ServiceError::Refused(format!("{}: {e}", dir.display())))?;
    Ok(dir.join(MANIFEST_FILE))
}

/// Fills the staging folder: the folder it updates, then the definition's files over it, then
/// its `tool.toml`; synced once.
fn stage(
    staged: &Dir,
    core: &Dir,
    def: &Definition,
    manifest: &str,
    updating: bool,
) -> Result<(), ServiceError> {
    if updating {
        let current = core.open_dir(Path::new(&def.name)).map_err(refused)?;
        crate::safe_fs::copy_tree(&current, staged, |mode| mode).map_err(refused)?;
    }
    let files = def.files.iter().map(|(path, file)| {
        let mode = if file.executable { 0o755 } else { 0o644 };
        (path.as_str(), file.bytes.as_slice(), mode)
    });
    for (path, bytes, mode) in files.chain([(MANIFEST_FILE, manifest.as_bytes(), 0o644)]) {
        // Replaced, not written over: a copied file keeps nothing of the one before.
        let _ = std::fs::remove_file(staged.path().join(path));
        staged
            .write_new(Path::new(path), bytes, mode)
            .map_err(refused)?;
    }
    staged.sync_filesystem().map_err(refused)
}

/// Refuses to update `core/NAME` when its content is not what its seal says was accepted.
fn refuse_unaccepted(root: &Path, name: &str, dir: &Path) -> Result<(), ServiceError> {
    let sealed = crate::seal::read(root, name)
        .map_err(|e| ServiceError::Refused(e.to_string()))?
        .map(|seal| seal.hash);
    let now = crate::catalog::scan::hash_tool_folder(dir);
    if sealed.as_deref() == Some(now.as_str()) {
        return Ok(());
    }
    Err(ServiceError::Refused(format!(
        "{}: its content is not what was accepted ({}); an update would seal the change \
         unseen: look at it, then `toolbench resubmit {name}` or `toolbench approve {name}`",
        dir.display(),
        match sealed {
            Some(hash) => format!(
                "accepted {}, now {}",
                crate::model::short_hash(&hash),
                crate::model::short_hash(&now)
            ),
            None => "it was never accepted here".to_string(),
        }
    )))
}

/// Refuses a new definition named as a tool in `approved/` or `experimental/` (`named`, every
/// tool of that name): core goes before both, so the service would hide an active tool, or a
/// candidate that could then never be approved, without a word.
pub(crate) fn refuse_shadowing(name: &str, named: &[ToolEntry]) -> Result<(), ServiceError> {
    let remedy = |tier| match tier {
        Tier::Approved => Some("active in approved/: archive it first"),
        Tier::Experimental => Some("waiting for review in experimental/: reject it first"),
        Tier::Core | Tier::Archived => None,
    };
    let Some((other, remedy)) = named
        .iter()
        .find_map(|entry| remedy(entry.tier).map(|remedy| (entry, remedy)))
    else {
        return Ok(());
    };
    Err(ServiceError::Refused(format!(
        "{name}: {} is {remedy}, or define the service under another name (a service in \
         core/ would go before it)",
        other.id()
    )))
}

fn refused(e: SafeFsError) -> ServiceError {
    ServiceError::Refused(e.to_string())
}

/// Refuses a definition whose executable, or a launch argument naming an absolute path, lies
/// where the sandbox shows the service nothing of the host's: it would be defined and never run.
fn check_reachable(confinement: &Confinement, def: &Definition) -> Result<(), ServiceError> {
    let named = std::iter::once(("executable", "executable".to_string(), &def.executable))
        .chain(
            def.launch_args
                .iter()
                .enumerate()
                .map(|(i, arg)| ("launch argument", format!("launch_args[{i}]"), arg)),
        )
        .filter(|(_, _, path)| path.starts_with('/'));
    for (what, field, path) in named {
        let Some(why) = confinement.unseen(Path::new(path)) else {
            continue;
        };
        // A copy into the tool folder makes it seen: `--copy` for `tools define`, the
        // definition's `files` for `tools import`. Either copies the executable only: a
        // script an interpreter is given stays where it is, unless it becomes the executable.
        let (define_remedy, import_remedy) = if what == "executable" {
            (
                "define with --copy".to_string(),
                "bring it in the definition's `files` and name it `./FILE`".to_string(),
            )
        } else {
            (
                format!(
                    "make it the executable, copied into the tool folder: \
                     `--executable {path} --copy` (it needs a `#!` line)"
                ),
                "make it the executable, brought in the definition's `files` (it needs a `#!` \
                 line)"
                    .to_string(),
            )
        };
        let facts = format!(
            "{path}: the service would not see it in the sandbox ({why}); move it elsewhere"
        );
        return Err(FieldRefused::with_import_reason(
            &field,
            format!("{what} {facts}, or {define_remedy}"),
            format!("{facts}, or {import_remedy}"),
        )
        .into());
    }
    Ok(())
}
