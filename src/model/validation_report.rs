//! What a validation found about one tool, as data: the report (`validate --json`'s shape),
//! its checklist, findings, test cases, similar tools, and the parts of the permissions, the
//! generated inputs and the replayed inputs. The checks that fill it are the review's
//! (`review::validate`); the front ends draw it from here.

use serde::{Deserialize, Serialize};

use crate::model::{DeclaredPermissions, RunRecord, RunStatus, Tier};

crate::model::string_enum! {
    CheckStatus { Pass => "pass", Warn => "warn", Fail => "fail", Skip => "skip" }
}

crate::model::string_enum! {
    /// The checks, in the order the report lists them: what the tool may reach comes first.
    CheckKind {
        Permissions => "permissions", Manifest => "manifest", Links => "links",
        Dependencies => "dependencies", Syntax => "syntax", Lint => "lint", Security => "security",
        Tests => "tests", OutputSchema => "output_schema", Generated => "generated",
        Differential => "differential", Similar => "similar",
    }
}

crate::model::string_enum! {
    FindingSeverity { Info => "info", Warning => "warning", Error => "error" }
}

crate::model::string_enum! {
    /// `error` means the case could not be judged (broken case file, the run never started).
    CaseStatus { Pass => "pass", Fail => "fail", Error => "error" }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Check {
    pub(crate) check: CheckKind,
    pub(crate) status: CheckStatus,
    pub(crate) message: String,
}

impl Check {
    pub(crate) fn new(check: CheckKind, status: CheckStatus, message: impl Into<String>) -> Self {
        Self {
            check,
            status,
            message: message.into(),
        }
    }
}

/// Something a check found at a place in the tool's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finding {
    /// Rule id: `pipe-to-shell`, `syntax`, a linter code such as `F401` or `SC2086`, …
    pub(crate) rule: String,
    /// Path relative to the tool folder, `/`-separated.
    pub(crate) file: String,
    pub(crate) line: Option<usize>,
    pub(crate) severity: FindingSeverity,
    pub(crate) message: String,
    /// The check that reported it.
    pub(crate) check: CheckKind,
}

/// The result of one test case (`tests/<case>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The case file's name without `.toml`.
    pub(crate) case: String,
    pub(crate) status: CaseStatus,
    pub(crate) message: String,
    /// The run's own duration (0 when nothing ran).
    pub(crate) duration_ms: u64,
    pub(crate) peak_memory_kb: Option<u64>,
    pub(crate) exit_code: Option<i32>,
}

/// Another tool of the catalog that looks like this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Similar {
    pub(crate) name: String,
    /// 0..1, rounded to two decimals.
    pub(crate) score: f64,
    pub(crate) version: String,
    pub(crate) tier: Tier,
}

crate::model::string_enum! {
    /// The overall judgement: fail when any check fails, warn when any warns.
    Verdict { Pass => "pass", Warn => "warn", Fail => "fail" }
}

/// The report's `permissions`: what the tool declares, and what of it is new.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PermissionsReport {
    #[serde(flatten)]
    pub(crate) declared: DeclaredPermissions,
    /// The same on one line (`project read · network api.github.com:443`, or `none`).
    #[serde(default)]
    pub(crate) summary: String,
    /// The active version of its name it was compared with (`name@version`), when there is
    /// one.
    #[serde(default)]
    pub(crate) parent: Option<String>,
    /// What the tool asks for that the active version was not granted, one line each
    /// (`project: read → write`, `network: evil.example:443`).
    #[serde(default)]
    pub(crate) escalations: Vec<String>,
}

/// One distinct failure the generated inputs found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GeneratedFailure {
    /// `exit 1`, `crash (signal 11)`, `timeout`, `output breaks the output schema`, …
    pub(crate) kind: String,
    /// The last line of stderr, or why the run ended.
    pub(crate) message: String,
    /// The smallest input found that shows it (JSON text).
    pub(crate) input: String,
    /// How many generated inputs showed it before shrinking.
    pub(crate) seen: usize,
}

/// What the generated inputs did (the `generated` part of `validate --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GeneratedReport {
    /// Replays the same inputs: `toolbench validate NAME --seed SEED`.
    pub(crate) seed: u64,
    /// Inputs run (shrinking runs not counted).
    pub(crate) tried: usize,
    /// Inputs made: boundary values first, then random ones.
    pub(crate) planned: usize,
    /// The budget ran out before every input ran.
    pub(crate) out_of_budget: bool,
    pub(crate) failures: Vec<GeneratedFailure>,
}

/// One side of a difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answered {
    pub(crate) status: RunStatus,
    pub(crate) exit_code: Option<i32>,
    pub(crate) stdout: String,
    /// The output schema refused what it printed.
    pub(crate) schema_violation: bool,
    /// The input schema refused the input before anything ran.
    #[serde(default)]
    pub(crate) refused: Option<String>,
}

