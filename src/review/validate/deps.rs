//! The dependencies check: what the tool declares (PEP 723 or `requirements.txt`), whether the
//! config lets it be resolved, and its lock.

use crate::config::DependencySettings;
use crate::model::ToolEntry;
use crate::model::deps::Declared;

use super::{Check, CheckKind, CheckStatus};

/// What the tool declares, judged against the config; `Err` is the failed check.
pub(crate) fn declared(
    entry: &ToolEntry,
    tool_dir: &std::path::Path,
    settings: &DependencySettings,
) -> Result<Option<Declared>, Check> {
    let fail = |message: String| Check::new(CheckKind::Dependencies, CheckStatus::Fail, message);
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
                "{}: field `dependencies`: {direct:?} names a URL or a path, refused unless \
                 the manifest's and your config's [dependencies] both say allow_direct = true",
                declared.file
            )));
        }
    }
    Ok(Some(declared))
}

/// An error naming a file of the tool, by its path within the tool.
fn relative_error(message: &str, tool_dir: &std::path::Path) -> String {
    let prefix = format!("{}/", tool_dir.display());
    message.replace(&prefix, "")
}

/// The check of a tool that declares nothing.
pub(crate) fn none() -> Check {
    Check::new(
        CheckKind::Dependencies,
        CheckStatus::Skip,
        "declares no packages",
    )
}

/// The check of a tool whose declarations are well formed, before anything is resolved.
pub(crate) fn declared_only(declared: &Declared) -> Check {
    Check::new(
        CheckKind::Dependencies,
        CheckStatus::Pass,
        format!(
            "{} declares {}",
            declared.file,
            declared.requirements.join(", ")
        ),
    )
}
