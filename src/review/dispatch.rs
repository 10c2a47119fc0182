//! Where the review vocabulary is applied: every decision a human takes on a tool or a tool
//! request, one [`ReviewCommand`] (see `model::review_command`), goes to the library function that decides
//! it through one function here (`apply`). The CLI's subcommands, the workbench's keys and
//! (next) MCP build the command; nothing else picks which library function decides.

use super::requests;
use super::{ReviewContext, ReviewError, evolve, lifecycle, undo};
use crate::model::ToolId;
use crate::model::decided::Decision;
use crate::model::decided::Outcome;
use crate::model::decisions::EvolveProgress;
use crate::model::review_command::ReviewCommand;
use crate::store::SharedStore;

/// Takes the decision on `tool`, or answers the request for its name when it has one and no
/// candidate waits in experimental/. The one place a command meets the lifecycle.
pub fn apply(
    ctx: &ReviewContext,
    store: &SharedStore,
    tool: &ToolId,
    command: &ReviewCommand,
) -> Result<Outcome, ReviewError> {
    apply_reporting(ctx, store, tool, command, &|_| {})
}

/// `apply`, telling `progress` what a long decision (an evolve's evolver) is doing.
pub(crate) fn apply_reporting(
    ctx: &ReviewContext,
    store: &SharedStore,
    tool: &ToolId,
    command: &ReviewCommand,
    progress: &dyn Fn(EvolveProgress),
) -> Result<Outcome, ReviewError> {
    if let Some(answer) = requests::answer_if_requested(ctx, &mut store.lock(), tool, command)? {
        return Ok(Outcome::Request(answer));
    }
    decide(ctx, store, tool, command, progress)
        .map(Outcome::Tool)
        .map_err(|e| whose_content(ctx, store, tool, e))
}

/// A refusal of content that is not there, told precisely when it is another tool's
/// (`lookup::whose_content`).
fn whose_content(
    ctx: &ReviewContext,
    store: &SharedStore,
    tool: &ToolId,
    error: ReviewError,
) -> ReviewError {
    match error {
        ReviewError::Lookup(error) => ReviewError::Lookup(crate::lookup::whose_content(
            ctx.root(),
            ctx.scan_limits(),
            &mut store.clone(),
            tool,
            error,
        )),
        other => other,
    }
}

