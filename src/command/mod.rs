//! One vocabulary for everything a front end asks that changes or runs something: review
//! decisions, validation, runs, calls by capability, failure reports, gc, services, and
//! answers to agents' calls. The CLI's
//! subcommands, the workbench's keys and the MCP server's tools build a [`Command`];
//! `apply` is the one place that resolves its tool, applies the rules (the cost gate, the
//! run-and-record path, the failure report's checks) and does it.

mod agent_report;
mod agents;
mod applied;
mod calls;
mod context;
mod decide;
pub(crate) mod devices;
mod error;
mod gate;
mod services;
mod signers;
mod suggestions;
mod tasks;
pub mod validations;

pub use applied::{Applied, CallReport, PairingCode, Session, SuggestionAnswered};
pub(crate) use applied::{Attempt, AttemptOutcome};
pub use context::Context;
use context::blocking;
use decide::decide;
pub use error::{CommandError, DeviceError};
pub(crate) use error::{input_refused, refused_field};
pub(crate) use gate::check_gate;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::catalog::scan::ScanLimits;
use crate::jobs::run::RunJob;
use crate::jobs::validation::validate_and_record;
use crate::lookup;
use crate::model::Catalog;
use crate::model::admission::Asker;
use crate::model::decided::Outcome;
use crate::model::failure_report::{AGENT_REPORT_HOURS, FailureReport, FailureReportError};
use crate::model::quality::ToolStats;
use crate::model::review_command::ReviewCommand;
use crate::model::{Capability, RunOrigin, RunRecord, RunStatus, Tier, ToolEntry, ToolId};
use crate::review::validate::{Compared, Comparer, Comparing, active_entry, similar};
use crate::runner::{Reach, RunRequest};
use crate::store::suggestions::CapabilityOutcome;
use crate::store::{SharedStore, Store};
use agent_report::{check_agent_run, failures_a_run_carries};

/// What a front end can ask.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A review decision on a tool, or on the tool request of its name.
    Decide {
        tool: ToolId,
        decision: ReviewCommand,
    },
    /// The answer to tool request `id` as a person saw it (`review::requests::answer_seen`).
    AnswerRequest { id: i64, decision: ReviewCommand },
    /// The validation checklist; `force` ignores a cached report for the same content.
    /// `seed`: the generated inputs of the validation that recorded it, tried again.
    /// `folder`: the folder a front end saw the tool in, the one validated, and only while
    /// it holds `tool` (bound to its content by `ToolId::content_of`); `None` looks the tool up.
    Validate {
        tool: ToolId,
        folder: Option<PathBuf>,
        force: bool,
        seed: Option<u64>,
    },
    /// A reviewer makes an input that broke a candidate (`input`, JSON text) a test case of
    /// it; `why` is the failure it showed.
    AddCase {
        tool: ToolId,
        input: String,
        why: String,
    },
    /// One sandboxed run, with what the person consented to for it.
    Run {
        tool: ToolId,
        input: Option<String>,
        consent: Consent,
    },
    /// The best active tools with `capability`, best quality first, each tried until one
    /// succeeds; every attempt is recorded.
    Call {
        capability: Capability,
        input: Option<String>,
        max_attempts: usize,
        confirmed: bool,
    },
    /// A failure a person or an agent saw; `run` is the run it was seen in, when known. An
    /// agent's report (origin `mcp`) counts only as the failure of its own recent run: the
    /// one named, else its newest run of the tool.
    MarkFailure {
        tool: ToolId,
        report: FailureReport,
        run: Option<i64>,
    },
    /// Archives approved tools unused for `days_unused` days, or scored below `min_quality`.
    Gc {
        days_unused: Option<u64>,
        min_quality: Option<f64>,
        dry_run: bool,
    },
    /// Launches `instance` of the service `tool` (NAME or NAME@VERSION). `confirmed`: as for
    /// a run.
    Launch {
        tool: String,
        instance: String,
        confirmed: bool,
    },
    /// An agent's proposal, by the MCP client `client`: written into `experimental/` as a
    /// candidate, or found where this name, version and content already are.
    Propose {
        proposal: crate::model::proposals::Proposal,
        client: String,
    },
    /// An agent asks for a tool before writing it; a person answers (`AnswerRequest`).
    RequestTool {
        request: crate::model::requests::ToolRequest,
        client: String,
    },
    /// Stops a service instance.
    Stop { instance: String },
    /// Writes a service definition to `core/NAME/`: version 1.0.0 when new, else the next
    /// patch version of the one it replaces (`tools define`, `tools import`).
    DefineService {
        definition: Box<crate::model::service_definition::Definition>,
    },
    /// Archives the active service `name` (`tools undefine`); refused while an instance of it
    /// runs.
    UndefineService { name: String },
    /// Sends `message` to a service instance (relaunched when it died), with `context`.
    Send {
        instance: String,
        message: String,
        context: serde_json::Value,
    },
    /// Answers an agent's call that waits for a person. `seen`: the call as the person saw
    /// it, which the answer is bound to.
    AnswerCall {
        id: i64,
        decision: crate::model::calls::decision::CallDecision,
        seen: Option<crate::model::calls::decision::SeenCall>,
    },
    /// Holds an agent's call that the admission rule gives to a person: recorded as waiting,
    /// or let through at once by the first approval rule its arguments match.
    HoldCall {
        call: Box<crate::model::calls::NewCall>,
    },
    /// Ends a waiting call as toolbench itself (`state`: expired, or cancelled by its
    /// client), unless a person answered it first.
    EndCall {
        id: i64,
        state: crate::model::calls::CallState,
        reason: String,
    },
    /// Revokes an approval rule.
    RevokeRule { id: i64 },
    /// A change to an MCP task (opened, its progress, its end, a cancel asked, the expired
    /// forgotten).
    Task(crate::model::tasks::TaskChange),
    /// Runs the detectors over the run history and records what they find; answers with
    /// the open suggestions. The active tools are the front end's catalog's, else scanned.
    RefreshSuggestions,
    /// Accepts what the run history suggests; an evolve suggestion evolves the tool.
    AcceptSuggestion { id: i64 },
    /// Dismisses a suggestion, saying why, so it is not suggested again.
    DismissSuggestion { id: i64, reason: String },
    /// A person accepts, as they are, the active tools of a workspace never opened here (all,
    /// or those named in `only`); `dry_run` lists them and accepts nothing.
    Accept { only: Vec<ToolId>, dry_run: bool },
    /// A one-time code that pairs a device with the review page, for the device `name`
    /// (else `device-N`), and the link that redeems it on the page: served at `listen` and
    /// reached by `host` when given, else where `[web]` says.
    PairingCode {
        name: Option<String>,
        listen: Option<SocketAddr>,
        host: Option<String>,
    },
    /// Redeems a pairing code for a session of its device.
    Pair { code: String },
    /// Ends the session of a paired device.
    RevokeDevice { name: String },
    /// Adds the reviewer `principal`, whose public key is in `key_file`, to the workspace's
    /// allowed_signers, and trusts that key on this machine.
    AddSigner {
        principal: String,
        key_file: PathBuf,
    },
    /// Trusts on this machine the workspace's reviewers as its allowed_signers lists them now.
    AcceptSigners,
    /// Takes, on this machine, the folder the workspace's toolbench.toml names (`[project]
    /// path`), as it resolves now, as the project its tools work on.
    AcceptProject,
}

