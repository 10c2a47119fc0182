//! The permissions check: what a tool declares in `[permissions]` and what of it the version
//! of its name a person accepted (the active one) was not granted (`permission-escalation`).
//!
//! It is the first line of the checklist and its finding the first finding: before anything
//! else, the person reviewing a new version sees what it may newly read, write or reach. What
//! a candidate claims as its parent decides nothing: it is compared with what is active under
//! its own name, and a `[provenance] parent` naming another tool, or a version that was never
//! active, is a finding of its own.

use super::{Baseline, Check, CheckKind, CheckStatus, Finding, FindingSeverity, PermissionsReport};
use crate::catalog::manifest::key_line;
use crate::model::Catalog;
use crate::model::MANIFEST_FILE;
use crate::model::{DeclaredPermissions, Manifest, Tier, ToolEntry};

/// The rule id of the finding: more than the active version was granted.
pub(crate) const PERMISSION_ESCALATION: &str = "permission-escalation";
/// The rule id of a `[provenance] parent` that is not an earlier version of the tool.
pub(crate) const FOREIGN_PARENT: &str = "foreign-parent";

/// The version of `entry`'s name a person accepted: the active one (core before approved),
/// read whole. What a candidate is compared with: its permissions, its answers to the real
/// inputs of its lineage, its diff.
pub(crate) fn active_entry<'c>(entry: &ToolEntry, catalog: &'c Catalog) -> Option<&'c ToolEntry> {
    catalog
        .entries()
        .iter()
        .filter(|e| e.name == entry.name && e.tier.is_active() && e.path != entry.path)
        .filter(|e| e.error.is_none() && e.manifest.is_some())
        .min_by_key(|e| e.tier != Tier::Core)
}

/// What a person approved of `active`, the active version of a name: `active` itself when its
/// content is its seal's, or when a signed review of exactly its content verifies (the
/// permissions that review states are the manifest's: the content hash covers it); the
/// snapshot its seal names when it changed since (`None` when that is not kept); `None` when
/// nobody approved it. Never the manifest on disk of a changed tool, which anything that
/// writes its folder could widen first.
pub(crate) fn approved_of(
    root: &std::path::Path,
    limits: crate::catalog::scan::ScanLimits,
    active: &ToolEntry,
) -> Option<ToolEntry> {
    let seal = crate::seal::peek(root, &active.name).filter(|s| s.tier == active.tier);
    if seal.as_ref().is_some_and(|s| s.hash == active.content_hash) || signed(root, active) {
        return Some(active.clone());
    }
    let seal = seal?;
    let relative =
        crate::versions::VersionStore::relative_path(&seal.name, &seal.version, &seal.hash);
    let folder = crate::versions::VersionStore::new(root).absolute(&relative);
    folder
        .is_dir()
        .then(|| crate::catalog::scan::load_tool(root, seal.tier, &folder, limits))
        .filter(|snapshot| snapshot.error.is_none() && snapshot.manifest.is_some())
}

/// Whether a reviewer's signed statement of exactly `active`'s content verifies here (a
/// teammate's clone holds no seal of it, only the review that travelled with it).
fn signed(root: &std::path::Path, active: &ToolEntry) -> bool {
    crate::signature::Standing::load(root)
        .signature_of(root, active)
        .is_some_and(|s| s.is_signed())
}

/// `active` as a tool that was granted nothing: what a candidate is compared with when no
/// person approved any content of its name's active version.
pub(crate) fn granted_nothing(active: &ToolEntry) -> ToolEntry {
    let manifest = active.manifest.as_deref().map(|m| Manifest {
        permissions: Default::default(),
        ..m.clone()
    });
    ToolEntry {
        manifest: manifest.map(std::sync::Arc::new),
        ..active.clone()
    }
}

/// What a report keeps of what its tool was compared with: `approved` (what a person approved
/// of the active version `active`, `approved_of`) when there is one, else `active` granted
/// nothing; none when nothing of the name is active.
pub(crate) fn baseline_of(
    active: Option<&ToolEntry>,
    approved: Option<&ToolEntry>,
) -> Option<Baseline> {
    let (tool, approved) = match (approved, active) {
        (Some(approved), _) => (approved, true),
        (None, Some(active)) => (active, false),
        (None, None) => return None,
    };
    Some(Baseline {
        tool: tool.id(),
        content_hash: tool.content_hash.clone(),
        approved,
    })
}

