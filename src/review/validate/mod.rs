//! Validation: the checklist a reviewer sees next to a candidate's source (DESIGN §4).
//!
//! `validate` judges one tool: its manifest, the syntax of its sources, the linters that are
//! installed, a security scan, its test cases (run in the sandbox through `runner::execute`),
//! its output schema and the most similar tools of the catalog. It returns a
//! `ValidationReport`; each run it makes goes, as it ends, to the `RunSink` it is given (the
//! validation job records it by the rule of every run, `jobs::run::Recorder`), and it never
//! changes the tool folder. `validate_cached` adds the cache in the state store, keyed by the
//! tool's content hash.

mod cases;
mod checklist;
mod deps;
mod differential;
mod generate;
mod generated;
mod lint;
mod permissions;
mod private_copy;
mod program;
mod security;
pub(crate) mod similar;
mod sources;
mod syntax;
mod trial;

use crate::review::ReviewContext;
use std::path::Path;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use crate::model::Catalog;
use crate::model::ToolEntry;
use crate::model::short_hash;
use crate::store::{SharedStore, Store, StoreError, ValidationRow};

#[cfg(test)]
pub(crate) use cases::parse_case;
pub(crate) use checklist::RunSink;
// The report's nouns are the model's; the checks here fill them.
pub(crate) use crate::model::validation_report::{
    Answered, Baseline, Check, Difference, DifferentialReport, Finding, GeneratedFailure,
    GeneratedReport, PermissionsReport, Similar, verdict_of,
};
pub use crate::model::validation_report::{
    CaseResult, CaseStatus, CheckKind, CheckStatus, FindingSeverity, ValidationReport, Verdict,
};
pub(crate) use permissions::{active_entry, compared_with, escalations, escalations_over};
use permissions::{approved_of, baseline_of};
pub(crate) use private_copy::remove_left_copies;

/// Why a tool was not validated at all.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// Over the `[catalog]` limits: validating would read what the scan refused to read.
    #[error("cannot validate {tool}: {reason}")]
    Oversized { tool: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The process stopped its runs (`runner::stop`) while the tool was validated: its report
    /// would judge cancelled runs, and is not kept.
    #[error("the validation of {tool} was stopped: toolbench is stopping")]
    Stopped { tool: String },
    /// The tool could not be copied to be validated, or nothing could run the validation.
    #[error("cannot validate {tool}: {reason}")]
    Unavailable { tool: String, reason: String },
    /// The folder changed while it was being validated: the checks may have read either
    /// content, so the report is of neither and is not kept.
    #[error(
        "{folder} changed while it was being validated ({before}, now {after}); validate again"
    )]
    ChangedDuring {
        folder: String,
        before: String,
        after: String,
    },
}

/// What a validation compares its tool with: the active version of its name
/// (`permissions::active_entry`), whose permissions it may not exceed and whose real inputs
/// are replayed into it, and the tools of the catalog most similar to it.
pub(crate) struct Compared {
    pub(crate) active: Option<ToolEntry>,
    pub(crate) similar: Vec<Similar>,
}

impl Compared {
    /// `entry` compared with the whole `catalog`: catalog-sized work, for a blocking thread.
    pub(crate) fn with(entry: &ToolEntry, catalog: &Catalog) -> Self {
        let similar = similar::most_similar(entry, catalog.entries(), similar::SHOWN);
        Self::ranked(entry, catalog, similar)
    }

    /// `with`, where `similar` is the ranking of `catalog` made already.
    pub(crate) fn ranked(entry: &ToolEntry, catalog: &Catalog, similar: Vec<Similar>) -> Self {
        Self {
            active: permissions::active_entry(entry, catalog).cloned(),
            similar,
        }
    }
}

/// What a validation compares its tool with, found only as far as it is needed: `active`, the
/// active version of its name, for whether a cached report was compared with what it would
/// be compared with now; `compare`, the whole comparison, for a fresh validation.
pub(crate) struct Comparer<A, C> {
    pub(crate) active: A,
    pub(crate) compare: C,
}