impl Command {
    /// `decision` on the tool a person saw as `entry`. It acts on the content on the row or in
    /// the detail; a rollback or an undo is bound to the decision record it names, which it
    /// checks against the tool as it is now, so those name the tool only.
    pub(crate) fn decide_on(entry: &ToolEntry, decision: ReviewCommand) -> Command {
        let tool = match decision {
            ReviewCommand::Rollback { .. } | ReviewCommand::Undo { .. } => {
                ToolId::named(&entry.name)
            }
            ReviewCommand::Approve { .. }
            | ReviewCommand::Reject { .. }
            | ReviewCommand::RequestChanges { .. }
            | ReviewCommand::Promote
            | ReviewCommand::Archive { .. }
            | ReviewCommand::Restore
            | ReviewCommand::Evolve { .. }
            | ReviewCommand::EvolveEdited { .. }
            | ReviewCommand::Resubmit => ToolId::content_of(entry),
        };
        Command::Decide { tool, decision }
    }
}

/// Does `command`. Resolving a tool reads only that tool's folders (`lookup`); a decision,
/// a failure report and gc block on the disk and the store, so they run off the async
/// workers (`blocking`).
pub(crate) async fn apply(ctx: &Context, command: Command) -> Result<Applied, CommandError> {
    match command {
        Command::Accept { only, dry_run } => {
            let ctx = ctx.clone();
            blocking(move || accept(&ctx, &only, dry_run)).await
        }
        Command::Decide { tool, decision } => decide(ctx, tool, decision).await,
        Command::AnswerRequest { id, decision } => {
            let ctx = ctx.clone();
            blocking(move || {
                crate::review::requests::answer_seen(
                    &ctx.review,
                    &mut ctx.store.get()?.lock(),
                    id,
                    &decision,
                )
                .map(|answer| Applied::Decided(Outcome::Request(answer)))
                .map_err(CommandError::from)
            })
            .await
        }
        Command::AddCase { tool, input, why } => {
            let ctx = ctx.clone();
            blocking(move || {
                crate::review::add_case::add_case(
                    &ctx.review,
                    &mut ctx.store.get()?,
                    &tool,
                    &input,
                    &why,
                )
                .map(|decision| Applied::Decided(Outcome::Tool(decision)))
                .map_err(CommandError::from)
            })
            .await
        }
        Command::Validate {
            tool,
            folder,
            force,
            seed,
        } => {
            let entry = {
                let ctx = ctx.clone();
                blocking(move || match folder {
                    Some(folder) => Ok(lookup::tool_in(
                        ctx.review.root(),
                        ctx.review.scan_limits(),
                        &folder,
                        &tool,
                    )?),
                    None => find_for_review(&ctx, &tool),
                })
                .await?
            };
            let store = ctx.store.get()?;
            let validated = validate_and_record(
                &ctx.review,
                &entry,
                comparer(ctx, &entry, &store),
                &store,
                force,
                seed,
            )
            .await?;
            Ok(Applied::Validated(Box::new(validated)))
        }
        Command::Run {
            tool,
            input,
            consent,
        } => {
            let entry = {
                let ctx = ctx.clone();
                blocking(move || find_to_run(&ctx, &tool)).await?
            };
            Ok(Applied::Run(Box::new(prepared_run(
                ctx, entry, input, consent,
            )?)))
        }
        Command::Call {
            capability,
            input,
            max_attempts,
            confirmed,
        } => call(ctx, capability, input, max_attempts, confirmed)
            .await
            .map(Applied::Called),
        Command::MarkFailure { tool, report, run } => {
            let ctx = ctx.clone();
            blocking(move || mark_failure(&ctx, &tool, report, run)).await
        }
        Command::Gc {
            days_unused,
            min_quality,
            dry_run,
        } => {
            let ctx = ctx.clone();
            blocking(move || {
                crate::review::gc::gc(
                    &ctx.review,
                    &mut ctx.store.get()?,
                    days_unused,
                    min_quality,
                    dry_run,
                )
                .map(Applied::Collected)
                .map_err(CommandError::from)
            })
            .await
        }
        Command::Launch {
            tool,
            instance,
            confirmed,
        } => services::launch(ctx, tool, instance, confirmed).await,
        Command::Stop { instance } => services::stop(ctx, instance).await,
        Command::Propose { proposal, client } => agents::propose(ctx, proposal, client).await,
        Command::RequestTool { request, client } => agents::request(ctx, request, client).await,
        Command::DefineService { definition } => services::define(ctx, *definition).await,
        Command::UndefineService { name } => {
            services::check_undefinable(ctx, name.clone()).await?;
            let reason = Some("undefined with toolbench tools undefine".to_string());
            decide(ctx, ToolId::named(&name), ReviewCommand::Archive { reason }).await
        }
        Command::Send {
            instance,
            message,
            context,
        } => services::send(ctx, instance, message, context).await,
        Command::AnswerCall { id, decision, seen } => calls::answer(ctx, id, decision, seen).await,
        Command::HoldCall { call } => calls::hold(ctx, *call).await,
        Command::EndCall { id, state, reason } => calls::end(ctx, id, state, reason).await,
        Command::RevokeRule { id } => calls::revoke(ctx, id).await,
        Command::Task(change) => tasks::change(ctx, change).await,
        Command::RefreshSuggestions => suggestions::refresh(ctx).await,
        Command::AcceptSuggestion { id } => suggestions::accept(ctx, id).await,
        Command::DismissSuggestion { id, reason } => suggestions::dismiss(ctx, id, reason).await,
        Command::PairingCode { name, listen, host } => {
            devices::pairing_code(ctx, name, listen, host).await
        }
        Command::Pair { code } => devices::pair(ctx, code).await,
        Command::RevokeDevice { name } => devices::revoke(ctx, name).await,
        Command::AddSigner {
            principal,
            key_file,
        } => signers::add(ctx, principal, key_file).await,
        Command::AcceptSigners => signers::accept(ctx).await,
        Command::AcceptProject => {
            let review = ctx.review.clone();
            blocking(move || {
                let folder = crate::workspace::project::accept(
                    &crate::workspace::project::Records::of_user(),
                    review.root(),
                    review.config().project_path.as_deref(),
                    &review.who,
                )
                .map_err(|e| CommandError::Project(e.to_string()))?;
                Ok(Applied::ProjectAccepted(folder))
            })
            .await
        }
    }
}