/// What a candidate is compared with, for the active version `active` of its name: what a
/// person approved of it (`approved_of`), else the same tool granted nothing.
pub(crate) fn compared_with(
    root: &std::path::Path,
    limits: crate::catalog::scan::ScanLimits,
    active: &ToolEntry,
) -> ToolEntry {
    approved_of(root, limits, active).unwrap_or_else(|| granted_nothing(active))
}

/// The active version of `entry`'s name (`name@version`) and what `entry` asks for that it was
/// not granted (empty when nothing); `None` when nothing of its name is active. From the
/// catalog alone (a view's): an active version that drifted from what was approved counts as
/// granted nothing, as `compared_with` may find it.
pub(crate) fn escalations(entry: &ToolEntry, catalog: &Catalog) -> Option<(String, Vec<String>)> {
    let active = active_entry(entry, catalog)?;
    if active.drift.is_some() {
        return escalations_over(entry, Some(&granted_nothing(active)));
    }
    escalations_over(entry, Some(active))
}

/// `escalations`, with the active version found already (`active_entry`).
pub(crate) fn escalations_over(
    entry: &ToolEntry,
    active: Option<&ToolEntry>,
) -> Option<(String, Vec<String>)> {
    let manifest = entry.manifest.as_ref()?;
    let active = active?;
    let granted = &active.manifest.as_ref()?.permissions;
    Some((
        format!("{}@{}", active.name, active.version),
        manifest.permissions.escalations(granted),
    ))
}

/// The check, its findings (an escalation over `active`, a foreign parent) and the report's
/// `permissions` (none without a manifest). `text` is `tool.toml` as written, for the line;
/// `ever_active`: the versions of the name that were ever active here, when known.
pub(crate) fn review(
    entry: &ToolEntry,
    active: Option<&ToolEntry>,
    ever_active: Option<&[String]>,
    text: Option<&str>,
) -> (Check, Vec<Finding>, Option<PermissionsReport>) {
    let kind = CheckKind::Permissions;
    let Some(manifest) = entry.manifest.as_deref() else {
        let check = Check::new(kind, CheckStatus::Skip, "no manifest: nothing declared");
        return (check, Vec::new(), None);
    };
    let summary = manifest.permissions.summary();
    let compared = escalations_over(entry, active);
    let report = PermissionsReport {
        declared: DeclaredPermissions::from(&manifest.permissions),
        summary: summary.clone(),
        parent: compared.as_ref().map(|(active, _)| active.clone()),
        escalations: compared
            .as_ref()
            .map(|(_, new)| new.clone())
            .unwrap_or_default(),
    };
    let finding = |rule: &str, severity, message: String| Finding {
        rule: rule.to_string(),
        file: MANIFEST_FILE.to_string(),
        line: line_of(manifest, text, rule),
        severity,
        message,
        check: kind,
    };
    let mut findings = Vec::new();
    let mut check = match compared {
        None => Check::new(
            kind,
            CheckStatus::Pass,
            format!("{summary} (nothing of its name is active: nothing to compare with)"),
        ),
        Some((active, new)) if new.is_empty() => Check::new(
            kind,
            CheckStatus::Pass,
            format!("{summary} (nothing {active} was not granted)"),
        ),
        Some((active, new)) => {
            let what = format!(
                "asks for what the active {active} was not granted: {}",
                new.join("; ")
            );
            findings.push(finding(
                PERMISSION_ESCALATION,
                FindingSeverity::Error,
                what.clone(),
            ));
            let message = format!("{PERMISSION_ESCALATION}: {what}");
            Check::new(kind, CheckStatus::Fail, message)
        }
    };
    if let Some(why) = foreign_parent(entry, manifest, active, ever_active) {
        findings.push(finding(
            FOREIGN_PARENT,
            FindingSeverity::Warning,
            why.clone(),
        ));
        if check.status == CheckStatus::Pass {
            check.status = CheckStatus::Warn;
        }
        check.message = format!("{}; {FOREIGN_PARENT}: {why}", check.message);
    }
    (check, findings, Some(report))
}

