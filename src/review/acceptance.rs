//! What approving content that failed validation, or that asks for more than the active
//! version of its name was granted, takes: the person's explicit word for each (DESIGN §11
//! rule 4). Without it the approval is refused, naming the failing checks and what is new, so
//! one key or one command never makes such content active by accident.

use serde::Deserialize;

use super::ReviewError;
use super::validate::{CheckKind, CheckStatus, escalations_over};
use crate::model::ToolEntry;
use crate::model::review_command::Accepted;
use crate::store::Store;

/// What an approval of `entry` over `active` would accept, and so needs the person's word for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Caution {
    /// The checks of its validation that failed (the permissions check aside), by name.
    pub(crate) failing: Vec<String>,
    /// The active version (`name@version`) and what is new over it, one line each.
    pub(crate) escalations: Option<(String, Vec<String>)>,
}

/// The checks of a stored report, as far as acceptance reads them.
#[derive(Deserialize)]
struct Judged {
    #[serde(default)]
    checks: Vec<JudgedCheck>,
}

#[derive(Deserialize)]
struct JudgedCheck {
    check: CheckKind,
    status: CheckStatus,
}

impl Caution {
    /// What approving `entry`, whose validation judged its checks as `checks`, over `active`
    /// would accept.
    pub(crate) fn of(
        checks: impl IntoIterator<Item = (CheckKind, CheckStatus)>,
        entry: &ToolEntry,
        active: Option<&ToolEntry>,
    ) -> Self {
        let failing = checks
            .into_iter()
            .filter(|(_, status)| *status == CheckStatus::Fail)
            // Recomputed below against what is active now.
            .filter(|(check, _)| *check != CheckKind::Permissions)
            .map(|(check, _)| check.to_string())
            .collect();
        let escalations = escalations_over(entry, active).filter(|(_, new)| !new.is_empty());
        Caution {
            failing,
            escalations,
        }
    }

    /// `of`, with the checks of a report the store holds as JSON.
    fn of_stored(report: Option<&str>, entry: &ToolEntry, active: Option<&ToolEntry>) -> Self {
        let checks = report
            .and_then(|json| serde_json::from_str::<Judged>(json).ok())
            .map(|judged| judged.checks)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.check, c.status));
        Self::of(checks, entry, active)
    }
}

/// Refuses to approve `entry` (validated: `refuse_unvalidated` came first) over `active`
/// unless the person accepted what it asks to be accepted; the escalation is named first.
pub(crate) fn refuse_unaccepted(
    action: &'static str,
    store: &Store,
    entry: &ToolEntry,
    active: Option<&ToolEntry>,
    accepted: Accepted,
) -> Result<(), ReviewError> {
    let report = store.validation_of_content(&entry.content_hash)?;
    let caution = Caution::of_stored(report.as_deref(), entry, active);
    let mut why = Vec::new();
    let mut flags = Vec::new();
    if let Some((active, new)) = caution
        .escalations
        .as_ref()
        .filter(|_| !accepted.escalation)
    {
        why.push(format!(
            "it asks for what the active {active} was not granted ({})",
            new.join("; ")
        ));
        flags.push("--accept-escalation");
    }
    if !caution.failing.is_empty() && !accepted.failures {
        why.push(format!(
            "its validation failed ({})",
            caution.failing.join(", ")
        ));
        flags.push("--accept-failures");
    }
    if why.is_empty() {
        return Ok(());
    }
    Err(ReviewError::refused(
        action,
        entry.id(),
        format!(
            "{}: read the report (`toolbench validate {}`), then {} approves it all the same",
            why.join(", and "),
            entry.name,
            flags.join(" ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Network, Permissions, ProjectAccess, Tier};
    use std::sync::Arc;

    fn with(tier: Tier, version: &str, permissions: Permissions) -> ToolEntry {
        let mut manifest = crate::catalog::manifest::parse_manifest(
            "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
            std::path::Path::new("tool.toml"),
        )
        .expect("manifest")
        .manifest;
        manifest.permissions = permissions;
        ToolEntry {
            version: version.into(),
            path: format!("/ws/{}/t-{version}", tier.dir_name()).into(),
            manifest: Some(Arc::new(manifest)),
            content_hash: format!("hash-{version}"),
            ..ToolEntry::fixture(tier, "t")
        }
    }

    #[test]
    fn failing_checks_and_escalations_each_need_their_word_and_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let active = with(Tier::Approved, "1.0.0", Permissions::default());
        let candidate = with(
            Tier::Experimental,
            "1.1.0",
            Permissions {
                project: ProjectAccess::Write,
                network: Network::Any,
                ..Default::default()
            },
        );
        let report = serde_json::json!({"checks": [
            {"check": "permissions", "status": "fail", "message": "x"},
            {"check": "security", "status": "fail", "message": "x"},
            {"check": "tests", "status": "fail", "message": "x"},
            {"check": "lint", "status": "warn", "message": "x"},
        ]});
        store
            .save_validation(&crate::store::ValidationRow {
                path: "experimental/t-1.1.0",
                tool: "t",
                version: "1.1.0",
                content_hash: "hash-1.1.0",
                verdict: "fail",
                json: &report.to_string(),
                arrived_at: "2026-11-21T10:00:00.000Z",
            })
            .expect("saved");
        let refuse = |accepted| {
            refuse_unaccepted("approve", &store, &candidate, Some(&active), accepted)
                .map_err(|e| e.to_string())
        };
        let refused = refuse(Accepted::default()).expect_err("refused");
        assert!(
            refused.contains("it asks for what the active t@1.0.0 was not granted (project: none → write; network: * (anywhere)), and its validation failed (security, tests)")
                && refused.ends_with("then --accept-escalation --accept-failures approves it all the same"),
            "{refused}"
        );
        let refused = refuse(Accepted {
            escalation: true,
            ..Default::default()
        })
        .expect_err("failures still");
        assert!(
            !refused.contains("asks for") && refused.contains("--accept-failures"),
            "{refused}"
        );
        assert_eq!(refuse(Accepted::ALL), Ok(()));
        // Over nothing active, nothing is new; a report that passed asks for nothing.
        assert!(
            refuse_unaccepted(
                "approve",
                &store,
                &candidate,
                None,
                Accepted {
                    failures: true,
                    escalation: false
                }
            )
            .is_ok()
        );
        assert_eq!(
            Caution::of_stored(Some("{}"), &candidate, None),
            Caution::default()
        );
    }
}