/// The tool `spec` names to run: the active one in its usual folder, which needs no store,
/// or else what `find` answers.
fn find_to_run(ctx: &Context, spec: &ToolId) -> Result<ToolEntry, CommandError> {
    match lookup::active_in_usual_folder(ctx.review.root(), ctx.review.scan_limits(), spec) {
        Some(entry) => Ok(entry),
        None => find(ctx, spec),
    }
}

/// What `entry` is compared with, found as far as its validation needs it: with the front
/// end's catalog when it holds one, else with the tools of its name read again (the active
/// version) and through the index (the whole comparison).
fn comparer(
    ctx: &Context,
    entry: &ToolEntry,
    store: &SharedStore,
) -> Comparer<impl FnOnce() -> Option<ToolEntry>, impl FnOnce() -> Comparing> {
    let (catalog, root, limits) = (
        ctx.catalog.clone(),
        ctx.review.root().to_path_buf(),
        ctx.review.scan_limits(),
    );
    let (of, mut named_store) = (entry.clone(), store.clone());
    let active = move || match catalog {
        Some(catalog) => active_entry(&of, &catalog).cloned(),
        None => {
            let spec = ToolId::named(&of.name);
            let named = lookup::tools_named(&root, limits, &mut named_store, &spec, Tier::ALL);
            active_entry(&of, &Catalog::new(named)).cloned()
        }
    };
    Comparer {
        active,
        compare: compare(ctx, entry, store),
    }
}

fn compare(ctx: &Context, entry: &ToolEntry, store: &SharedStore) -> impl FnOnce() -> Comparing {
    let (catalog, root, limits) = (
        ctx.catalog.clone(),
        ctx.review.root().to_path_buf(),
        ctx.review.scan_limits(),
    );
    let (entry, mut store) = (entry.clone(), store.clone());
    move || {
        Comparing::start(move || match catalog {
            Some(catalog) => Compared::with(&entry, &catalog),
            None => compare_through_index(&root, limits, &mut store, &entry),
        })
    }
}