/// A comparison under way on a blocking thread, started before the checks so that both go
/// on at once.
pub(crate) struct Comparing(tokio::task::JoinHandle<Compared>);

impl Comparing {
    pub(crate) fn start(work: impl FnOnce() -> Compared + Send + 'static) -> Self {
        Self(tokio::task::spawn_blocking(work))
    }

    async fn finish(self) -> Compared {
        match self.0.await {
            Ok(compared) => compared,
            // Its panic is the validation's, as if the work had been done in line.
            Err(e) => std::panic::resume_unwind(
                e.try_into_panic()
                    .unwrap_or_else(|e| Box::new(e.to_string())),
            ),
        }
    }
}

/// Validates `entry` from scratch, in `review`'s workspace and confinement. The comparison
/// goes on while the checks run (a front end without a catalog, the CLI, reads the index
/// meanwhile); only the permissions, the replay and the similar tools wait for it. `history`
/// is where the real inputs of the tool's lineage and its versions are read (none: only the
/// active version's test cases are replayed); `seed` replays another validation's generated
/// inputs.
///
/// Nothing of it gets more than the sandbox gives unreviewed code (DESIGN §11 rule 4): every
/// checker reads only the tool, every run gets none of what the tool declares
/// (`Reach::Withheld`), and everything runs and reads a private copy of exactly the content
/// judged; the real inputs go, after every other run, into runs of their own that nothing else
/// of unreviewed code overlaps.
/// Each run goes to `runs` as it ends.
pub(crate) async fn validate(
    review: &ReviewContext,
    entry: &ToolEntry,
    comparing: Comparing,
    history: Option<&SharedStore>,
    seed: Option<u64>,
    runs: &RunSink,
) -> Result<ValidationReport, ValidateError> {
    let (root, exe) = (review.root(), review.exe());
    let judged = content_hash_of(entry);
    let links = links_check(entry);
    // A tool whose links lead out never runs (nor copies): its static checks are all it gets.
    let copy = match links.status {
        CheckStatus::Fail => None,
        _ => Some(
            private_copy::copy(root, entry, &judged).map_err(|e| copy_refused(root, entry, e))?,
        ),
    };
    let tool = copy.as_ref().map_or(entry, |copy| &copy.entry);
    let tool_dir = tool.folder();
    let sources::Sources {
        files: sources,
        unscanned,
    } = sources::collect(tool);
    let manifest = manifest_check(entry);
    let network_forbidden = entry
        .manifest
        .as_ref()
        .is_some_and(|m| m.permissions.network.is_none());
    let mut security_findings = security::scan_sources(&sources, network_forbidden);
    let every_file = crate::catalog::scan::collect_files(&entry.path);
    security_findings.extend(security::scan_paths(
        every_file.iter().filter_map(|path| path.to_str()),
    ));
    if let Some(manifest) = &entry.manifest {
        security_findings.extend(security::scan_manifest(manifest, manifest_text(&sources)));
    }
    // Before anything runs: its test cases import from the environment built here.
    let (dependencies_check, dependency_findings) = deps::check(review, tool, &tool_dir).await;
    security_findings.extend(dependency_findings);
    let security_check = sources::note_unscanned(
        security::check(&security_findings, sources.len()),
        &unscanned,
    );
    let settings = review.config().validate;
    let confinement = review.confinement();
    let checkers = program::Checkers::new(root, exe, &tool_dir, &confinement);
    // The generated and replayed inputs share one budget.
    let deadline = Instant::now() + Duration::from_secs(settings.budget_secs);
    let trials = trial::Trials {
        review: review.clone(),
        runs: runs.clone(),
    };
    let seed = seed.unwrap_or_else(|| generated::seed_of(&judged));
    // A tool whose packages could not be locked or installed is not run: each of its runs
    // would fail for that alone, in words about a private copy of it.
    let packages_missing = dependencies_check.status == CheckStatus::Fail;
    let runnable = copy.is_some() && !packages_missing;
    let (syntax, lint, case_runs, generated, compared) = tokio::join!(
        syntax::check(&checkers, &sources, entry.manifest.as_deref()),
        lint::check(&checkers, &sources),
        async {
            if runnable {
                cases::run_all(review, tool, runs).await
            } else {
                Vec::new()
            }
        },
        async {
            let count = settings.generated_cases as usize;
            if runnable {
                generated::explore(&trials, tool, count, seed, deadline).await
            } else {
                None
            }
        },
        comparing.finish(),
    );
    let Compared { active, similar } = compared;
    // The ground of the comparison is what a person approved of the active version, never
    // its folder as it is now; only approved content answers real inputs.
    let approved = active
        .as_ref()
        .and_then(|active| approved_of(root, review.scan_limits(), active));
    let report_baseline = baseline_of(active.as_ref(), approved.as_ref());
    let baseline = match (&active, &approved) {
        (_, Some(approved)) => Some(approved.clone()),
        (Some(active), None) => Some(permissions::granted_nothing(active)),
        // An active tool changed where it is: its permissions against what a person approved
        // of it (its seal's snapshot), as approving it there weighs them.
        (None, None) if entry.tier.is_active() => approved_of(root, review.scan_limits(), entry),
        (None, None) => None,
    };
    let ever_active = match history {
        Some(store) => store
            .lock()
            .versions_of(&entry.name)
            .ok()
            .map(|versions| versions.into_iter().map(|v| v.version).collect::<Vec<_>>()),
        None => None,
    };
    let (permissions_check, permission_findings, permissions) = permissions::review(
        entry,
        baseline.as_ref(),
        ever_active.as_deref(),
        manifest_text(&sources),
    );
    // Last, and alone: the real inputs of its lineage.
    let limit = settings.replay_cases as usize;
    let parent = replayed_parent(entry, active.as_ref(), approved.as_ref(), limit);
    let replayed = match (parent, &copy) {
        (Ok(parent), Some(copy)) if !packages_missing => {
            let history = match history {
                None => Vec::new(),
                // A store that cannot be read leaves the active version's tests to replay.
                Some(store) => store
                    .lock()
                    .lineage_inputs(&entry.name, &entry.version, limit)
                    .unwrap_or_default(),
            };
            let mut inputs = differential::inputs(history, parent);
            inputs.truncate(limit);
            Ok(differential::replay(&trials, parent, copy, inputs, deadline).await)
        }
        (Ok(_), _) => Err(differential::NotReplayed::NotRunnable),
        (Err(why), _) => Err(why),
    };
    let (syntax_check, syntax_findings) = syntax;
    let (lint_check, lint_findings) = lint;
    let not_run = |check: Check| {
        if packages_missing {
            let why = "not run: its packages are not there (see dependencies)";
            Check::new(check.check, CheckStatus::Skip, why)
        } else {
            check
        }
    };
    let tests_check = not_run(cases::tests_check(tool, &case_runs));
    let schema_check = not_run(cases::output_schema_check(tool, &tool_dir, &case_runs));
    let generated_check = not_run(generated::check(
        entry,
        generated.as_ref(),
        settings.generated_cases as usize,
    ));
    let differential_check = not_run(differential::check(replayed.as_ref()));

    // The permissions lead the checklist and their findings the findings: a person sees
    // first what the tool may newly read, write or reach.
    let checks = vec![
        permissions_check,
        manifest,
        links,
        dependencies_check,
        syntax_check,
        lint_check,
        security_check,
        tests_check,
        schema_check,
        generated_check,
        differential_check,
        similar_check(&similar),
    ];
    let mut findings = permission_findings;
    // The lock, package by package, against what a person approved of the active version.
    let parent_dir = approved.as_ref().or(active.as_ref()).map(ToolEntry::folder);
    findings.extend(deps::lock_findings(&tool_dir, parent_dir.as_deref()));
    findings.extend(syntax_findings);
    findings.extend(lint_findings);
    findings.extend(security_findings);
    let tests = case_runs.into_iter().map(|c| c.result).collect();
    let package_sources = judged_packages(&checks).then(|| package_sources(review));
    Ok(ValidationReport {
        name: entry.name.clone(),
        version: entry.version.clone(),
        tier: entry.tier,
        path: relative(root, &entry.path),
        verdict: verdict_of(&checks),
        checks,
        findings,
        tests,
        similar,
        permissions,
        generated,
        differential: replayed.ok(),
        baseline: report_baseline,
        package_sources,
        content_hash: judged,
        validated_at: crate::clock::now_rfc3339(),
        cached: false,
        runs: Vec::new(),
    })
}

