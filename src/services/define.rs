//! Definitions on disk: `core/NAME/tool.toml` with a `[service]` section, written by
//! `tools define` and `tools import`. A human wrote it, so it lives in core.

use std::path::{Path, PathBuf};

use super::ServiceError;
use super::definition::{Definition, locate_executable};
use crate::config::Config;
use crate::model::Tier;
use crate::runner::confine::Confinement;

/// Where the definition `name` lives.
pub fn definition_dir(root: &Path, name: &str) -> PathBuf {
    root.join(Tier::Core.dir_name()).join(name)
}

/// The definition already in `core/NAME`, if there is one; a core tool that is not a service
/// is an error (define never overwrites it).
pub fn existing(
    root: &Path,
    name: &str,
) -> Result<Option<(Definition, semver::Version)>, ServiceError> {
    let path = definition_dir(root, name).join("tool.toml");
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

/// Writes `def` to `core/NAME/tool.toml`: version 1.0.0 when new, the next patch version when
/// it replaces one. `copy`: the executable file to copy into the folder first.
pub fn write(
    root: &Path,
    config: &Config,
    mut def: Definition,
    copy: Option<&Path>,
) -> Result<PathBuf, ServiceError> {
    if !crate::model::is_valid_name(&def.name) {
        return Err(ServiceError::Refused(format!(
            "tool name {:?} is not valid: {}",
            def.name,
            crate::model::NAME_RULE
        )));
    }
    let dir = definition_dir(root, &def.name);
    if copy.is_none() {
        locate_executable(&def.executable, &dir)?;
    }
    check_reachable(&Confinement::new(root, config), &def)?;
    let version = match existing(root, &def.name)? {
        Some((_, v)) => semver::Version::new(v.major, v.minor, v.patch + 1),
        None => semver::Version::new(1, 0, 0),
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| ServiceError::Refused(format!("{}: cannot create: {e}", dir.display())))?;
    if let Some(source) = copy {
        let file_name = source
            .file_name()
            .ok_or_else(|| ServiceError::Refused(format!("{}: not a file", source.display())))?;
        let target = dir.join(file_name);
        std::fs::copy(source, &target).map_err(|e| {
            ServiceError::Refused(format!(
                "{}: cannot copy into {}: {e}",
                source.display(),
                dir.display()
            ))
        })?;
        def.executable = format!("./{}", file_name.to_string_lossy());
    }
    locate_executable(&def.executable, &dir)?;
    let text = def.to_manifest_toml(&version.to_string())?;
    let path = dir.join("tool.toml");
    let temp = dir.join(".tool.toml.new");
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| ServiceError::Refused(format!("{}: cannot write: {e}", path.display())))?;
    // The person defining it accepts what the folder now holds.
    let seal = crate::seal::Seal {
        name: def.name.clone(),
        tier: Tier::Core,
        version: version.to_string(),
        hash: crate::catalog::scan::hash_tool_folder(&dir),
        by: def.defined_by.clone(),
        at: crate::clock::now_rfc3339(),
        how: "define".to_string(),
    };
    crate::seal::write(root, &seal)
        .map_err(|e| ServiceError::Refused(format!("{}: {e}", dir.display())))?;
    Ok(path)
}

/// Refuses a definition whose executable, or a launch argument naming an absolute path, lies
/// where the sandbox shows the service nothing of the host's: it would be defined and never run.
fn check_reachable(confinement: &Confinement, def: &Definition) -> Result<(), ServiceError> {
    let named = std::iter::once(("executable", &def.executable))
        .chain(def.launch_args.iter().map(|arg| ("launch argument", arg)))
        .filter(|(_, path)| path.starts_with('/'));
    for (what, path) in named {
        if let Some(why) = confinement.unseen(Path::new(path)) {
            return Err(ServiceError::Refused(format!(
                "{what} {path}: the service would not see it in the sandbox ({why}); \
                 move it elsewhere, or define with --copy"
            )));
        }
    }
    Ok(())
}
