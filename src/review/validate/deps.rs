//! The dependencies check: what the tool declares (PEP 723 or `requirements.txt`), whether the
//! config lets it be resolved, its lock (`pylock.toml`, resolved for exactly what it declares)
//! and its environment, installed from the lock in the sandbox so its test cases run with it.

use std::path::Path;

use crate::model::ToolEntry;
use crate::model::deps::{Declared, LOCK_FILE, Lock};
use crate::model::settings::DependencySettings;
use crate::review::ReviewContext;
use crate::runner::package_builder::Packager;
use crate::runner::packages::Sources;

use super::{Check, CheckKind, CheckStatus, Finding, FindingSeverity};

/// What the tool declares, judged against the config; `Err` is the failed check.
pub(crate) fn declared(
    entry: &ToolEntry,
    tool_dir: &Path,
    settings: &DependencySettings,
) -> Result<Option<Declared>, Check> {
    let Some(manifest) = entry.manifest.as_deref() else {
        return Ok(None);
    };
    let declared = crate::catalog::deps::read_declared(tool_dir, manifest)
        .map_err(|e| fail(relative_error(&e.to_string(), tool_dir)))?;
    let Some(declared) = declared else {
        return Ok(None);
    };
    if let Some(direct) = declared.direct().next() {
        let allowed = settings.allow_direct && manifest.dependencies.allow_direct;
        if !allowed {
            return Err(fail(format!(
                "{}{}: field `dependencies`: {direct:?} names a URL or a path, refused unless \
                 the manifest's and your config's [dependencies] both say allow_direct = true",
                declared.file,
                line_of(&tool_dir.join(&declared.file), direct)
                    .map(|line| format!(":{line}"))
                    .unwrap_or_default()
            )));
        }
    }
    Ok(Some(declared))
}

/// The line of the file at `path` that holds `requirement` (1-based), to name it by.
fn line_of(path: &Path, requirement: &str) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .position(|line| line.contains(requirement.trim()))
        .map(|at| at + 1)
}

fn fail(message: String) -> Check {
    Check::new(CheckKind::Dependencies, CheckStatus::Fail, message)
}

/// An error naming a file of the tool, by its path within the tool.
fn relative_error(message: &str, tool_dir: &Path) -> String {
    let prefix = format!("{}/", tool_dir.display());
    message.replace(&prefix, "")
}

/// The check, with the lock's findings: declarations, lock and environment. The environment
/// is installed (in the sandbox) when it is not built yet.
pub(crate) async fn check(
    review: &ReviewContext,
    entry: &ToolEntry,
    tool_dir: &Path,
) -> (Check, Vec<Finding>) {
    let settings = &review.config().dependencies;
    if entry.manifest.is_none() {
        let unknown = Check::new(
            CheckKind::Dependencies,
            CheckStatus::Skip,
            "not checked: the manifest could not be read",
        );
        return (unknown, Vec::new());
    }
    let declared = match declared(entry, tool_dir, settings) {
        Err(failed) => return (failed, Vec::new()),
        Ok(declared) => declared,
    };
    let lock = match crate::catalog::deps::read_lock(tool_dir) {
        Err(e) => return (fail(relative_error(&e.to_string(), tool_dir)), Vec::new()),
        Ok(lock) => lock,
    };
    let (declared, lock) = match (declared, lock) {
        (None, None) => {
            let none = Check::new(
                CheckKind::Dependencies,
                CheckStatus::Skip,
                "declares no packages",
            );
            return (none, Vec::new());
        }
        (Some(declared), None) => {
            return (
                fail(format!(
                    "{} declares packages but the tool has no {LOCK_FILE} resolved for them",
                    declared.file
                )),
                Vec::new(),
            );
        }
        (declared, Some(lock)) => (declared, lock),
    };
    if let Some(declared) = &declared
        && !lock.resolves(declared)
    {
        return (
            fail(format!(
                "{LOCK_FILE} was not resolved for what {} declares now; validate it again \
                 to resolve it",
                declared.file
            )),
            Vec::new(),
        );
    }
    let manifest_deps = entry
        .manifest
        .as_deref()
        .map(|m| m.dependencies.clone())
        .unwrap_or_default();
    let sources = Sources::of(settings, &manifest_deps);
    let text = match std::fs::read_to_string(tool_dir.join(LOCK_FILE)) {
        Ok(text) => text,
        Err(e) => return (fail(format!("{LOCK_FILE}: cannot read: {e}")), Vec::new()),
    };
    let findings = super::security::scan_lock(&lock, &text, settings, &sources);
    let confinement = review.confinement();
    let packager = match Packager::new(review.root(), review.exe(), &confinement, settings) {
        Ok(packager) => packager,
        Err(e) => return (fail(e.to_string()), findings),
    };
    match packager
        .install(&lock, &text, &sources, settings.max_env_mb)
        .await
    {
        Ok(env) => (
            Check::new(
                CheckKind::Dependencies,
                CheckStatus::Pass,
                summary(&lock, env.bytes),
            ),
            findings,
        ),
        Err(e) => (fail(format!("installing {LOCK_FILE}: {e}")), findings),
    }
}

fn summary(lock: &Lock, bytes: u64) -> String {
    let names: Vec<String> = lock
        .packages
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    format!(
        "{} package{} locked by sha256 ({}); environment {} built, {}",
        lock.packages.len(),
        if lock.packages.len() == 1 { "" } else { "s" },
        names.join(", "),
        lock.short(),
        crate::text::human_size(bytes)
    )
}

/// Every package of the tool's lock as a finding of the dependencies check, with where it
/// comes from and whether it is new or changed since the lock in `parent_dir` (the active
/// version's): the lock as the review shows it, each line leading to the package.
pub(crate) fn lock_findings(tool_dir: &Path, parent_dir: Option<&Path>) -> Vec<Finding> {
    let Ok(Some(lock)) = crate::catalog::deps::read_lock(tool_dir) else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(tool_dir.join(LOCK_FILE)).unwrap_or_default();
    let parent = parent_dir.map(|dir| {
        crate::catalog::deps::read_lock(dir)
            .ok()
            .flatten()
            .map(|lock| lock.packages)
            .unwrap_or_default()
    });
    lock.packages
        .iter()
        .map(|package| {
            let source = crate::model::deps::url_host(&package.url)
                .map(|h| h.to_string())
                .unwrap_or_else(|| package.url.clone());
            let kind = if package.sdist { "sdist" } else { "wheel" };
            let since = match &parent {
                None => String::new(),
                Some(before) => match before.iter().find(|p| p.name == package.name) {
                    None => "; new since the active version".to_string(),
                    Some(p) if p.version != package.version => {
                        format!("; changed from {} since the active version", p.version)
                    }
                    Some(p) if p.sha256 != package.sha256 => {
                        "; same version, other file since the active version".to_string()
                    }
                    Some(_) => "; as in the active version".to_string(),
                },
            };
            let wanted = format!("name = \"{}\"", package.name);
            Finding {
                rule: "locked-package".to_string(),
                file: LOCK_FILE.to_string(),
                line: text.lines().position(|l| l.trim() == wanted).map(|i| i + 1),
                severity: FindingSeverity::Info,
                message: format!(
                    "{} {} ({kind}, sha256 {}…) from {source}{since}",
                    package.name,
                    package.version,
                    &package.sha256[..12.min(package.sha256.len())]
                ),
                check: CheckKind::Dependencies,
            }
        })
        .collect()
}