impl Answered {
    /// How it ended, in a few words: `exit 0`, `timeout · breaks the output schema`,
    /// `refused: why`.
    pub(crate) fn ending(&self) -> String {
        if let Some(why) = &self.refused {
            return format!("refused: {why}");
        }
        let exit = self
            .exit_code
            .map_or(self.status.to_string(), |c| format!("exit {c}"));
        if self.schema_violation {
            format!("{exit} · breaks the output schema")
        } else {
            exit
        }
    }
}

/// An input parent and candidate answered differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Difference {
    /// JSON text, as the run history holds it.
    pub(crate) input: String,
    /// `history` or `tests/NAME.toml`.
    pub(crate) source: String,
    pub(crate) parent: Answered,
    pub(crate) candidate: Answered,
    /// What differs: `exit`, `stdout`, `output schema`, `refused by the new input schema`.
    pub(crate) what: Vec<String>,
}

/// The `differential` part of `validate --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DifferentialReport {
    /// `NAME@VERSION` of the parent.
    pub(crate) parent: String,
    /// Inputs replayed against both.
    pub(crate) replayed: usize,
    /// Inputs there were to replay: from the history, then from the parent's tests.
    pub(crate) from_history: usize,
    pub(crate) from_tests: usize,
    pub(crate) out_of_budget: bool,
    /// Inputs answered differently, breaking changes (refused by the new schema) among them.
    pub(crate) differences: Vec<Difference>,
    /// Inputs on which one tool answered two ways when asked twice: flagged, not compared.
    pub(crate) not_deterministic: usize,
}

/// What a validation compared its tool with: the active version of its name as a person
/// approved it (`approved`), or, when nobody approved any content of it, that version granted
/// nothing. A cached report holds only while its tool would be compared with the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Baseline {
    /// `NAME@VERSION`.
    pub(crate) tool: String,
    pub(crate) content_hash: String,
    pub(crate) approved: bool,
}

/// Everything validation found about one tool (the `validate --json` shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) tier: Tier,
    /// The tool folder (or bare script), relative to the workspace root.
    pub(crate) path: String,
    pub(crate) verdict: Verdict,
    pub(crate) checks: Vec<Check>,
    pub(crate) findings: Vec<Finding>,
    pub tests: Vec<CaseResult>,
    pub(crate) similar: Vec<Similar>,
    /// What the tool declares in `[permissions]`, and what its parent was not granted (none
    /// without a manifest, and in reports from before permissions were checked).
    #[serde(default)]
    pub(crate) permissions: Option<PermissionsReport>,
    /// Inputs generated from the input schema, and the failures they found.
    #[serde(default)]
    pub(crate) generated: Option<GeneratedReport>,
    /// The parent's real inputs replayed against parent and candidate.
    #[serde(default)]
    pub(crate) differential: Option<DifferentialReport>,
    /// What it was compared with; none when nothing of its name was active (and in reports
    /// from before the baseline was kept, which hold only while nothing of the name is).
    #[serde(default)]
    pub(crate) baseline: Option<Baseline>,
    /// Where its packages were judged to come from (the index and links of the config and
    /// manifest then, `validate::package_sources`); none for a tool that declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) package_sources: Option<String>,
    pub(crate) content_hash: String,
    /// RFC 3339 UTC.
    pub(crate) validated_at: String,
    /// True when this report came from the cache instead of a fresh validation.
    #[serde(default)]
    pub(crate) cached: bool,
    /// The validation's runs (origin `validation`) as the store took them, with their ids;
    /// set by the validation job, which records them as they end.
    #[serde(skip)]
    pub runs: Vec<RunRecord>,
}

impl ValidationReport {
    /// The candidate's declared packages could not be resolved (`why`): its dependencies
    /// check fails with that reason.
    pub(crate) fn unresolved(&mut self, why: String) {
        if let Some(check) = self
            .checks
            .iter_mut()
            .find(|c| c.check == CheckKind::Dependencies)
        {
            check.status = CheckStatus::Fail;
            check.message = why;
        }
        self.verdict = verdict_of(&self.checks);
    }
}

/// Fail when any check fails, warn when any warns, else pass.
pub(crate) fn verdict_of(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.status == CheckStatus::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.status == CheckStatus::Warn) {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

/// One validation's result.
#[derive(Debug)]
pub struct Validated {
    /// The report, stored; its `runs` are the validation's runs the store took, with their ids.
    pub(crate) report: ValidationReport,
    /// The validation's runs the store refused, each kept for the next start when it could be.
    pub(crate) unstored: Vec<crate::model::run_job::UnstoredRun>,
}