/// `entry` compared with the workspace when the front end holds no catalog: with the index's
/// listing (`lookup::indexed_listing`), with the tools the report names read again by name:
/// those of its own name (the active version, whose manifest the permissions review reads),
/// and the most similar ones, until the tools read rank as the report will show them.
fn compare_through_index(
    root: &Path,
    limits: ScanLimits,
    store: &mut SharedStore,
    entry: &ToolEntry,
) -> Compared {
    let mut listing = lookup::indexed_listing(root, limits, store);
    let mut read = HashSet::new();
    let mut to_read = vec![entry.name.clone()];
    let mut ranked = None;
    loop {
        let mut changed = false;
        for name in to_read {
            let found = lookup::tools_named(root, limits, store, &ToolId::named(&name), Tier::ALL);
            let was: Vec<ToolEntry> = listing.iter().filter(|e| e.name == name).cloned().collect();
            listing.retain(|e| e.name != name);
            changed |= ranked_fields(&was) != ranked_fields(&found);
            listing.extend(found);
            read.insert(name);
        }
        // Ranking 10,000 tools again is only worth it when what was read moved a score.
        if let Some(similar) = ranked.filter(|_| !changed) {
            return Compared::ranked(entry, &Catalog::new(listing), similar);
        }
        let similar = similar::most_similar(entry, &listing, similar::SHOWN);
        to_read = similar
            .iter()
            .map(|s| s.name.clone())
            .filter(|name| !read.contains(name))
            .collect();
        ranked = Some(similar);
    }
}

/// What the similar check ranks and shows of `entries`, in one order.
type Ranked<'e> = (
    &'e std::path::Path,
    Tier,
    &'e str,
    &'e str,
    // Keywords and capabilities joined: ordered as the lists are (the separator is below any
    // character a word may hold).
    &'e str,
    &'e str,
);
fn ranked_fields(entries: &[ToolEntry]) -> Vec<Ranked<'_>> {
    let mut fields: Vec<Ranked<'_>> = entries
        .iter()
        .map(|e| {
            (
                e.path.as_path(),
                e.tier,
                e.version.as_str(),
                &*e.description,
                e.keywords.joined(),
                e.capabilities.joined(),
            )
        })
        .collect();
    fields.sort();
    fields
}

/// The tool `spec` names, read fresh from disk.
/// Seals the active tools of a workspace never opened here as they are, and records each
/// acceptance as a decision of the person's, in one entry of the decision log.
fn accept(ctx: &Context, only: &[ToolId], dry_run: bool) -> Result<Applied, CommandError> {
    let root = ctx.review.root();
    let active = crate::catalog::scan::scan_tiers(
        root,
        &[Tier::Core, Tier::Approved],
        ctx.review.scan_limits(),
    );
    let who = &ctx.review.who;
    if dry_run {
        let tools = crate::seal::plan(root, &active, only, who)?;
        return Ok(Applied::Accepted { tools, dry_run });
    }
    let tools = crate::seal::accept(root, &active, only, who)?;
    let decisions: Vec<crate::store::DecisionRecord> = tools
        .iter()
        .map(|sealed| crate::store::DecisionRecord {
            id: 0,
            tool: sealed.seal.name.clone(),
            action: crate::store::DecisionAction::Accept,
            who: who.clone(),
            at: sealed.seal.at.clone(),
            reason: None,
            from_version: None,
            to_version: Some(sealed.seal.version.clone()),
            from_tier: None,
            to_tier: Some(sealed.seal.tier),
            from_hash: None,
            to_hash: Some(sealed.seal.hash.clone()),
        })
        .collect();
    if !decisions.is_empty() {
        ctx.store
            .get()?
            .lock()
            .record_decisions(&decisions, &[], &[])?;
    }
    Ok(Applied::Accepted { tools, dry_run })
}

/// The tool a review of `spec` acts on: a candidate under review it names, when there is one
/// (what `approve NAME` approves), else as `find`. `validate NAME` then reports on what
/// `approve NAME` would act on, not on the active version beside it. Looked for as approve
/// looks: a candidate the index does not know is searched for by a scan.
fn find_for_review(ctx: &Context, spec: &ToolId) -> Result<ToolEntry, CommandError> {
    let named = tools_named(ctx, spec, &[Tier::Experimental])?;
    let candidates: Vec<ToolEntry> = named
        .iter()
        .filter(|e| spec.matches_candidate(e))
        .cloned()
        .collect();
    let catalog = Catalog::new(if candidates.is_empty() {
        named
    } else {
        candidates
    });
    match catalog.find(spec) {
        Ok(found) => Ok(found.clone()),
        Err(e) => Err(lookup::whose_content(
            ctx.review.root(),
            ctx.review.scan_limits(),
            &mut ctx.store.get()?.lock(),
            spec,
            e,
        )
        .into()),
    }
}

fn find(ctx: &Context, spec: &ToolId) -> Result<ToolEntry, CommandError> {
    Ok(lookup::find_named(
        ctx.review.root(),
        ctx.review.scan_limits(),
        &mut ctx.store.get()?.lock(),
        spec,
    )?)
}

/// Every tool of `spec`'s name, searched for by a scan when none in `tiers` matches it
/// (`lookup::tools_named`).
fn tools_named(
    ctx: &Context,
    spec: &ToolId,
    tiers: &[Tier],
) -> Result<Vec<ToolEntry>, CommandError> {
    Ok(lookup::tools_named(
        ctx.review.root(),
        ctx.review.scan_limits(),
        &mut ctx.store.get()?.lock(),
        spec,
        tiers,
    ))
}

/// What a person said yes to for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Consent {
    /// A cost tier that asks for a confirmation (`--yes`, a typed name, a human's answer to an
    /// agent's call).
    pub confirmed: bool,
    /// For a tool outside core/ and approved/ (unreviewed): this run gets what its manifest
    /// declares (`--grant`). Without it, it gets none of it.
    pub grant: bool,
}