fn similar_check(similar: &[Similar]) -> Check {
    similar::check(similar)
}

/// Why validation could not copy `entry`: it changed meanwhile (as `validate_cached` says of
/// a change during the checks), or its folder could not be read or copied.
fn copy_refused(root: &Path, entry: &ToolEntry, error: private_copy::CopyError) -> ValidateError {
    match error {
        private_copy::CopyError::Changed { expected, copied } => ValidateError::ChangedDuring {
            folder: relative(root, &entry.path),
            before: expected,
            after: copied,
        },
        other => ValidateError::Unavailable {
            tool: entry.id(),
            reason: other.to_string(),
        },
    }
}

/// What of the active version `active` is replayed against `entry`: what a person approved
/// of it (`approved`), only approved content answering real inputs; or why nothing is.
fn replayed_parent<'p>(
    entry: &ToolEntry,
    active: Option<&ToolEntry>,
    approved: Option<&'p ToolEntry>,
    replay_cases: usize,
) -> Result<&'p ToolEntry, differential::NotReplayed> {
    use differential::NotReplayed;
    let active = active.ok_or(NotReplayed::NothingActive)?;
    if replay_cases == 0 {
        return Err(NotReplayed::Off);
    }
    let service = |e: &ToolEntry| e.manifest.as_ref().is_some_and(|m| m.service.is_some());
    if service(entry) || service(active) {
        return Err(NotReplayed::Service);
    }
    let parent = approved.ok_or_else(|| NotReplayed::NotApproved(active.id()))?;
    if service(parent) {
        return Err(NotReplayed::Service);
    }
    match (&entry.manifest, &parent.manifest) {
        (Some(_), Some(_)) => Ok(parent),
        _ => Err(NotReplayed::NotRunnable),
    }
}

