//! The permissions check: what a tool declares in `[permissions]` and, for an evolved
//! candidate, what it asks for that its parent was not granted (`permission-escalation`).
//!
//! It is the first line of the checklist and its finding the first finding: before anything
//! else, the person reviewing a new version sees what it may newly read, write or reach.

use serde::{Deserialize, Serialize};

use super::{Check, CheckKind, CheckStatus, Finding, FindingSeverity};
use crate::catalog::Catalog;
use crate::catalog::manifest::{MANIFEST_FILE, key_line};
use crate::model::{DeclaredPermissions, Manifest, ToolEntry};

/// The rule id of the finding.
pub(crate) const PERMISSION_ESCALATION: &str = "permission-escalation";

/// The report's `permissions`: what the tool declares, and what of it is new.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PermissionsReport {
    #[serde(flatten)]
    pub(crate) declared: DeclaredPermissions,
    /// The same on one line (`project read · network api.github.com:443`, or `none`).
    #[serde(default)]
    pub(crate) summary: String,
    /// The parent they were compared with (`name@version`), for an evolved tool whose parent
    /// the catalog holds.
    #[serde(default)]
    pub(crate) parent: Option<String>,
    /// What the tool asks for that the parent was not granted, one line each
    /// (`project: read → write`, `network: evil.example:443`).
    #[serde(default)]
    pub(crate) escalations: Vec<String>,
}

/// The tool `entry` evolved from, when the catalog holds it with a whole manifest (a service
/// too: what it may reach matters as much).
pub(crate) fn parent_entry<'c>(entry: &ToolEntry, catalog: &'c Catalog) -> Option<&'c ToolEntry> {
    let parent = entry.manifest.as_ref()?.provenance.parent.as_ref()?;
    catalog
        .find(parent)
        .ok()
        .filter(|p| p.error.is_none() && p.manifest.is_some() && p.path != entry.path)
}

/// For an evolved tool whose parent the catalog holds: the parent (`name@version`) and what
/// `entry` asks for that the parent was not granted (empty when nothing).
pub(crate) fn escalations(entry: &ToolEntry, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    escalations_over(entry, parent_entry(entry, catalog))
}

/// `escalations`, with the parent found already (`parent_entry`).
fn escalations_over(
    entry: &ToolEntry,
    parent: Option<&ToolEntry>,
) -> Option<(String, Vec<String>)> {
    let manifest = entry.manifest.as_ref()?;
    let parent = parent?;
    let granted = &parent.manifest.as_ref()?.permissions;
    Some((
        format!("{}@{}", parent.name, parent.version),
        manifest.permissions.escalations(granted),
    ))
}

/// The check, its finding when the tool asks for more than its `parent` (`parent_entry`), and
/// the report's `permissions` (none without a manifest). `text` is `tool.toml` as written, for
/// the line.
pub(crate) fn review(
    entry: &ToolEntry,
    parent: Option<&ToolEntry>,
    text: Option<&str>,
) -> (Check, Option<Finding>, Option<PermissionsReport>) {
    let kind = CheckKind::Permissions;
    let Some(manifest) = entry.manifest.as_deref() else {
        let check = Check::new(kind, CheckStatus::Skip, "no manifest: nothing declared");
        return (check, None, None);
    };
    let summary = manifest.permissions.summary();
    let compared = escalations_over(entry, parent);
    let report = PermissionsReport {
        declared: DeclaredPermissions::from(&manifest.permissions),
        summary: summary.clone(),
        parent: compared.as_ref().map(|(parent, _)| parent.clone()),
        escalations: compared
            .as_ref()
            .map(|(_, new)| new.clone())
            .unwrap_or_default(),
    };
    let (check, finding) = match (&manifest.provenance.parent, compared) {
        (None, _) => (
            Check::new(
                kind,
                CheckStatus::Pass,
                format!("{summary} (not an evolved tool: no parent to compare with)"),
            ),
            None,
        ),
        (Some(parent), None) => (
            Check::new(
                kind,
                CheckStatus::Skip,
                format!(
                    "{summary} (the parent {parent} is not in the catalog: nothing to compare with)"
                ),
            ),
            None,
        ),
        (Some(_), Some((parent, new))) if new.is_empty() => (
            Check::new(
                kind,
                CheckStatus::Pass,
                format!("{summary} (nothing {parent} was not granted)"),
            ),
            None,
        ),
        (Some(_), Some((parent, new))) => {
            let what = format!("asks for what {parent} was not granted: {}", new.join("; "));
            let finding = Finding {
                rule: PERMISSION_ESCALATION.to_string(),
                file: MANIFEST_FILE.to_string(),
                line: line_of(manifest, text),
                severity: FindingSeverity::Warning,
                message: what.clone(),
                check: kind,
            };
            let message = format!("{PERMISSION_ESCALATION}: {what}");
            (Check::new(kind, CheckStatus::Warn, message), Some(finding))
        }
    };
    (check, finding, Some(report))
}