/// A run of `entry` past the gate and the input checks, not yet started. A tool outside the
/// active tiers is unreviewed code: it gets none of what it declares unless the person
/// granted it for this run (DESIGN §11 rule 4).
fn prepared_run(
    ctx: &Context,
    entry: ToolEntry,
    input: Option<String>,
    consent: Consent,
) -> Result<RunJob, CommandError> {
    let Consent { confirmed, grant } = consent;
    // What the tool is first (broken, links out, its input), then whether it may run, and
    // whether it is the content a person accepted.
    crate::runner::preflight(&entry, input.as_deref())?;
    let asker = match ctx.origin {
        RunOrigin::Mcp => Asker::Agent,
        _ => Asker::Person,
    };
    check_gate(&entry, &ctx.run_policy, asker, confirmed)?;
    if ctx.origin == RunOrigin::Mcp && !entry.tier.is_active() {
        return Err(CommandError::NotActive {
            tool: entry.id(),
            tier: entry.tier,
        });
    }
    crate::seal::check(ctx.review.root(), &entry).map_err(|reason| match ctx.origin {
        RunOrigin::Mcp => CommandError::AwaitsReview {
            tool: entry.id(),
            why: reason.for_agent(),
        },
        _ => CommandError::Sealed {
            tool: entry.id(),
            reason: Box::new(reason),
        },
    })?;
    let reach = if entry.tier.is_active() || grant {
        Reach::Declared
    } else {
        Reach::Withheld
    };
    let request = RunRequest {
        client: ctx.client.clone(),
        preforked: ctx.preforked.clone(),
        ..ctx.review.run_request(entry, input, ctx.origin, reach)
    };
    Ok(RunJob::new(request, ctx.recorder.clone()))
}

async fn call(
    ctx: &Context,
    capability: Capability,
    input: Option<String>,
    max_attempts: usize,
    confirmed: bool,
) -> Result<CallReport, CommandError> {
    let capability = String::from(capability);
    let candidates = {
        let (ctx, capability) = (ctx.clone(), capability.clone());
        blocking(move || {
            let shared = ctx.store.get()?;
            let store = &mut shared.lock();
            // Runs handed off by `toolbench run` count in the ranking once stored.
            crate::runner::inflight::close_abandoned(ctx.review.root(), store)?;
            let entries = lookup::scan_all(ctx.review.root(), ctx.review.scan_limits(), store);
            let stats = store.tool_stats()?;
            Ok(call_candidates(entries, &capability, &stats))
        })
        .await?
    };
    if candidates.is_empty() {
        note_capability_call(ctx, &capability, CapabilityOutcome::NoTool).await;
        return Err(CommandError::NoCapability(capability));
    }
    let mut report = CallReport {
        capability,
        attempts: Vec::new(),
        succeeded: None,
    };
    for entry in candidates.into_iter().take(max_attempts) {
        let (tool, version) = (entry.name.clone(), entry.version.clone());
        let consent = Consent {
            confirmed,
            grant: false,
        };
        let job = match prepared_run(ctx, entry, input.clone(), consent) {
            Ok(job) => job,
            Err(refused) => {
                report.attempts.push(Attempt {
                    tool,
                    version,
                    outcome: AttemptOutcome::Skipped(crate::error_chain::one_line(&refused)),
                });
                continue;
            }
        };
        let run = job.start();
        if let Some(mut cancelled) = ctx.cancelled.clone() {
            let cancel = run.canceller();
            tokio::spawn(async move {
                if cancelled.wait_for(|c| *c).await.is_ok() {
                    let _ = cancel.send(true);
                }
            });
        }
        let recorded = Arc::new(run.ended().await?);
        let ok = recorded.run.status == RunStatus::Ok;
        report.attempts.push(Attempt {
            tool,
            version,
            outcome: AttemptOutcome::Ran(Arc::clone(&recorded)),
        });
        // A person's cancel ends the call; so does input a tool refused as wrong, which the
        // next tool would be given all the same.
        let stopped = matches!(
            recorded.run.status,
            RunStatus::Cancelled | RunStatus::BadInput
        );
        if ok {
            report.succeeded = Some(recorded);
        }
        if ok || stopped {
            break;
        }
    }
    let stopped = report.attempts.last().is_some_and(|attempt| {
        matches!(&attempt.outcome, AttemptOutcome::Ran(r)
            if matches!(r.run.status, RunStatus::Cancelled | RunStatus::BadInput))
    });
    if !stopped {
        let outcome = match report.succeeded {
            Some(_) => CapabilityOutcome::Succeeded,
            None => CapabilityOutcome::AllFailed,
        };
        note_capability_call(ctx, &report.capability, outcome).await;
    }
    Ok(report)
}

/// Keeps how a call by capability ended, for the detector of capabilities nothing serves.
/// Runs record themselves; a call that found no tool leaves no other trace. Losing this note
/// loses a hint, never a result, so a store that refuses it does not fail the call.
async fn note_capability_call(ctx: &Context, capability: &str, outcome: CapabilityOutcome) {
    let (ctx, capability) = (ctx.clone(), capability.to_string());
    let _ = blocking(move || {
        let shared = ctx.store.get()?;
        let store = &mut shared.lock();
        store.record_capability_call(
            &capability,
            ctx.origin,
            ctx.client.as_deref(),
            outcome,
            &crate::clock::now_rfc3339(),
        )?;
        Ok(())
    })
    .await;
}