/// Every decision takes the store only around its store steps, never while it copies, hashes,
/// runs an evolver or commits to git.
fn decide(
    ctx: &ReviewContext,
    store: &SharedStore,
    tool: &ToolId,
    command: &ReviewCommand,
    progress: &dyn Fn(EvolveProgress),
) -> Result<Decision, ReviewError> {
    // Each store step takes the store for itself alone: a decision's copies and its git commit
    // run with the store free for the rest of the process.
    let steps = &mut store.clone();
    match command {
        ReviewCommand::Approve { reason, accepted } => {
            lifecycle::approve(ctx, steps, tool, reason.as_deref(), *accepted)
        }
        ReviewCommand::Reject { reason } => lifecycle::reject(ctx, steps, tool, reason),
        ReviewCommand::RequestChanges { feedback } => {
            lifecycle::request_changes(ctx, steps, tool, feedback)
        }
        ReviewCommand::Promote => lifecycle::promote(ctx, steps, tool),
        ReviewCommand::Archive { reason } => {
            lifecycle::archive(ctx, steps, tool, reason.as_deref())
        }
        ReviewCommand::Restore => lifecycle::restore(ctx, steps, tool),
        ReviewCommand::Rollback { to } => lifecycle::rollback(ctx, steps, tool, to.as_deref()),
        ReviewCommand::Evolve { hint, with } => evolve::evolve_reporting(
            ctx,
            store,
            tool,
            hint,
            with.as_ref(),
            evolve::EVOLVER_TIMEOUT,
            progress,
        ),
        ReviewCommand::EvolveEdited { hint, edits } => {
            evolve::evolve_with_edits(ctx, store, tool, hint, edits.clone())
        }
        ReviewCommand::Resubmit => evolve::resubmit(ctx, store, tool),
        ReviewCommand::Undo { of } => undo::undo(ctx, steps, tool, *of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use crate::model::Tier;
    use crate::model::decisions::{DecisionKind, Landing, SealEffect};
    use crate::store::Store;

    /// A workspace whose one tool, `greet`, decisions brought where a kind is taken from.
    struct Bench {
        dir: tempfile::TempDir,
        ctx: ReviewContext,
        store: SharedStore,
    }

    impl Bench {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            crate::workspace::init_workspace(dir.path()).expect("init");
            let ctx = ReviewContext::new(dir.path(), "ana");
            let store = SharedStore::new(Store::open(dir.path()).expect("store"));
            Bench { dir, ctx, store }
        }

        fn root(&self) -> &Path {
            self.dir.path()
        }

        /// `greet` as a validated candidate, or as decisions put it in `tier`.
        fn with_greet_in(tier: Tier) -> Self {
            let bench = Bench::new();
            bench.write("experimental/greet", "1.0.0", "echo hello");
            match tier {
                Tier::Experimental => {}
                Tier::Approved => bench.decide(DecisionKind::Approve),
                Tier::Core => {
                    bench.decide(DecisionKind::Approve);
                    bench.decide(DecisionKind::Promote);
                }
                Tier::Archived => {
                    bench.decide(DecisionKind::Approve);
                    bench.decide(DecisionKind::Archive);
                }
            }
            bench
        }

        /// Writes `greet` at `version` into `folder` (an active one's frozen files too), as
        /// validated.
        fn write(&self, folder: &str, version: &str, script: &str) {
            let path = self.root().join(folder);
            std::fs::create_dir_all(&path).expect("mkdir");
            let writable = std::fs::Permissions::from_mode(0o700);
            std::fs::set_permissions(&path, writable).expect("u+w");
            let files = [
                (
                    "tool.toml",
                    format!(
                        "name = \"greet\"\nversion = \"{version}\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
                    ),
                ),
                ("run.sh", format!("{script}\n")),
            ];
            for (file, text) in files {
                let file = path.join(file);
                if file.exists() {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .expect("u+w");
                }
                std::fs::write(file, text).expect("write");
            }
            crate::review::testing::mark_validated(self.root(), &mut self.store.lock(), folder);
        }

        fn apply(&self, kind: DecisionKind) -> Result<Outcome, ReviewError> {
            apply(
                &self.ctx,
                &self.store,
                &ToolId::named("greet"),
                &kind.with_text("why"),
            )
        }

        fn decide(&self, kind: DecisionKind) {
            self.apply(kind).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }

        /// The seal of `greet`; none while the workspace has no active tool to seal.
        fn seal(&self) -> Option<crate::model::seals::Seal> {
            match crate::seal::read(self.root(), "greet") {
                Err(crate::seal::SealError::NotAccepted { active: 0 }) => None,
                read => read.expect("seal"),
            }
        }

        fn decisions(&self) -> usize {
            self.store.lock().decisions_of("greet").expect("read").len()
        }
    }

    /// What a kind needs of `greet` in `tier` besides being there: changed content for
    /// what acts on an active tool's change, a kept version to roll back to.
    fn prepare(bench: &Bench, kind: DecisionKind, tier: Tier) {
        let folder = format!("{}/greet", tier.dir_name());
        match kind {
            DecisionKind::Approve | DecisionKind::Resubmit if tier.is_active() => {
                bench.write(&folder, "1.0.0", "echo changed");
            }
            DecisionKind::Rollback => {
                bench.write(&folder, "1.1.0", "echo newer");
                bench.decide(DecisionKind::Approve);
            }
            DecisionKind::Approve
            | DecisionKind::Resubmit
            | DecisionKind::Reject
            | DecisionKind::RequestChanges
            | DecisionKind::Promote
            | DecisionKind::Archive
            | DecisionKind::Restore => {}
        }
    }

    #[test]
    fn every_kind_moves_a_tool_as_the_decision_table_says() {
        for kind in DecisionKind::ALL.iter().copied() {
            for tier in Tier::ALL.iter().copied() {
                let bench = Bench::with_greet_in(tier);
                let Some(landing) = kind.landing(tier) else {
                    let before = bench.decisions();
                    let refused = bench.apply(kind);
                    assert!(refused.is_err(), "{kind:?} from {tier} was not refused");
                    assert_eq!(bench.decisions(), before, "{kind:?} from {tier}");
                    continue;
                };
                prepare(&bench, kind, tier);
                let sealed = bench.seal();
                let decision = match bench.apply(kind) {
                    Ok(Outcome::Tool(decision)) => decision,
                    other => panic!("{kind:?} from {tier}: {other:?}"),
                };
                let table = kind.spec();
                let at = format!("{kind:?} from {tier}");
                assert_eq!(decision.action, table.records, "{at}");
                assert_eq!(decision.from_tier, tier, "{at}");
                assert!(
                    decision.records.iter().any(|r| r.action == table.records
                        && r.from_tier == Some(tier)
                        && r.to_tier == Some(decision.to_tier)),
                    "{at}: {:?}",
                    decision.records
                );
                match landing {
                    Landing::Tier(to) => assert_eq!(decision.to_tier, to, "{at}"),
                    Landing::InPlace => {
                        assert_eq!(decision.to_tier, tier, "{at}");
                        assert_eq!(decision.location, format!("{}/greet", tier.dir_name()));
                    }
                    // It was archived from approved/ (`with_greet_in`).
                    Landing::TierItLeft => assert_eq!(decision.to_tier, Tier::Approved, "{at}"),
                    Landing::KeptVersion => {
                        assert_eq!(decision.to_tier, tier, "{at}");
                        assert_eq!(decision.version, "1.0.0", "{at}");
                    }
                }
                let seal = bench.seal();
                match kind.seal() {
                    SealEffect::Seals => {
                        let seal = seal.unwrap_or_else(|| panic!("{at}: no seal"));
                        assert_eq!(
                            (seal.tier, seal.version.as_str(), seal.how.as_str()),
                            (decision.to_tier, decision.version.as_str(), kind.name()),
                            "{at}"
                        );
                    }
                    SealEffect::Unseals => assert_eq!(seal, None, "{at}"),
                    SealEffect::Unchanged => assert_eq!(seal, sealed, "{at}"),
                    SealEffect::FollowsMove => panic!("{at}: no kind records an undo"),
                }
            }
        }
    }

    #[test]
    fn every_kind_makes_a_command_of_its_own_kind() {
        for kind in DecisionKind::ALL.iter().copied() {
            assert_eq!(kind.with_text("why").kind(), Some(kind));
        }
        assert_eq!(
            DecisionKind::Approve.with_text("  "),
            ReviewCommand::Approve {
                reason: None,
                accepted: Default::default()
            }
        );
        assert_eq!(
            DecisionKind::Reject.with_text("dup of slugify"),
            ReviewCommand::Reject {
                reason: "dup of slugify".into()
            }
        );
    }

    #[test]
    fn a_command_is_applied_by_its_lifecycle_function() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let folder = dir.path().join("experimental/greet");
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(
            folder.join("tool.toml"),
            "name = \"greet\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
        )
        .expect("write");
        let ctx = ReviewContext::new(dir.path(), "ana");
        let store = SharedStore::new(Store::open(dir.path()).expect("store"));
        let tool = ToolId::named("greet");
        let refused = apply(&ctx, &store, &tool, &DecisionKind::Reject.with_text(""));
        assert!(refused.is_err(), "a reject needs its reason");
        crate::review::testing::mark_validated(dir.path(), &mut store.lock(), "experimental/greet");
        let decision = apply(
            &ctx,
            &store,
            &tool,
            &ReviewCommand::Approve {
                reason: None,
                accepted: Default::default(),
            },
        )
        .expect("approved");
        assert!(
            decision.summary().starts_with("approved greet@1.0.0"),
            "{}",
            decision.summary()
        );
        assert!(dir.path().join("approved/greet/tool.toml").is_file());
    }

    fn line_count_request() -> requests::ToolRequest {
        requests::ToolRequest {
            name: "line_count".into(),
            description: "Count lines".into(),
            inputs: serde_json::json!("a path"),
            outputs: None,
            rationale: "often needed".into(),
        }
    }

    #[test]
    fn a_decision_on_a_requested_name_with_no_candidate_answers_the_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let ctx = ReviewContext::new(dir.path(), "ana");
        let store = SharedStore::new(Store::open(dir.path()).expect("store"));
        let request = line_count_request();
        requests::ask(&mut store.lock(), &request, "agent", &[]).expect("asked");
        let tool = ToolId::named("line_count");
        let refused = apply(&ctx, &store, &tool, &DecisionKind::Reject.with_text(" "));
        let refused = refused.expect_err("a reason is needed").to_string();
        assert_eq!(
            refused,
            "cannot reject the request for line_count: a reason is required (the agent reads it)"
        );
        let outcome =
            apply(&ctx, &store, &tool, &DecisionKind::Reject.with_text("dup")).expect("answered");
        assert_eq!(
            outcome.summary(),
            "rejected the request for line_count from agent (#1): dup"
        );
        let again = apply(&ctx, &store, &tool, &DecisionKind::Approve.with_text(""))
            .expect_err("answered once")
            .to_string();
        assert!(
            again.starts_with(
                "cannot approve the request for line_count: it was already rejected by ana at "
            ),
            "{again}"
        );
        assert!(
            !dir.path().join("approved/line_count").exists(),
            "nothing moves"
        );
    }

    #[test]
    fn an_answer_to_a_request_shown_is_refused_once_a_newer_one_of_its_name_came() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let ctx = ReviewContext::new(dir.path(), "ana");
        let mut store = Store::open(dir.path()).expect("store");
        let request = line_count_request();
        let first = requests::ask(&mut store, &request, "agent-a", &[]).expect("asked");
        let second = requests::ask(&mut store, &request, "agent-b", &[]).expect("asked");
        let approve = DecisionKind::Approve.with_text("");
        let refused = requests::answer_seen(&ctx, &mut store, first.id, &approve)
            .expect_err("the person saw only the first")
            .to_string();
        assert!(
            refused.ends_with(&format!(
                "a newer request for it (#{}) came since; answer that one",
                second.id
            )),
            "{refused}"
        );
        let unknown = requests::answer_seen(&ctx, &mut store, 99, &approve)
            .expect_err("no such request")
            .to_string();
        assert!(unknown.ends_with("there is no such request"), "{unknown}");
        let answered =
            requests::answer_seen(&ctx, &mut store, second.id, &approve).expect("answered");
        assert_eq!(
            answered.ids,
            vec![first.id, second.id],
            "both agents hear it"
        );
    }
}