/// The line of `[permissions]`, else of `[run] network` (which asks for the network too).
fn line_of(manifest: &Manifest, text: Option<&str>) -> Option<usize> {
    let text = text.filter(|_| !manifest.inferred)?;
    key_line(text, &["permissions"]).or_else(|| key_line(text, &["run", "network"]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `review` against the parent `catalog` holds, as validation finds it.
    fn review_in(
        entry: &ToolEntry,
        catalog: &Catalog,
        text: Option<&str>,
    ) -> (Check, Option<Finding>, Option<PermissionsReport>) {
        review(entry, parent_entry(entry, catalog), text)
    }
    use crate::catalog::manifest::parse_manifest;
    use crate::model::Tier;
    use std::path::Path;
    use std::sync::Arc;

    fn tool(tier: Tier, dir: &str, toml: &str) -> ToolEntry {
        let manifest = parse_manifest(toml, Path::new("tool.toml"))
            .expect("manifest")
            .manifest;
        ToolEntry {
            path: format!("/ws/{}/{dir}", tier.dir_name()).into(),
            version: manifest.version.to_string(),
            manifest: Some(Arc::new(manifest)),
            ..ToolEntry::fixture(tier, "p")
        }
    }

    fn manifest(version: &str, extra: &str) -> String {
        format!(
            "name = \"p\"\nversion = \"{version}\"\ndescription = \"d\"\n{extra}\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
        )
    }

    const PARENT: &str = "[permissions]\nproject = \"read\"\nnetwork = [\"api.github.com:443\"]\n";
    const ESCALATING: &str = "[provenance]\nparent = \"p@1.0.0\"\n\n[permissions]\nproject = \"write\"\nnetwork = [\"api.github.com:443\", \"evil.example:443\"]\n";

    fn catalog_with(candidate: &ToolEntry) -> Catalog {
        let parent = tool(Tier::Approved, "p", &manifest("1.0.0", PARENT));
        Catalog::new(vec![parent, candidate.clone()])
    }

    #[test]
    fn asking_for_more_than_the_parent_warns_and_names_every_new_permission() {
        let text = manifest("1.1.0", ESCALATING);
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let (check, finding, report) =
            review_in(&candidate, &catalog_with(&candidate), Some(&text));
        assert_eq!(check.status, CheckStatus::Warn);
        assert_eq!(
            check.message,
            "permission-escalation: asks for what p@1.0.0 was not granted: \
             project: read → write; network: evil.example:443"
        );
        let finding = finding.expect("a finding");
        assert_eq!(finding.rule, PERMISSION_ESCALATION);
        assert_eq!(finding.severity, FindingSeverity::Warning);
        assert_eq!(finding.check, CheckKind::Permissions);
        assert_eq!(
            (finding.file.as_str(), finding.line),
            ("tool.toml", Some(7))
        );
        assert!(
            finding.message.contains("project: read → write")
                && finding.message.contains("network: evil.example:443")
                && !finding.message.contains("api.github.com"),
            "{}",
            finding.message
        );
        let report = report.expect("report");
        assert_eq!(report.parent.as_deref(), Some("p@1.0.0"));
        assert_eq!(
            report.escalations,
            ["project: read → write", "network: evil.example:443"]
        );
        assert_eq!(
            report.declared.network,
            ["api.github.com:443", "evil.example:443"]
        );
    }

    #[test]
    fn asking_for_no_more_than_the_parent_passes_without_a_finding() {
        let narrower = "[provenance]\nparent = \"p@1.0.0\"\n\n[permissions]\nproject = \"read\"\n";
        let text = manifest("1.1.0", narrower);
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let (check, finding, report) =
            review_in(&candidate, &catalog_with(&candidate), Some(&text));
        assert_eq!(check.status, CheckStatus::Pass, "{}", check.message);
        assert_eq!(
            check.message,
            "project read (nothing p@1.0.0 was not granted)"
        );
        assert_eq!(finding, None);
        let report = report.expect("report");
        assert!(report.escalations.is_empty());
        assert_eq!(report.parent.as_deref(), Some("p@1.0.0"));
    }

    #[test]
    fn a_new_tool_or_an_unknown_parent_has_nothing_to_compare_with() {
        let text = manifest("1.0.0", "[permissions]\nnetwork = [\"*\"]\n");
        let new = tool(Tier::Experimental, "q", &text);
        let (check, finding, report) = review_in(&new, &Catalog::new(vec![new.clone()]), None);
        assert_eq!(
            (check.status, check.message.as_str(), finding),
            (
                CheckStatus::Pass,
                "network anywhere (not an evolved tool: no parent to compare with)",
                None
            )
        );
        assert_eq!(report.map(|r| r.parent), Some(None));

        let orphan_text = manifest("1.1.0", ESCALATING);
        let orphan = tool(Tier::Experimental, "p-1.1.0", &orphan_text);
        let alone = Catalog::new(vec![orphan.clone()]);
        let (check, finding, _) = review_in(&orphan, &alone, Some(&orphan_text));
        assert_eq!(check.status, CheckStatus::Skip, "{}", check.message);
        assert!(check.message.contains("p@1.0.0 is not in the catalog"));
        assert_eq!(finding, None);
        assert_eq!(escalations(&orphan, &alone), None);
    }
}