/// Active, runnable tools with `capability`, best quality first (core before approved on
/// ties, then by name).
fn call_candidates(
    entries: Vec<ToolEntry>,
    capability: &str,
    stats: &[ToolStats],
) -> Vec<ToolEntry> {
    let quality = |e: &ToolEntry| {
        stats
            .iter()
            .find(|s| s.name == e.name)
            .map_or_else(|| ToolStats::unused(&e.name).quality, |s| s.quality)
    };
    let mut found: Vec<ToolEntry> = entries
        .into_iter()
        .filter(|e| matches!(e.tier, Tier::Core | Tier::Approved) && e.error.is_none())
        .filter(|e| e.capabilities.iter().any(|c| c == capability))
        .collect();
    found.sort_by(|a, b| {
        quality(b)
            .total_cmp(&quality(a))
            .then(a.tier.cmp(&b.tier))
            .then(a.name.cmp(&b.name))
    });
    found
}

/// Records a failure a person or an agent reported. A person's counts as given; an agent's
/// only as the failure of a run it made (`agent_run`), each run reported once: otherwise an
/// agent could drive any tool's quality to 0 without ever running it.
fn mark_failure(
    ctx: &Context,
    spec: &ToolId,
    report: FailureReport,
    run: Option<i64>,
) -> Result<Applied, CommandError> {
    report.check()?;
    let entry = find(ctx, spec)?;
    let shared = ctx.store.get()?;
    let store = &mut shared.lock();
    let failure = if ctx.origin == RunOrigin::Mcp {
        let run = agent_run(ctx, store, spec, run)?;
        let mut failure = report.into_record(
            &run.tool,
            &run.version,
            ctx.origin,
            crate::clock::now_rfc3339(),
        )?;
        failure.run_id = Some(run.id);
        if !store.insert_failure_within(&mut failure, failures_a_run_carries(&run))? {
            return Err(FailureReportError::AlreadyReported { run: run.id }.into());
        }
        failure
    } else {
        let mut failure = report.into_record(
            &entry.name,
            &entry.version,
            ctx.origin,
            crate::clock::now_rfc3339(),
        )?;
        failure.run_id = run;
        let mut recorded = [failure];
        store.insert_failures(&mut recorded)?;
        let [failure] = recorded;
        failure
    };
    let quality = store
        .stats_for(&entry.name)?
        .unwrap_or_else(|| ToolStats::unused(&entry.name))
        .quality;
    Ok(Applied::FailureMarked { failure, quality })
}

