//! `toolbench verify`: every active tool (or one) with how its review stands, read from its
//! seal and its signed review as a run would read them.

use std::path::Path;

use serde::Serialize;

use super::Workbench;
use crate::catalog::scan::ScanLimits;
use crate::model::signers::WORKSPACE_SIGNERS;
use crate::model::{Drift, Signature, Tier, ToolEntry, ToolId};
use crate::signature::{Mode, NAMESPACE, Standing, signature_path, statement_path};

impl Workbench {
    /// Every active tool (or the one `only` names), checked as a run would check it.
    pub(crate) fn verify(&self, only: Option<&ToolId>) -> Result<Report, String> {
        verify_all(self.root(), self.config().catalog, only)
    }

    /// `entry`'s signed review as an in-toto Statement in a DSSE envelope.
    pub(crate) fn in_toto_envelope(&self, entry: &ToolEntry) -> Result<serde_json::Value, String> {
        crate::signature::in_toto_envelope(self.root(), entry)
    }
}

/// One active tool's row.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct VerifyRow {
    #[serde(skip)]
    pub(crate) entry: ToolEntry,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) tier: Tier,
    pub(crate) path: String,
    pub(crate) content_hash: String,
    /// `signed`, `unsigned`, `other_content`, `invalid`, `signer_not_allowed`, or `off`
    /// (signatures off: seals alone decide).
    pub(crate) state: String,
    /// It would run as it is.
    pub(crate) runs: bool,
    /// Why it would not run (the seal's drift where signatures do not decide).
    pub(crate) drift: Option<Drift>,
    pub(crate) reason: Option<String>,
    pub(crate) principal: Option<String>,
    pub(crate) at: Option<String>,
    pub(crate) decision: Option<String>,
    pub(crate) key: Option<String>,
    /// The statement and its signature, relative to the root, when one exists.
    pub(crate) statement: Option<String>,
    pub(crate) signature: Option<String>,
    pub(crate) namespace: &'static str,
}

impl VerifyRow {
    /// Refused to run, or holding a review that does not verify.
    pub(crate) fn refused(&self) -> bool {
        !self.runs || self.state == "invalid"
    }

    /// One line for the text report.
    pub(crate) fn line(&self) -> String {
        let head = format!(
            "{}/{} {} {}",
            self.tier,
            self.name,
            self.version,
            crate::model::short_hash(&self.content_hash)
        );
        let what = match (self.state.as_str(), &self.principal, &self.at) {
            ("signed", Some(p), Some(at)) => format!(
                "signed by {} at {at} ({})",
                crate::text::visible(p),
                self.decision.as_deref().unwrap_or("?")
            ),
            // Their reason is their name: `unsigned`, `signed for other content (1.0.0)`.
            ("unsigned" | "other_content", _, _) => self
                .reason
                .as_deref()
                .map_or_else(|| self.state.replace('_', " "), crate::text::visible),
            (state, _, _) => {
                let mut text = state.replace('_', " ");
                if let Some(reason) = &self.reason {
                    text.push_str(": ");
                    text.push_str(&crate::text::visible(reason));
                }
                text
            }
        };
        let runs = match (&self.drift, self.runs) {
            (_, true) => "runs".to_string(),
            // The signature's state, said already.
            (Some(drift), false) if self.state != "off" && drift.is_signature() => {
                "REFUSED".to_string()
            }
            (Some(drift), false) => format!("REFUSED ({})", drift.label()),
            (None, false) => "REFUSED".to_string(),
        };
        format!("{head}  {what}; {runs}")
    }

    /// How to check this row's signed review without toolbench; `None` when nobody signed it.
    pub(crate) fn check_by_hand(&self) -> Option<String> {
        // The principal is the workspace's allowed_signers' text: shown, never obeyed.
        let principal = crate::text::visible(self.principal.as_deref()?);
        Some(format!(
            "check it without toolbench: ssh-keygen -Y verify -f {WORKSPACE_SIGNERS} -I {principal} \
             -n {NAMESPACE} -s {} < {}",
            self.signature.as_deref().unwrap_or_default(),
            self.statement.as_deref().unwrap_or_default()
        ))
    }
}

/// What `verify` reports.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) mode: Mode,
    pub(crate) trusted: usize,
    pub(crate) signers_change: Option<String>,
    pub(crate) lowered: Option<(Mode, Mode)>,
    pub(crate) rows: Vec<VerifyRow>,
}

impl Report {
    /// Signatures decide here: a row may hold a review that does not verify.
    pub(crate) fn signatures_decide(&self) -> bool {
        self.mode != Mode::Off
    }
}

/// Every active tool of `root` (or the one `only` names), checked as a run would check it.
fn verify_all(root: &Path, limits: ScanLimits, only: Option<&ToolId>) -> Result<Report, String> {
    let mut entries = match only {
        Some(spec) => crate::lookup::in_usual_folders(root, limits, spec)
            .unwrap_or_else(|| {
                crate::catalog::scan::scan_tiers(root, &[Tier::Core, Tier::Approved], limits)
            })
            .into_iter()
            .filter(|e| e.tier.is_active() && spec.matches(e))
            .collect(),
        None => crate::catalog::scan::scan_tiers(root, &[Tier::Core, Tier::Approved], limits),
    };
    if let (Some(spec), true) = (only, entries.is_empty()) {
        return Err(format!("no active tool {spec} (core/ or approved/)"));
    }
    entries.sort_by(|a, b| a.name_order(b));
    let standing = Standing::load(root);
    let book = crate::seal::SealBook::load(root);
    book.mark(&mut entries);
    let rows = entries
        .into_iter()
        .map(|entry| row(root, &standing, entry))
        .collect();
    Ok(Report {
        mode: standing.mode,
        trusted: standing.trust.effective.len(),
        signers_change: standing.trust.change_line(),
        lowered: standing.lowered,
        rows,
    })
}