/// `tool.toml` as written, among the sources read (absent for an inferred manifest).
fn manifest_text(sources: &[sources::SourceFile]) -> Option<&str> {
    sources
        .iter()
        .find(|s| s.relative == crate::model::MANIFEST_FILE)
        .map(|s| s.text.as_str())
}

/// `validate` on a small runtime of its own, for callers without one; the report holds the
/// records of its runs, which nothing stored.
pub fn validate_blocking(
    review: &ReviewContext,
    entry: &ToolEntry,
    catalog: &Catalog,
) -> Result<ValidationReport, ValidateError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ValidateError::Unavailable {
            tool: entry.id(),
            reason: format!("cannot start a runtime: {e}"),
        })?;
    let compared = Compared::with(entry, catalog);
    let ran = Arc::new(std::sync::Mutex::new(Vec::new()));
    let runs = RunSink::new({
        let ran = Arc::clone(&ran);
        move |run| {
            ran.lock().unwrap_or_else(PoisonError::into_inner).push(run);
            Box::pin(std::future::ready(()))
        }
    });
    let mut report = runtime.block_on(async {
        let comparing = Comparing::start(move || compared);
        validate(review, entry, comparing, None, None, &runs).await
    })?;
    report.runs = std::mem::take(&mut ran.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(report)
}