/// The run an agent's failure report is of: the one it names, or else its newest run of the
/// tool; either way its own run over MCP, of that tool, from the last day.
fn agent_run(
    ctx: &Context,
    store: &Store,
    spec: &ToolId,
    named: Option<i64>,
) -> Result<RunRecord, CommandError> {
    let client = ctx.client.as_deref().unwrap_or_default();
    let window = Duration::from_secs(AGENT_REPORT_HOURS * 60 * 60);
    let since = crate::clock::rfc3339(
        SystemTime::now()
            .checked_sub(window)
            .unwrap_or(SystemTime::UNIX_EPOCH),
    );
    let run = match named {
        Some(id) => store
            .run(id)?
            .ok_or_else(|| FailureReportError::NotItsRun {
                run: id,
                problem: "does not exist".into(),
            })?,
        None => {
            let version = spec.version.as_ref().map(ToString::to_string);
            store
                .newest_run_by_client(&spec.name, version.as_deref(), client, &since)?
                .ok_or_else(|| FailureReportError::NoRunToReport {
                    tool: spec.to_string(),
                    client: client.to_string(),
                })?
        }
    };
    check_agent_run(&run, spec, client, &since)?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run_error::RunError;
    use crate::model::{CostTier, Severity};

    /// A decision a person takes on a row acts on the content they saw; a rollback or an
    /// undo names the tool, since it acts on whatever version is active.
    #[test]
    fn a_decision_on_a_row_is_bound_to_its_content_and_a_rollback_to_its_name() {
        let entry = ToolEntry {
            content_hash: "ab12cd34ef56".into(),
            ..ToolEntry::fixture(Tier::Approved, "slugify")
        };
        let tool_of = |decision| match Command::decide_on(&entry, decision) {
            Command::Decide { tool, .. } => tool,
            other => panic!("a decision, not {other:?}"),
        };
        let pinned = tool_of(ReviewCommand::Archive { reason: None });
        assert_eq!(pinned, ToolId::content_of(&entry));
        assert_eq!(pinned.hash.as_deref(), Some("ab12cd34ef56"));
        for decision in [
            ReviewCommand::Rollback { to: None },
            ReviewCommand::Undo { of: 3 },
        ] {
            assert_eq!(tool_of(decision), ToolId::named("slugify"));
        }
    }

    /// A workspace with `name` in `tier`, its cost tier and capabilities as given.
    fn workspace(tools: &[(&str, &str, &str, &str)]) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        for (tier, name, cost, capabilities) in tools {
            let folder = dir.path().join(tier).join(name);
            std::fs::create_dir_all(&folder).expect("mkdir");
            std::fs::write(
                folder.join("tool.toml"),
                format!(
                    "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\ncost_tier = \"{cost}\"\ncapabilities = [{capabilities}]\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
                ),
            )
            .expect("manifest");
            std::fs::write(folder.join("run.sh"), "echo hi\n").expect("script");
        }
        crate::seal::accept_all(dir.path(), "ana").expect("accepted");
        let workbench = crate::workbench::Workbench::at(dir.path(), None).expect("opened");
        let ctx = workbench.caller(RunOrigin::Cli).expect("store");
        (dir, ctx)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    }

    fn run(tool: &str, confirmed: bool) -> Command {
        Command::Run {
            tool: ToolId::named(tool),
            input: None,
            consent: Consent {
                confirmed,
                grant: false,
            },
        }
    }

    #[test]
    fn a_run_passes_the_one_cost_gate_before_anything_starts() {
        let (_dir, ctx) = workspace(&[
            ("approved", "cheap", "low", ""),
            ("approved", "costly", "high", ""),
            ("approved", "never", "prohibited", ""),
        ]);
        let rt = runtime();
        let applied = rt.block_on(apply(&ctx, run("cheap", false))).expect("runs");
        assert!(matches!(applied, Applied::Run(_)));
        let refused = rt.block_on(apply(&ctx, run("costly", false)));
        assert!(
            matches!(refused, Err(CommandError::NeedsConfirmation { .. })),
            "{:?}",
            refused.err()
        );
        assert!(matches!(
            rt.block_on(apply(&ctx, run("costly", true))),
            Ok(Applied::Run(_))
        ));
        // The runner holds to the rule's never-runs part itself, first.
        let never = rt.block_on(apply(&ctx, run("never", true))).err();
        assert!(
            matches!(
                never,
                Some(CommandError::Run(RunError::NeverRuns { .. }))
                    | Some(CommandError::NeverRuns { .. })
            ),
            "{never:?}"
        );
        let unknown = rt.block_on(apply(&ctx, run("nobody", true))).err();
        assert!(
            matches!(unknown, Some(CommandError::Lookup(_))),
            "{unknown:?}"
        );
    }

    #[test]
    fn a_service_launch_passes_the_same_cost_gate_as_a_run() {
        let (_dir, ctx) = workspace(&[
            ("approved", "costly", "high", ""),
            ("approved", "never", "prohibited", ""),
        ]);
        let rt = runtime();
        let launch = |tool: &str, confirmed| Command::Launch {
            tool: tool.into(),
            instance: "i".into(),
            confirmed,
        };
        let refused = rt.block_on(apply(&ctx, launch("costly", false))).err();
        assert!(
            matches!(refused, Some(CommandError::NeedsConfirmation { .. })),
            "{refused:?}"
        );
        let never = rt.block_on(apply(&ctx, launch("never", true))).err();
        assert!(
            matches!(never, Some(CommandError::NeverRuns { .. })),
            "{never:?}"
        );
        // Past the gate, the launch itself refuses a tool that is no service.
        let past = rt.block_on(apply(&ctx, launch("costly", true))).err();
        assert!(matches!(past, Some(CommandError::Service(_))), "{past:?}");
        let unknown = rt
            .block_on(apply(&ctx, Command::RevokeRule { id: 42 }))
            .err();
        assert!(
            matches!(unknown, Some(CommandError::Approval(_))),
            "{unknown:?}"
        );
    }

    #[test]
    fn a_failure_report_is_checked_recorded_with_its_tag_and_lowers_the_quality() {
        let (_dir, ctx) = workspace(&[("approved", "greet", "low", "")]);
        let rt = runtime();
        let report = |scenario: &str, tag: Option<&str>| Command::MarkFailure {
            tool: ToolId::named("greet"),
            report: FailureReport {
                scenario: scenario.into(),
                error: "wrong".into(),
                severity: Severity::High,
                tag: tag.map(str::to_string),
            },
            run: None,
        };
        let empty = rt.block_on(apply(&ctx, report(" ", None))).err();
        assert!(matches!(empty, Some(CommandError::Report(_))), "{empty:?}");
        let Ok(Applied::FailureMarked { failure, quality }) =
            rt.block_on(apply(&ctx, report("greets", Some("not-for-json"))))
        else {
            panic!("the failure is recorded");
        };
        assert_eq!(failure.tag.as_deref(), Some("not-for-json"));
        assert_eq!(
            (failure.tool.as_str(), failure.origin),
            ("greet", RunOrigin::Cli)
        );
        assert!(quality < 1.0, "quality {quality}");
        let stored = ctx
            .store
            .get()
            .expect("store")
            .lock()
            .list_failures(Some("greet"), 10)
            .expect("read");
        assert_eq!(stored.len(), 1);
    }

    #[test]
    fn an_agents_failure_report_counts_only_as_the_failure_of_its_own_recent_run() {
        let (_dir, mut ctx) = workspace(&[("approved", "greet", "low", "")]);
        ctx.origin = RunOrigin::Mcp;
        ctx.client = Some("agent".into());
        let rt = runtime();
        let report = |run: Option<i64>| Command::MarkFailure {
            tool: ToolId::named("greet"),
            report: FailureReport {
                scenario: "greets".into(),
                error: "wrong".into(),
                severity: Severity::Critical,
                tag: None,
            },
            run,
        };
        let store = ctx.store.get().expect("store");
        let quality = || {
            store
                .lock()
                .stats_for("greet")
                .expect("stats")
                .map_or(ToolStats::unused("greet").quality, |s| s.quality)
        };
        let untouched = quality();
        for _ in 0..50 {
            let refused = rt.block_on(apply(&ctx, report(None))).err();
            assert!(
                matches!(
                    refused,
                    Some(CommandError::Report(
                        FailureReportError::NoRunToReport { .. }
                    ))
                ),
                "{refused:?}"
            );
        }
        assert_eq!(quality(), untouched);
        assert!(
            store
                .lock()
                .list_failures(None, 10)
                .expect("list")
                .is_empty()
        );

        // Runs of the tool: one by another client, one by this agent that failed.
        let run_by = |client: &str, status: RunStatus| RunRecord {
            origin: RunOrigin::Mcp,
            client: Some(client.into()),
            status,
            started_at: crate::clock::now_rfc3339(),
            ..crate::store::runs::tests::sample_run("greet", "")
        };
        let mut theirs = run_by("other", RunStatus::Ok);
        store.lock().record_run(&mut theirs, None).expect("run");
        let refused = rt.block_on(apply(&ctx, report(Some(theirs.id)))).err();
        assert!(
            matches!(
                refused,
                Some(CommandError::Report(FailureReportError::NotItsRun { .. }))
            ),
            "{refused:?}"
        );
        let mut mine = run_by("agent", RunStatus::Failed);
        let mut automatic = crate::runner::record::automatic_failure(&mine);
        store
            .lock()
            .record_run(&mut mine, automatic.as_mut())
            .expect("run");
        let after_run = quality();
        let Ok(Applied::FailureMarked {
            failure,
            quality: q,
        }) = rt.block_on(apply(&ctx, report(None)))
        else {
            panic!("the report of the agent's own run is recorded");
        };
        assert_eq!(failure.run_id, Some(mine.id));
        assert!((after_run - q - 0.20).abs() < 1e-9, "{after_run} -> {q}");
        // Each run is reported once, named or not.
        for run in [None, Some(mine.id)] {
            let again = rt.block_on(apply(&ctx, report(run))).err();
            assert!(
                matches!(
                    again,
                    Some(CommandError::Report(
                        FailureReportError::AlreadyReported { .. }
                    ))
                ),
                "{again:?}"
            );
        }
        assert_eq!(quality(), q);
    }

    #[test]
    fn a_decision_and_gc_go_through_the_same_apply() {
        let (dir, ctx) = workspace(&[("experimental", "greet", "low", "")]);
        crate::review::testing::mark_validated(
            dir.path(),
            &mut ctx.store.get().expect("store").lock(),
            "experimental/greet",
        );
        let rt = runtime();
        let decided = rt.block_on(apply(
            &ctx,
            Command::Decide {
                tool: ToolId::named("greet"),
                decision: ReviewCommand::Approve {
                    reason: None,
                    accepted: Default::default(),
                },
            },
        ));
        assert!(matches!(decided, Ok(Applied::Decided(Outcome::Tool(_)))));
        assert!(dir.path().join("approved/greet/tool.toml").is_file());
        let Ok(Applied::Collected(report)) = rt.block_on(apply(
            &ctx,
            Command::Gc {
                days_unused: Some(0),
                min_quality: None,
                dry_run: true,
            },
        )) else {
            panic!("gc reports");
        };
        assert_eq!(report.candidates.len(), 1, "{report:?}");
        assert!(
            dir.path().join("approved/greet").is_dir(),
            "a dry run moves nothing"
        );
    }

    #[test]
    fn a_name_that_walks_out_of_the_workspace_finds_nothing_and_records_nothing() {
        let (dir, ctx) = workspace(&[("approved", "greet", "low", "")]);
        // A tool folder outside the workspace that such a name would reach if it were joined.
        let outside = dir.path().join("approved/../../outside_tool");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(
            outside.join("tool.toml"),
            "name = \"outside_tool\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
        )
        .expect("manifest");
        let rt = runtime();
        for name in ["../../outside_tool", "../outside_tool", "approved/../greet"] {
            let refused = rt
                .block_on(apply(
                    &ctx,
                    Command::MarkFailure {
                        tool: ToolId::named(name),
                        report: FailureReport {
                            scenario: "s".into(),
                            error: "e".into(),
                            severity: Severity::Low,
                            tag: None,
                        },
                        run: None,
                    },
                ))
                .err();
            assert!(
                matches!(refused, Some(CommandError::Lookup(_))),
                "{name}: {refused:?}"
            );
            let ran = rt.block_on(apply(&ctx, run(name, true))).err();
            assert!(
                matches!(ran, Some(CommandError::Lookup(_))),
                "{name}: {ran:?}"
            );
        }
        let recorded = ctx
            .store
            .get()
            .expect("store")
            .lock()
            .list_failures(None, 10)
            .expect("read");
        assert!(recorded.is_empty(), "{recorded:?}");
        let _ = std::fs::remove_dir_all(&outside);
    }

    #[test]
    fn a_call_without_any_tool_of_the_capability_is_refused() {
        let (_dir, ctx) = workspace(&[("approved", "greet", "low", "\"text.greet\"")]);
        let refused = runtime()
            .block_on(apply(
                &ctx,
                Command::Call {
                    capability: "csv.parse".parse().expect("a capability"),
                    input: None,
                    max_attempts: 3,
                    confirmed: false,
                },
            ))
            .err();
        assert!(
            matches!(&refused, Some(CommandError::NoCapability(c)) if c == "csv.parse"),
            "{refused:?}"
        );
    }

    #[test]
    fn call_candidates_are_active_tools_best_quality_first() {
        let with = |tier, name: &str, cost| ToolEntry {
            capabilities: ["x.y"].into_iter().collect(),
            cost_tier: Some(cost),
            ..ToolEntry::fixture(tier, name)
        };
        let entries = vec![
            with(Tier::Approved, "b", CostTier::Low),
            with(Tier::Core, "a", CostTier::Low),
            with(Tier::Experimental, "candidate", CostTier::Low),
            with(Tier::Approved, "worse", CostTier::Low),
            ToolEntry::fixture(Tier::Core, "other"),
        ];
        let mut worse = ToolStats::unused("worse");
        worse.quality = 0.1;
        let names: Vec<String> = call_candidates(entries, "x.y", &[worse])
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a", "b", "worse"]);
    }
}