/// Why the parent a manifest names is not in the tool's lineage: another name, or a version
/// of its own name that was never active here (`ever_active`, with the active one). `None`
/// when it is, or names none.
fn foreign_parent(
    entry: &ToolEntry,
    manifest: &Manifest,
    active: Option<&ToolEntry>,
    ever_active: Option<&[String]>,
) -> Option<String> {
    let parent = manifest.provenance.parent.as_ref()?;
    if parent.name != entry.name {
        return Some(format!(
            "[provenance] parent names {parent}, another tool: only versions of {} are compared \
             with it or replayed into it",
            entry.name
        ));
    }
    let version = parent.version.as_ref()?.to_string();
    let known = active.is_some_and(|a| a.version == version)
        || ever_active.is_none_or(|versions| versions.contains(&version));
    (!known).then(|| {
        format!(
            "[provenance] parent names {parent}, a version of {} that was never active here",
            entry.name
        )
    })
}

/// The line of `[permissions]` (else of `[run] network`, which asks for the network too), or
/// of `[provenance]` for a foreign parent.
fn line_of(manifest: &Manifest, text: Option<&str>, rule: &str) -> Option<usize> {
    let text = text.filter(|_| !manifest.inferred)?;
    if rule == FOREIGN_PARENT {
        return key_line(text, &["provenance", "parent"])
            .or_else(|| key_line(text, &["provenance"]));
    }
    key_line(text, &["permissions"]).or_else(|| key_line(text, &["run", "network"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::manifest::parse_manifest;
    use std::path::Path;
    use std::sync::Arc;

    /// `review` against what `catalog` holds active, as validation finds it; every version
    /// named active once when `ever_active` is `None`.
    fn review_in(
        entry: &ToolEntry,
        catalog: &Catalog,
        ever_active: Option<&[String]>,
        text: Option<&str>,
    ) -> (Check, Vec<Finding>, Option<PermissionsReport>) {
        review(entry, active_entry(entry, catalog), ever_active, text)
    }

    fn tool(tier: Tier, dir: &str, toml: &str) -> ToolEntry {
        let manifest = parse_manifest(toml, Path::new("tool.toml"))
            .expect("manifest")
            .manifest;
        ToolEntry {
            path: format!("/ws/{}/{dir}", tier.dir_name()).into(),
            name: manifest.name.clone(),
            version: manifest.version.to_string(),
            manifest: Some(Arc::new(manifest)),
            ..ToolEntry::fixture(tier, "p")
        }
    }

    fn manifest(version: &str, extra: &str) -> String {
        named("p", version, extra)
    }

    fn named(name: &str, version: &str, extra: &str) -> String {
        format!(
            "name = \"{name}\"\nversion = \"{version}\"\ndescription = \"d\"\n{extra}\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
        )
    }

    const ACTIVE: &str = "[permissions]\nproject = \"read\"\nnetwork = [\"api.github.com:443\"]\n";
    const ESCALATING: &str = "[provenance]\nparent = \"p@1.0.0\"\n\n[permissions]\nproject = \"write\"\nnetwork = [\"api.github.com:443\", \"evil.example:443\"]\n";

    fn catalog_with(candidate: &ToolEntry) -> Catalog {
        let active = tool(Tier::Approved, "p", &manifest("1.0.0", ACTIVE));
        Catalog::new(vec![active, candidate.clone()])
    }

    #[test]
    fn asking_for_more_than_the_active_version_fails_and_names_every_new_permission() {
        let text = manifest("1.1.0", ESCALATING);
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let (check, findings, report) =
            review_in(&candidate, &catalog_with(&candidate), None, Some(&text));
        assert_eq!(check.status, CheckStatus::Fail);
        assert_eq!(
            check.message,
            "permission-escalation: asks for what the active p@1.0.0 was not granted: \
             project: read → write; network: evil.example:443"
        );
        let [finding] = findings.as_slice() else {
            panic!("one finding: {findings:?}");
        };
        assert_eq!(finding.rule, PERMISSION_ESCALATION);
        assert_eq!(finding.severity, FindingSeverity::Error);
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
    fn a_candidate_naming_no_parent_is_compared_with_the_active_version_all_the_same() {
        let active = tool(Tier::Approved, "p", &manifest("1.0.0", ""));
        let text = manifest(
            "0.1.0",
            "[permissions]\nproject = \"write\"\nnetwork = [\"*\"]\n",
        );
        let candidate = tool(Tier::Experimental, "p-0.1.0", &text);
        let catalog = Catalog::new(vec![active, candidate.clone()]);
        let (check, findings, _) = review_in(&candidate, &catalog, None, Some(&text));
        assert_eq!(check.status, CheckStatus::Fail, "{}", check.message);
        assert_eq!(findings.len(), 1);
        assert!(
            check.message.contains("project: none → write")
                && check.message.contains("network: * (anywhere)"),
            "{}",
            check.message
        );
    }

    #[test]
    fn asking_for_no_more_than_the_active_version_passes_without_a_finding() {
        let narrower = "[provenance]\nparent = \"p@1.0.0\"\n\n[permissions]\nproject = \"read\"\n";
        let text = manifest("1.1.0", narrower);
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let (check, findings, report) =
            review_in(&candidate, &catalog_with(&candidate), None, Some(&text));
        assert_eq!(check.status, CheckStatus::Pass, "{}", check.message);
        assert_eq!(
            check.message,
            "project read (nothing p@1.0.0 was not granted)"
        );
        assert!(findings.is_empty());
        let report = report.expect("report");
        assert!(report.escalations.is_empty());
        assert_eq!(report.parent.as_deref(), Some("p@1.0.0"));
    }

    #[test]
    fn a_new_name_has_nothing_to_compare_with() {
        let text = manifest("1.0.0", "[permissions]\nnetwork = [\"*\"]\n");
        let new = tool(Tier::Experimental, "q", &text);
        let (check, findings, report) =
            review_in(&new, &Catalog::new(vec![new.clone()]), None, None);
        assert_eq!(
            (check.status, check.message.as_str()),
            (
                CheckStatus::Pass,
                "network anywhere (nothing of its name is active: nothing to compare with)",
            )
        );
        assert!(findings.is_empty());
        assert_eq!(report.map(|r| r.parent), Some(None));
        assert_eq!(escalations(&new, &Catalog::new(vec![new.clone()])), None);
    }

    #[test]
    fn a_parent_of_another_name_or_never_active_is_a_finding_and_decides_nothing() {
        let core = tool(Tier::Core, "slugify", &named("slugify", "2.0.0", ""));
        let text = manifest(
            "1.1.0",
            "[provenance]\nparent = \"slugify@2.0.0\"\n\n[permissions]\nproject = \"read\"\nnetwork = [\"api.github.com:443\"]\n",
        );
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let active = tool(Tier::Approved, "p", &manifest("1.0.0", ACTIVE));
        let catalog = Catalog::new(vec![core, active, candidate.clone()]);
        let (check, findings, report) = review_in(&candidate, &catalog, None, Some(&text));
        assert_eq!(check.status, CheckStatus::Warn, "{}", check.message);
        assert_eq!(report.and_then(|r| r.parent).as_deref(), Some("p@1.0.0"));
        let [finding] = findings.as_slice() else {
            panic!("one finding: {findings:?}");
        };
        assert_eq!(finding.rule, FOREIGN_PARENT);
        assert_eq!(finding.line, Some(5));
        assert!(
            finding.message.contains("slugify@2.0.0, another tool"),
            "{}",
            finding.message
        );

        // Its own unapproved candidate named as its parent: never active.
        let own = tool(Tier::Experimental, "p-1.0.5", &manifest("1.0.5", ACTIVE));
        let text = manifest("1.1.0", "[provenance]\nparent = \"p@1.0.5\"\n");
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let active = tool(Tier::Approved, "p", &manifest("1.0.0", ""));
        let catalog = Catalog::new(vec![own, active, candidate.clone()]);
        let versions = ["0.9.0".to_string(), "1.0.0".to_string()];
        let (check, findings, _) = review_in(&candidate, &catalog, Some(&versions), Some(&text));
        assert_eq!(check.status, CheckStatus::Warn, "{}", check.message);
        assert!(
            findings[0]
                .message
                .contains("p@1.0.5, a version of p that was never active here"),
            "{findings:?}"
        );
        // An earlier version that was active once is its lineage.
        let text = manifest("1.1.0", "[provenance]\nparent = \"p@0.9.0\"\n");
        let candidate = tool(Tier::Experimental, "p-1.1.0", &text);
        let (check, findings, _) = review_in(&candidate, &catalog, Some(&versions), Some(&text));
        assert_eq!((check.status, findings.len()), (CheckStatus::Pass, 0));
    }
}