/// The cached report of `entry`, when the store holds one for its current content.
pub(crate) fn cached(
    store: &Store,
    root: &Path,
    entry: &ToolEntry,
) -> Result<Option<ValidationReport>, StoreError> {
    let (path, hash) = (relative(root, &entry.path), content_hash_of(entry));
    // The same content judged where it was before a decision moved it is judged already:
    // an approved tool keeps the report it was approved on.
    let json = match store.cached_validation(&path, &hash)? {
        Some(json) => json,
        None => match store.validation_of_content(&hash)? {
            Some(json) => json,
            None => return Ok(None),
        },
    };
    // A report this build cannot read (written by another version) is simply stale, and so is
    // one from before permissions were checked: it cannot say what the tool asks for anew.
    Ok(serde_json::from_str::<ValidationReport>(&json)
        .ok()
        .filter(|report| report.permissions.is_some() || entry.manifest.is_none())
        .map(|report| ValidationReport {
            cached: true,
            path,
            tier: entry.tier,
            ..report
        }))
}

/// Keeps `report` in the store's review queue row of its path (relative to `root`), which
/// keeps the tool's arrival from its first save.
pub(crate) fn save(
    store: &mut Store,
    root: &Path,
    report: &ValidationReport,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(&ValidationReport {
        cached: false,
        runs: Vec::new(),
        ..report.clone()
    })
    .unwrap_or_default();
    store.save_validation(&ValidationRow {
        path: &report.path,
        tool: &report.name,
        version: &report.version,
        content_hash: &report.content_hash,
        verdict: report.verdict.as_str(),
        json: &json,
        arrived_at: &crate::model::review_queue::arrival_of(&root.join(&report.path)),
    })
}

/// The cached report when the tool's content is unchanged and it would be compared with what
/// the report compared it with (unless `force`), else a fresh validation that is then cached,
/// its runs going to `runs` as they end. A validation the process's stop cut short is not
/// kept.
pub(crate) async fn validate_cached(
    review: &ReviewContext,
    entry: &ToolEntry,
    comparer: Comparer<impl FnOnce() -> Option<ToolEntry>, impl FnOnce() -> Comparing>,
    store: &SharedStore,
    force: bool,
    seed: Option<u64>,
    runs: &RunSink,
) -> Result<ValidationReport, ValidateError> {
    if entry.oversized {
        return Err(ValidateError::Oversized {
            tool: entry.name.clone(),
            reason: entry.error.clone().unwrap_or_default(),
        });
    }
    // The process's writer is taken only for the look-up and the save, never while the test
    // cases run.
    // Another seed asks for other inputs than the cached report tried.
    // A cached verdict does not build an environment that went missing: validate again.
    let unbuilt = crate::runner::packages::environment_of(review.root(), &entry.folder())
        .is_some_and(|env| !env.built);
    let found = if force || seed.is_some() || unbuilt {
        None
    } else {
        cached(&store.lock(), review.root(), entry)?
    };
    // A lock's sources were judged against the config's index and links of the day
    // (`unnamed-index`): a report holds only while they are the same.
    let found = found.filter(|report| !judged_other_sources(review, report));
    // A candidate's report compared with another baseline (a version accepted, approved or
    // rolled back since) judged what it would change against what is no longer there. An
    // active tool keeps the report it was approved on.
    if let Some(report) = found.filter(|report| {
        if entry.tier.is_active() {
            return true;
        }
        let active = (comparer.active)();
        let approved = active
            .as_ref()
            .and_then(|active| approved_of(review.root(), review.scan_limits(), active));
        report.baseline == baseline_of(active.as_ref(), approved.as_ref())
    }) {
        return Ok(report);
    }
    // A cached report compares nothing.
    let report = validate(review, entry, (comparer.compare)(), Some(store), seed, runs).await?;
    if crate::runner::stop::stopping() {
        return Err(ValidateError::Stopped { tool: entry.id() });
    }
    // An approval is bound to the report's hash: the report must be of that content only.
    let now = crate::catalog::scan::hash_now(&entry.path);
    if now != report.content_hash {
        return Err(ValidateError::ChangedDuring {
            folder: report.path,
            before: short_hash(&report.content_hash).to_string(),
            after: short_hash(&now).to_string(),
        });
    }
    save(&mut store.lock(), review.root(), &report)?;
    Ok(report)
}