fn row(root: &Path, standing: &Standing, entry: ToolEntry) -> VerifyRow {
    let statement = statement_path(&entry.name, &entry.version, &entry.content_hash);
    let exists = root.join(&statement).symlink_metadata().is_ok();
    let runs =
        entry.drift.is_none() && !entry.is_broken() && crate::seal::check(root, &entry).is_ok();
    let mut row = VerifyRow {
        name: entry.name.clone(),
        version: entry.version.clone(),
        tier: entry.tier,
        path: entry
            .path
            .strip_prefix(root)
            .unwrap_or(&entry.path)
            .display()
            .to_string(),
        content_hash: entry.content_hash.clone(),
        state: "off".into(),
        runs,
        drift: entry.drift.as_deref().cloned(),
        reason: entry.error.clone(),
        principal: None,
        at: None,
        decision: None,
        key: None,
        statement: exists.then(|| statement.display().to_string()),
        signature: exists.then(|| signature_path(&statement).display().to_string()),
        namespace: NAMESPACE,
        entry: entry.clone(),
    };
    if standing.mode == Mode::Off {
        return row;
    }
    let signature = match entry.signature.as_deref() {
        Some(signature) => signature.clone(),
        None => crate::signature::verify(root, &entry, &standing.trust),
    };
    row.state = match &signature {
        Signature::Signed {
            principal,
            at,
            decision,
            key,
        } => {
            row.principal = Some(principal.clone());
            row.at = Some(at.clone());
            row.decision = Some(decision.clone());
            row.key = Some(key.clone());
            "signed"
        }
        Signature::Unsigned => "unsigned",
        Signature::OtherContent { .. } => "other_content",
        Signature::Invalid { .. } => "invalid",
        Signature::SignerNotAllowed { principal, .. } => {
            row.principal = Some(principal.clone());
            "signer_not_allowed"
        }
    }
    .to_string();
    if !signature.is_signed() {
        row.reason = Some(signature.reason());
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_to_check_by_hand_shows_a_principals_control_characters_not_obeys_them() {
        let root = tempfile::tempdir().expect("tempdir");
        let standing = Standing::load(root.path());
        let entry = ToolEntry::fixture(Tier::Approved, "slugify");
        let signed = VerifyRow {
            principal: Some("ana\u{1b}]52;c;cm0gLXJmIH4=\u{7}\n".into()),
            statement: Some(".reviews/slugify.json".into()),
            signature: Some(".reviews/slugify.json.sig".into()),
            ..row(root.path(), &standing, entry.clone())
        };
        let line = signed.check_by_hand().expect("a signed row");
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("-I ana"), "{line}");
        let unsigned = row(root.path(), &standing, entry);
        assert_eq!(unsigned.check_by_hand(), None);
    }

    #[test]
    fn each_line_says_the_state_once() {
        let root = tempfile::tempdir().expect("tempdir");
        let standing = Standing::load(root.path());
        let mut entry = ToolEntry::fixture(Tier::Core, "fixed");
        entry.version = "1.0.1".into();
        entry.content_hash = "4813e400545b0000".into();
        let base = row(root.path(), &standing, entry);
        let line = |state: &str, reason: Option<&str>, drift: Option<Drift>, runs: bool| {
            VerifyRow {
                state: state.into(),
                reason: reason.map(str::to_string),
                drift,
                runs,
                ..base.clone()
            }
            .line()
        };
        assert_eq!(
            line("unsigned", Some("unsigned"), Some(Drift::Unsigned), false),
            "core/fixed 1.0.1 4813e400545b  unsigned; REFUSED"
        );
        assert_eq!(
            line("unsigned", Some("unsigned"), None, true),
            "core/fixed 1.0.1 4813e400545b  unsigned; runs"
        );
        let other = Drift::SignedOtherContent {
            version: "1.0.0".into(),
            content_hash: "aaaa".into(),
        };
        assert_eq!(
            line(
                "other_content",
                Some("signed for other content (1.0.0)"),
                Some(other),
                false
            ),
            "core/fixed 1.0.1 4813e400545b  signed for other content (1.0.0); REFUSED"
        );
        let invalid = Drift::SignatureInvalid {
            reason: "x.sig is missing".into(),
        };
        assert_eq!(
            line("invalid", Some("x.sig is missing"), Some(invalid), false),
            "core/fixed 1.0.1 4813e400545b  invalid: x.sig is missing; REFUSED"
        );
        // With signatures off, the seal's drift is the only reason given.
        assert_eq!(
            line("off", None, Some(Drift::Unapproved), false),
            "core/fixed 1.0.1 4813e400545b  off; REFUSED (not approved here)"
        );
    }
}