/// Whether `report` judged a lock's sources against other index and links than the config
/// names now: its findings may miss a host the config no longer names.
pub(crate) fn judged_other_sources(review: &ReviewContext, report: &ValidationReport) -> bool {
    judged_packages(&report.checks)
        && report.package_sources.as_deref() != Some(&*package_sources(review))
}

/// Whether the dependencies check judged packages the tool declares or locks.
fn judged_packages(checks: &[Check]) -> bool {
    checks
        .iter()
        .any(|c| c.check == CheckKind::Dependencies && c.status != CheckStatus::Skip)
}

/// What the config says of where packages may come from: the index and links a lock's
/// sources are judged against (a host it does not name is flagged), and whether direct
/// references may be resolved. (The manifest's own are part of the content judged.)
fn package_sources(review: &ReviewContext) -> String {
    let settings = &review.config().dependencies;
    format!(
        "index {}; links {}; direct {}",
        settings.index.as_deref().unwrap_or("(default)"),
        settings.find_links.join(" "),
        settings.allow_direct
    )
}

/// The manifest check: broken is a failure, inferred or with unknown fields a warning.
fn manifest_check(entry: &ToolEntry) -> Check {
    let kind = CheckKind::Manifest;
    if let Some(error) = &entry.error {
        return Check::new(kind, CheckStatus::Fail, error.clone());
    }
    let mut warnings = Vec::new();
    if entry.inferred {
        warnings.push("manifest inferred from a bare script".to_string());
    }
    // Nothing about a prohibited tool can be run or tested: a pass would mean nothing.
    if entry.cost_tier == Some(crate::model::CostTier::Prohibited) {
        warnings.push(
            "cost_tier = \"prohibited\": it never runs, so none of it was exercised".to_string(),
        );
    }
    warnings.extend(entry.warnings.iter().cloned());
    if warnings.is_empty() {
        Check::new(kind, CheckStatus::Pass, "tool.toml is valid")
    } else {
        Check::new(kind, CheckStatus::Warn, warnings.join("; "))
    }
}

/// The symlink rule (`catalog::links`): a tool folder that is a link, or holds one leading out
/// of it, fails.
fn links_check(entry: &ToolEntry) -> Check {
    let kind = CheckKind::Links;
    match crate::catalog::links::check(entry) {
        Ok(()) => Check::new(
            kind,
            CheckStatus::Pass,
            "no symlink leads out of the tool folder",
        ),
        Err(e) => Check::new(kind, CheckStatus::Fail, e.to_string()),
    }
}

/// The catalog's content hash, or one computed now for entries the scan could not hash
/// (broken tools), so a cached verdict never outlives a change.
fn content_hash_of(entry: &ToolEntry) -> String {
    if !entry.content_hash.is_empty() {
        return entry.content_hash.clone();
    }
    crate::catalog::scan::hash_now(&entry.path)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn check(status: CheckStatus) -> Check {
        Check::new(CheckKind::Lint, status, "")
    }

    #[test]
    fn verdict_is_the_worst_check() {
        assert_eq!(verdict_of(&[]), Verdict::Pass);
        assert_eq!(
            verdict_of(&[check(CheckStatus::Pass), check(CheckStatus::Skip)]),
            Verdict::Pass
        );
        assert_eq!(
            verdict_of(&[check(CheckStatus::Warn), check(CheckStatus::Pass)]),
            Verdict::Warn
        );
        assert_eq!(
            verdict_of(&[check(CheckStatus::Warn), check(CheckStatus::Fail)]),
            Verdict::Fail
        );
    }

    #[test]
    fn validation_futures_can_run_on_a_spawned_task() {
        fn assert_send<T: Send>(_: &T) {}
        fn both(review: &ReviewContext, entry: &ToolEntry, store: &SharedStore, runs: &RunSink) {
            let compare = || Comparing::start(|| unreachable!("never run: only typed"));
            assert_send(&validate(review, entry, compare(), Some(store), None, runs));
            let comparer = Comparer {
                active: || None,
                compare,
            };
            assert_send(&validate_cached(
                review, entry, comparer, store, false, None, runs,
            ));
        }
        let _ = both;
    }

    #[test]
    fn report_json_has_the_contract_keys_and_no_runs() {
        let report = ValidationReport {
            version: "1.0.0".into(),
            checks: vec![check(CheckStatus::Warn)],
            ..report_with(None)
        };
        let value = serde_json::to_value(&report).expect("json");
        for key in [
            "name", "version", "verdict", "checks", "findings", "tests", "similar",
        ] {
            assert!(value.get(key).is_some(), "{key} in {value}");
        }
        assert!(value.get("runs").is_none());
        assert_eq!(value["verdict"], "warn");
        assert_eq!(value["checks"][0]["check"], "lint");
        let back: ValidationReport = serde_json::from_value(value).expect("read back");
        assert_eq!(back, report);
    }

    fn report_with(permissions: Option<PermissionsReport>) -> ValidationReport {
        ValidationReport {
            name: "t".into(),
            version: "1.1.0".into(),
            tier: Tier::Experimental,
            path: "experimental/t".into(),
            verdict: Verdict::Warn,
            checks: vec![],
            findings: vec![],
            tests: vec![],
            similar: vec![],
            permissions,
            generated: None,
            differential: None,
            baseline: None,
            package_sources: None,
            content_hash: "h".into(),
            validated_at: "2026-11-21T10:00:00.000Z".into(),
            cached: false,
            runs: vec![],
        }
    }

    #[test]
    fn report_json_carries_the_permissions_and_old_reports_still_load() {
        let permissions = PermissionsReport {
            declared: crate::model::DeclaredPermissions {
                project: crate::model::ProjectAccess::Write,
                read: vec![],
                write: vec!["project/build".into()],
                network: vec!["evil.example:443".into()],
            },
            summary: "project write · write project/build · network evil.example:443".into(),
            parent: Some("t@1.0.0".into()),
            escalations: vec!["project: read → write".into()],
        };
        let value = serde_json::to_value(report_with(Some(permissions))).expect("json");
        assert_eq!(
            value["permissions"],
            serde_json::json!({
                "project": "write",
                "read": [],
                "write": ["project/build"],
                "network": ["evil.example:443"],
                "summary": "project write · write project/build · network evil.example:443",
                "parent": "t@1.0.0",
                "escalations": ["project: read → write"],
            })
        );
        let mut old = serde_json::to_value(report_with(None)).expect("json");
        old.as_object_mut().expect("object").remove("permissions");
        let back: ValidationReport = serde_json::from_value(old).expect("an old report loads");
        assert_eq!(back.permissions, None);
    }

    #[test]
    fn a_cached_report_from_before_permissions_were_checked_is_stale() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(dir.path()).expect("store");
        let manifest = crate::catalog::manifest::parse_manifest(
            "name = \"t\"\nversion = \"1.1.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
            Path::new("tool.toml"),
        )
        .expect("manifest")
        .manifest;
        let entry = ToolEntry {
            path: dir.path().join("experimental/t"),
            content_hash: "h".into(),
            manifest: Some(std::sync::Arc::new(manifest)),
            ..ToolEntry::fixture(Tier::Experimental, "t")
        };
        save(&mut store, dir.path(), &report_with(None)).expect("save");
        assert_eq!(cached(&store, dir.path(), &entry).expect("read"), None);
        save(
            &mut store,
            dir.path(),
            &report_with(Some(PermissionsReport::default())),
        )
        .expect("save");
        let found = cached(&store, dir.path(), &entry).expect("read");
        assert!(found.is_some_and(|r| r.cached));
    }
}
