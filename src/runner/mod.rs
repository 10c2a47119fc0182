//! Running tools: input checks, the sandbox, spawning, streaming events, limits, cancellation.
//!
//! `execute` runs one tool once and reports everything as `RunEvent`s plus a final
//! `RunOutcome` holding the `RunRecord` to store. It never records anything itself: the run
//! job (`jobs::run`, for every front end) and validation do. Nothing here goes through a shell.

mod apart;
mod capture;
pub(crate) mod confined_program;
pub(crate) mod confinement;
pub(crate) mod egress;
pub(crate) mod grants;
pub(crate) mod helper_process;
pub mod inflight;
pub(crate) mod invocation;
pub(crate) mod package_builder;
pub(crate) mod packages;
pub(crate) mod posix_spawn;
pub(crate) mod progress;
pub(crate) mod record;
pub(crate) mod service_log;
pub mod stop;
pub(crate) mod work_dir;
pub(crate) mod workspace_handle;

#[cfg(target_os = "linux")]
pub mod sandbox;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use crate::catalog::schema_file;
use crate::model::input_schema::{self, SchemaError};
use crate::model::protections::Protections;
use crate::model::run_error::RunError;
use crate::model::{InputMode, Manifest, RunOrigin, RunRecord, RunStatus, ToolEntry};
use capture::CappedCapture;
use helper_process::{HelperProcess, PreforkedHelper};
use sandbox::{SandboxReport, ToolUsage};

/// Size of one read from a tool's pipe, and so the largest output event. Below the workbench's
/// fixed 128 KiB malloc mmap threshold (`tui::limit_malloc_arenas`): each read's fresh buffer
/// then comes from the heap, not from an mmap/munmap pair whose pages fault in again each time
/// (at 256 KiB, a flood cost about 2,000 such pairs and 120,000 page faults a second).
const CHUNK_BYTES: usize = 124 * 1024;
/// How long stream readers may drain after the tool ended before we stop waiting.
const DRAIN_GRACE: Duration = Duration::from_millis(500);
/// How long the progress reader may drain after the output did: a report left in the pipe
/// is read, a pipe something outside the run's tree holds open is not waited for.
const PROGRESS_GRACE: Duration = Duration::from_millis(100);
/// Size of one read from a tool's progress pipe.
const PROGRESS_CHUNK_BYTES: usize = 64 * 1024;

pub use crate::model::run_output::Stream;
use crate::model::run_output::{HEAD_BYTES, RunOutcome, TAIL_BYTES};

#[derive(Debug)]
pub enum RunEvent {
    Output {
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// The newest progress report that stood, at most one per `progress::REPORT_EVERY`.
    Progress(crate::model::run_output::Progress),
}

/// What a run is given of what its tool declares (DESIGN §11 rule 4: code no person
/// approved gets nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Everything `[permissions]` declares: the project, the paths, the hosts. For content a
    /// person approved (an active tool), or a candidate whose grants a person confirmed for
    /// this run (`--grant`).
    Declared,
    /// None of it: no network, no declared path, and for a tool that works on a project a
    /// stand-in in its scratch (a copy of its fixture `tests/project/`, else an empty folder)
    /// instead of the real one. For validation, and a candidate run by hand without its grants.
    Withheld,
    /// `Withheld`, for a candidate given real inputs (validation's replay of its lineage's
    /// history): it also runs alone among the workspace's runs of unreviewed code (`apart`).
    WithheldAlone,
}

impl Reach {
    fn withheld(self) -> bool {
        matches!(self, Reach::Withheld | Reach::WithheldAlone)
    }
}

/// The folder a tool ships as the project it is validated on, inside its own folder.
pub(crate) const PROJECT_FIXTURE: &str = "tests/project";
/// The exit code by which a tool says its input is wrong: `EX_DATAERR` of sysexits.h, which
/// no shell or interpreter gives by itself (a shell's failed redirection exits 2, as does
/// argparse). Recorded `bad_input`, the caller's mistake, not the tool's failure
/// (docs/sandbox.md).
pub(crate) const BAD_INPUT_EXIT: i32 = 65;

/// Everything needed to run one tool once.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// The workspace: its root, this program (the sandbox helper) and what its runs may see
    /// and use.
    pub workspace: Arc<workspace_handle::WorkspaceHandle>,
    /// Work nobody waits for (background validation): it steps back for what a person runs.
    pub background: bool,
    pub entry: ToolEntry,
    /// JSON text for `stdin-json` and `args`; ignored for `none`.
    pub input: Option<String>,
    pub origin: RunOrigin,
    /// The MCP client that asked for the run, for runs from MCP.
    pub client: Option<String>,
    /// A helper the front end forked ahead, used instead of starting the program when present.
    pub preforked: PreforkedHelper,
    /// What the run is given of what the tool declares.
    pub reach: Reach,
}

/// Which process stores a run's record once the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeper {
    /// This one.
    ThisProcess,
    /// The next toolbench process that opens the store, through the run's in-flight file
    /// (`inflight::hand_off`): the file's name is made durable while the tool runs, so that
    /// the hand-off syncs only the record.
    NextProcess,
}

impl RunRequest {
    /// What this run may see and use: its workspace's confinement, as background work when it
    /// is.
    pub(crate) fn confinement(&self) -> std::borrow::Cow<'_, confinement::Confinement> {
        self.workspace.confinement_of(self.background)
    }
}

/// Cancels a run from another task: `cancel.send(true)`.
pub(crate) type CancelSender = watch::Sender<bool>;

pub fn cancel_pair() -> (watch::Sender<bool>, watch::Receiver<bool>) {
    watch::channel(false)
}

/// Checks everything that can be checked before spawning, and returns the manifest.
pub(crate) fn preflight(
    entry: &ToolEntry,
    input: Option<&str>,
) -> Result<(Arc<Manifest>, Option<serde_json::Value>), RunError> {
    let tool = entry.id();
    if entry.oversized {
        return Err(RunError::Oversized {
            tool: entry.name.clone(),
            reason: entry.error.clone().unwrap_or_default(),
        });
    }
    let manifest = match (&entry.manifest, &entry.error) {
        (Some(m), None) => Arc::clone(m),
        (_, error) => {
            return Err(RunError::Broken {
                tool,
                reason: error.clone().unwrap_or_else(|| "not loaded".to_string()),
            });
        }
    };
    if let Err(e) = crate::catalog::links::check(entry) {
        return Err(RunError::LinksOut(e));
    }
    if let Some(why) = crate::model::admission::never_runs(entry) {
        return Err(RunError::NeverRuns { tool, why });
    }
    if manifest.run.input == InputMode::None {
        return Ok((manifest, None));
    }
    let text = input.unwrap_or("").trim();
    let text = if text.is_empty() { "{}" } else { text };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| RunError::InputNotJson {
            tool: tool.clone(),
            reason: e.to_string(),
        })?;
    if let Some(source) = &manifest.input_schema {
        let tool_dir = entry.folder();
        let schema = schema_file::load(source, &tool_dir).map_err(|reason| RunError::Input {
            tool: tool.clone(),
            reason,
        })?;
        input_schema::check(&schema, &value)
            .map_err(|reason| RunError::InputSchema { tool, reason })?;
    }
    Ok((manifest, Some(value)))
}

/// A run with its grants withheld gets nothing but, for a tool that works on a project, a
/// stand-in project in its `scratch` (`Reach::Withheld`).
fn withheld_grants(manifest: &Manifest, scratch: &Path) -> grants::Grants {
    grants::Grants {
        workdir: manifest
            .permissions
            .uses_project()
            .then(|| scratch.join("project")),
        ..Default::default()
    }
}

/// What the run of `manifest` is granted, for the front end's project and the user's home.
fn grants_of(request: &RunRequest, manifest: &Manifest) -> Result<grants::Grants, RunError> {
    let home = confinement::home();
    grants::resolve(
        &manifest.permissions,
        request.workspace.confinement().project.as_deref(),
        home.as_deref(),
    )
    .map_err(|reason| RunError::Permissions {
        tool: request.entry.id(),
        manifest: request.entry.folder().join(crate::model::MANIFEST_FILE),
        reason,
    })
}

/// Runs the tool in the sandbox, streaming output to `events` (when given) until it ends,
/// times out, or `cancel` turns true; `keeper` will store its record.
pub async fn execute(
    request: RunRequest,
    keeper: Keeper,
    events: Option<mpsc::Sender<RunEvent>>,
    mut cancel: watch::Receiver<bool>,
) -> Result<RunOutcome, RunError> {
    let (manifest, input) = preflight(&request.entry, request.input.as_deref())?;
    let withheld = request.reach.withheld();
    // Unreviewed code never runs beside a candidate given real inputs; held to the run's end.
    let _apart = if request.entry.tier.is_active() {
        None
    } else {
        let alone = request.reach == Reach::WithheldAlone;
        Some(
            apart::hold(request.workspace.root(), alone)
                .await
                .map_err(|e| RunError::RunDir {
                    path: crate::workspace::state_dir(request.workspace.root()).join("locks"),
                    reason: format!("cannot keep unreviewed runs apart: {e}"),
                })?,
        )
    };
    // Resolved before the run is recorded: a grant that cannot be given refuses the run.
    let declared = (!withheld)
        .then(|| grants_of(&request, &manifest))
        .transpose()?;
    let tool_dir = request.entry.folder();
    let argv = invocation::tool_argv(&manifest, &tool_dir, input.as_ref()).map_err(|reason| {
        RunError::ArgsInput {
            tool: request.entry.id(),
            reason,
        }
    })?;
    // Before the run is recorded: without its whole environment it does not start.
    let packages =
        packages::for_run(request.workspace.root(), &tool_dir, &manifest).map_err(|why| {
            RunError::NoEnvironment {
                tool: request.entry.id(),
                why,
            }
        })?;
    let started_at = crate::clock::rfc3339(SystemTime::now());
    let mut marker = record_start(&request, &manifest, &input, &started_at)?;
    if !marker.owe_record() {
        // The process stops its runs: this one never starts.
        marker.discard();
        return Err(RunError::Stopping {
            tool: request.entry.id(),
        });
    }
    if keeper == Keeper::NextProcess {
        marker.sync_name_meanwhile();
    }
    crate::pause_point::pause_point("run-written-down");
    let log_dir = Some(marker.log_dir().to_string());
    let run_dir = inflight::run_folder(request.workspace.root(), marker.log_dir());
    let scratch = run_dir.join("scratch");
    let grants = declared.unwrap_or_else(|| withheld_grants(&manifest, &scratch));
    let report_path = run_dir.join("report.json");
    let stdin_bytes = match (manifest.run.input, &input) {
        (InputMode::StdinJson, Some(value)) => Some(value.to_string().into_bytes()),
        _ => None,
    };
    // A list of hosts goes through the run's egress proxy, which lives as long as the run.
    let mut proxy = match &manifest.permissions.network {
        crate::model::Network::Hosts(hosts) if !withheld => {
            match egress::Proxy::prepare(&run_dir, hosts) {
                Ok(proxy) => Some(proxy),
                Err(e) => {
                    // Nothing ran: the run is not one, and leaves nothing to collect.
                    marker.discard();
                    return Err(RunError::RunDir {
                        path: run_dir.clone(),
                        reason: format!("cannot set up the egress proxy: {e}"),
                    });
                }
            }
        }
        _ => None,
    };
    let mut env = invocation::tool_env(&manifest, &scratch, &tool_dir);
    if let Some((plan, _)) = &proxy {
        invocation::add_proxy_env(&mut env, plan.proxy_port);
    }
    let mut visible = vec![tool_dir.clone()];
    if let Some(site) = &packages {
        // Read-only, like every path it is shown; the network it gets is its manifest's.
        packages::add_site_env(&mut env, site);
        visible.push(site.clone());
    }
    let mut policy = request.confinement().policy(confinement::Jail {
        scratch: scratch.clone(),
        report: report_path.clone(),
        memory_mb: manifest.run.memory_mb,
        // CPU time can never exceed wall time, so this only catches runaway spinning.
        cpu_secs: manifest.run.timeout_secs + 1,
        network: !withheld && !manifest.permissions.network.is_none(),
        env,
        visible,
        grants: Some(grants),
        project_fixture: withheld
            .then(|| tool_dir.join(PROJECT_FIXTURE))
            .filter(|fixture| fixture.symlink_metadata().is_ok_and(|m| m.is_dir())),
    });
    // The reviewer's feedback is not the tool's content: no run reads it.
    let feedback = tool_dir.join(crate::model::decided::REVIEW_FILE);
    if feedback.symlink_metadata().is_ok_and(|m| m.is_file()) {
        policy.hide.push(feedback);
    }
    let mut proxy = proxy.take().map(|(plan, mut proxy)| {
        policy.egress = Some(plan);
        proxy.start();
        proxy
    });

    // The run's progress pipe: its writing end goes to the helper alone (close-on-exec here),
    // ours is dropped once the helper has it, so the pipe ends with the run's tree. Without a
    // pipe the run goes on as before, and the tool finds no variable.
    let progress_pipe = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ok();
    policy.progress_fd = progress_pipe
        .as_ref()
        .map(|(_, write)| std::os::fd::AsRawFd::as_raw_fd(write));
    let clock = Instant::now();
    let started = HelperProcess::start(
        &request.preforked,
        request.workspace.program(),
        &policy,
        &argv,
        stdin_bytes.is_some(),
        progress_pipe
            .as_ref()
            .map(|(_, write)| std::os::fd::AsFd::as_fd(write)),
    );
    let progress_task = progress_pipe.and_then(|(read, write)| {
        drop(write);
        let pipe = tokio::net::unix::pipe::Receiver::from_owned_fd(read).ok()?;
        Some(tokio::spawn(pump_progress(pipe, events.clone())))
    });
    let mut child = match started {
        Ok(child) => child,
        Err(e) => {
            let mut record = base_record(
                &request,
                &manifest,
                &input,
                started_at,
                RunStatus::SandboxError,
            );
            // The run's folder names it: recorded, its in-flight file is forgotten.
            record.log_dir = log_dir;
            if let Some(proxy) = proxy.take() {
                proxy.finish().await;
            }
            let mut outcome = finished(record, Vec::new(), Vec::new(), Protections::default());
            outcome.record.error = Some(format!("cannot start the sandbox helper: {e}"));
            return Ok(outcome);
        }
    };
    let pid = child.id();
    marker.set_helper(pid);
    if let (Some(bytes), Some(mut stdin)) = (stdin_bytes, child.stdin.take()) {
        // Its own task: a tool that never reads stdin must not block us.
        tokio::spawn(async move {
            let _ = stdin.write_all(&bytes).await;
            let _ = stdin.shutdown().await;
        });
    }
    let logs = (run_dir.join("stdout.log"), run_dir.join("stderr.log"));
    let stdout_task = child.stdout.take().map(|pipe| {
        tokio::spawn(pump(
            pipe,
            Stream::Stdout,
            CappedCapture::new(HEAD_BYTES, TAIL_BYTES, Some(&logs.0)),
            events.clone(),
        ))
    });
    let stderr_task = child.stderr.take().map(|pipe| {
        tokio::spawn(pump(
            pipe,
            Stream::Stderr,
            CappedCapture::new(HEAD_BYTES, TAIL_BYTES, Some(&logs.1)),
            events,
        ))
    });

    let timeout = Duration::from_secs(manifest.run.timeout_secs);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    // The in-flight file's time says until when the run was seen alive, should its starter die.
    // Its first tick a beat from now: the file was just written.
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + inflight::HEARTBEAT,
        inflight::HEARTBEAT,
    );
    let ended_by = loop {
        tokio::select! {
            _ = child.wait() => break None,
            _ = &mut deadline => break Some(RunStatus::Timeout),
            _ = wait_cancelled(&mut cancel) => break Some(RunStatus::Cancelled),
            () = stop::stopped() => break Some(RunStatus::Cancelled),
            _ = heartbeat.tick() => marker.touch(),
        }
    };
    let exit = child.kill_group_and_reap().await.ok();
    let duration = clock.elapsed();
    // The run's processes are gone: so go the proxy's tasks and sockets.
    let egress = match proxy.take() {
        Some(proxy) => Some(proxy.finish().await),
        None => None,
    };
    let stdout = drain(stdout_task).await;
    let stderr = drain(stderr_task).await;
    if let Some(mut task) = progress_task
        && tokio::time::timeout(PROGRESS_GRACE, &mut task)
            .await
            .is_err()
    {
        task.abort();
    }
    let report = read_report(&report_path);
    let usage: Option<&ToolUsage> = report.as_ref().and_then(|r| r.usage.as_ref());
    if child.removes_its_cgroups() {
        confinement::remove_scratch(&scratch);
    } else {
        confinement::clean_up(report.as_ref(), &scratch);
    }
    if report.is_none() {
        // The helper was killed before it could say which cgroups it made, or remove them.
        sandbox::remove_stale_cgroups();
    }

    let mut record = base_record(&request, &manifest, &input, started_at, RunStatus::Ok);
    record.duration_ms = duration.as_millis() as u64;
    record.bytes_out = stdout.total() + stderr.total();
    record.peak_memory_kb = usage.map(|u| u.max_rss_kb);
    record.log_dir = log_dir;
    record.exit_code = exit.and_then(|s| s.code());
    record.signal = exit.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
    let mut protections = report
        .as_ref()
        .map(|r| r.protections.clone())
        .unwrap_or_default();
    if let Some(summary) = egress {
        add_egress_summary(&mut protections, &summary);
    }
    if withheld && manifest.permissions.declares_any() && protections.layer("grants").is_none() {
        protections.set_active("grants", "withheld: unreviewed".to_string());
    }
    record.sandbox = protections.summary();
    let stderr_tail = String::from_utf8_lossy(&stderr.last_bytes(400))
        .trim()
        .to_string();
    let ended = Ending {
        by: ended_by,
        timeout,
        report: report.as_ref(),
        stderr_tail: &stderr_tail,
    };
    let (status, error) = match usage.and_then(|u| u.limit.clone()) {
        // The tree went over a limit and was stopped: that is the run's end.
        Some(limit) if ended.by.is_none() => (RunStatus::Limit, Some(limit)),
        _ => classify(&manifest, &tool_dir, &ended, &record, &stdout),
    };
    let (status, error) = tool_taken_away(&request, status).unwrap_or((status, error));
    record.status = status;
    record.error = error;
    Ok(finished(
        record,
        stdout.finish(),
        stderr.finish(),
        protections,
    ))
}

/// A run that failed because its tool was no longer there to read: a person moved its folder
/// (an archive, a rollback), changed it or made it unreadable while it ran. Recorded as
/// `unavailable`, not as the tool's failure. Looked at only for a run that failed, which the
/// tool's own folder, read again, says it no longer is.
fn tool_taken_away(request: &RunRequest, status: RunStatus) -> Option<(RunStatus, Option<String>)> {
    if !matches!(
        status,
        RunStatus::Failed | RunStatus::SchemaViolation | RunStatus::SandboxError
    ) {
        return None;
    }
    let entry = &request.entry;
    let now = crate::catalog::scan::hash_now(&entry.path);
    if !now.is_empty() && now == entry.content_hash {
        return None;
    }
    let folder = entry
        .path
        .strip_prefix(request.workspace.root())
        .unwrap_or(&entry.path)
        .display();
    let what = if std::fs::symlink_metadata(&entry.path).is_err() {
        "was moved away (archived, rolled back or moved by hand)"
    } else if now.is_empty() {
        "was made unreadable"
    } else {
        "was changed"
    };
    Some((
        RunStatus::Unavailable,
        Some(format!(
            "{folder} {what} while {} ran: not the tool's failure",
            entry.id()
        )),
    ))
}

/// The `egress` layer with what went through the proxy appended: "…; proxy: 3 connections,
/// 1 refused".
fn add_egress_summary(protections: &mut Protections, summary: &egress::Summary) {
    let Some(layer) = protections.layer("egress").cloned() else {
        return;
    };
    let detail = if layer.detail.is_empty() {
        summary.to_string()
    } else {
        format!("{}; {summary}", layer.detail)
    };
    if layer.active {
        protections.set_active("egress", detail);
    } else {
        protections.set_flag("egress", false, &detail);
    }
}

/// Writes the run's in-flight file before anything is spawned, which names the run and its
/// folder: a run never starts unrecorded.
fn record_start(
    request: &RunRequest,
    manifest: &Manifest,
    input: &Option<serde_json::Value>,
    started_at: &str,
) -> Result<inflight::Marker, RunError> {
    let refuse = |reason: String| RunError::RunDir {
        path: crate::workspace::state_dir(request.workspace.root()).join("running"),
        reason: format!("cannot record the run before it starts: {reason}"),
    };
    let starter = crate::proc_stat::ProcessId::of(std::process::id())
        .ok_or_else(|| refuse("cannot read this process's start time in /proc".to_string()))?;
    // A helper forked ahead is named from the start: one write instead of two.
    let helper = request
        .preforked
        .pid()
        .and_then(crate::proc_stat::ProcessId::of);
    let input = input.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let run = |log_dir| inflight::InFlight {
        tool: manifest.name.clone(),
        version: manifest.version.to_string(),
        tier: request.entry.tier,
        input: input.clone(),
        started_at: started_at.to_string(),
        origin: request.origin,
        client: request.client.clone(),
        log_dir,
        starter,
        helper,
        finished: None,
    };
    inflight::Marker::reserve(request.workspace.root(), &manifest.name, run)
        .map_err(|e| refuse(e.to_string()))
}

fn finished(
    record: RunRecord,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    protections: Protections,
) -> RunOutcome {
    RunOutcome {
        record,
        stdout,
        stderr,
        protections,
    }
}

fn base_record(
    request: &RunRequest,
    manifest: &Manifest,
    input: &Option<serde_json::Value>,
    started_at: String,
    status: RunStatus,
) -> RunRecord {
    RunRecord {
        id: 0,
        tool: manifest.name.clone(),
        version: manifest.version.to_string(),
        tier: request.entry.tier,
        input: input.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        started_at,
        duration_ms: 0,
        exit_code: None,
        signal: None,
        peak_memory_kb: None,
        bytes_out: 0,
        status,
        origin: request.origin,
        client: request.client.clone(),
        project: (manifest.permissions.uses_project() && !request.reach.withheld())
            .then_some(request.workspace.confinement().project.as_ref())
            .flatten()
            .map(|project| project.display().to_string()),
        log_dir: None,
        sandbox: String::new(),
        error: None,
    }
}

/// How a run came to an end, as far as the runner saw it.
struct Ending<'a> {
    /// Set when we ended the run (timeout, cancel) rather than the tool.
    by: Option<RunStatus>,
    timeout: Duration,
    report: Option<&'a SandboxReport>,
    stderr_tail: &'a str,
}

/// Decides the status of a finished run and the one-line error that explains it.
fn classify(
    manifest: &Manifest,
    tool_dir: &Path,
    ended: &Ending<'_>,
    record: &RunRecord,
    stdout: &CappedCapture,
) -> (RunStatus, Option<String>) {
    let (ended_by, timeout, report, stderr_tail) =
        (ended.by, ended.timeout, ended.report, ended.stderr_tail);
    let last_line = |text: &str| {
        text.lines()
            .last()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
    };
    match ended_by {
        Some(RunStatus::Timeout) => {
            return (
                RunStatus::Timeout,
                Some(format!("timed out after {} s; killed", timeout.as_secs())),
            );
        }
        Some(RunStatus::Cancelled) => return (RunStatus::Cancelled, Some("cancelled".to_string())),
        _ => {}
    }
    if let Some(error) = report.and_then(|r| r.error.clone()) {
        return (RunStatus::SandboxError, Some(error));
    }
    if record.exit_code == Some(sandbox::EXIT_HELPER_FAILED) && report.is_none() {
        return (
            RunStatus::SandboxError,
            Some(last_line(stderr_tail).unwrap_or_else(|| "sandbox helper failed".into())),
        );
    }
    if let Some(signal) = record.signal {
        let status = match signal {
            libc::SIGXCPU | libc::SIGXFSZ => RunStatus::Limit,
            _ => RunStatus::Failed,
        };
        let what = match signal {
            libc::SIGXCPU => "CPU time limit reached".to_string(),
            libc::SIGXFSZ => "file size limit reached".to_string(),
            libc::SIGKILL => "killed by signal 9 (SIGKILL)".to_string(),
            libc::SIGSEGV => "crashed with signal 11 (SIGSEGV)".to_string(),
            n => format!("killed by signal {n}"),
        };
        return (status, Some(what));
    }
    match record.exit_code {
        Some(0) => {}
        Some(BAD_INPUT_EXIT) => {
            let detail = last_line(stderr_tail).unwrap_or_else(|| "no output on stderr".into());
            return (RunStatus::BadInput, Some(format!("bad input: {detail}")));
        }
        Some(code) => {
            let memory = stderr_tail.contains("MemoryError")
                || stderr_tail.contains("Cannot allocate memory");
            let status = if memory {
                RunStatus::Limit
            } else {
                RunStatus::Failed
            };
            let detail = last_line(stderr_tail).unwrap_or_else(|| "no output on stderr".into());
            return (status, Some(format!("exit {code}: {detail}")));
        }
        None => {
            return (
                RunStatus::Failed,
                Some("the run ended without an exit status".into()),
            );
        }
    }
    if let Some(source) = &manifest.output_schema {
        return match check_output(source, tool_dir, stdout) {
            Ok(()) => (RunStatus::Ok, None),
            Err(reason) => (
                RunStatus::SchemaViolation,
                Some(format!("output: {reason}")),
            ),
        };
    }
    (RunStatus::Ok, None)
}

/// Why a run's output does not stand against its output schema.
#[derive(Debug, thiserror::Error)]
enum OutputCheckError {
    #[error("stdout is {0} bytes, too large to check against the output schema")]
    TooLarge(u64),
    #[error("stdout is not JSON ({0})")]
    NotJson(serde_json::Error),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

fn check_output(
    source: &crate::model::SchemaSource,
    tool_dir: &Path,
    stdout: &CappedCapture,
) -> Result<(), OutputCheckError> {
    if !stdout.is_complete() {
        return Err(OutputCheckError::TooLarge(stdout.total()));
    }
    let bytes = stdout.last_bytes(HEAD_BYTES + TAIL_BYTES);
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(OutputCheckError::NotJson)?;
    let schema = schema_file::load(source, tool_dir)?;
    Ok(input_schema::check(&schema, &value)?)
}

async fn wait_cancelled(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow() {
            return;
        }
        if cancel.changed().await.is_err() {
            // The sender is gone: nobody can cancel any more.
            std::future::pending::<()>().await;
        }
    }
}

/// Reads one pipe to its end, capturing and forwarding each chunk. Each read lands in a fresh
/// buffer that is then handed to the listener as it is: no copy per chunk.
async fn pump<R: tokio::io::AsyncRead + Unpin>(
    mut pipe: R,
    stream: Stream,
    mut capture: CappedCapture,
    events: Option<mpsc::Sender<RunEvent>>,
) -> CappedCapture {
    loop {
        let mut buf = Vec::with_capacity(CHUNK_BYTES);
        match pipe.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                capture.push(&buf);
                if let Some(events) = &events {
                    // A gone receiver only means nobody watches live; keep capturing.
                    let _ = events.send(RunEvent::Output { stream, bytes: buf }).await;
                }
            }
        }
    }
    capture
}

/// Reads the run's progress pipe to its end: never waits on anyone, so a tool writing a flood
/// never blocks on it. Tells the newest report that stood, at most one per
/// `progress::REPORT_EVERY`; one that finds the queue full waits for the next turn, newer
/// reports replacing it meanwhile. The last one is told once the pipe ends.
async fn pump_progress(
    mut pipe: tokio::net::unix::pipe::Receiver,
    events: Option<mpsc::Sender<RunEvent>>,
) {
    use tokio::sync::mpsc::error::TrySendError;
    let mut reader = progress::ProgressReader::new();
    let mut buf = vec![0u8; PROGRESS_CHUNK_BYTES];
    let mut pending: Option<crate::model::run_output::Progress> = None;
    let mut turn = tokio::time::Instant::now();
    loop {
        tokio::select! {
            read = pipe.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    reader.push(&buf[..n]);
                    pending = reader.take_new().or(pending);
                }
            },
            () = tokio::time::sleep_until(turn), if pending.is_some() => {}
        }
        let now = tokio::time::Instant::now();
        if now < turn {
            continue;
        }
        let (Some(report), Some(events)) = (pending.take(), &events) else {
            continue;
        };
        turn = now + progress::REPORT_EVERY;
        if let Err(TrySendError::Full(RunEvent::Progress(report))) =
            events.try_send(RunEvent::Progress(report))
        {
            pending = Some(report);
        }
    }
    reader.finish();
    let last = reader.take_new().or(pending);
    if let (Some(report), Some(events)) = (last, &events) {
        let _ = events.send(RunEvent::Progress(report)).await;
    }
}

/// Waits briefly for a reader; a pipe held open by something outside our reach must not
/// hang the run.
async fn drain(task: Option<tokio::task::JoinHandle<CappedCapture>>) -> CappedCapture {
    let empty = || CappedCapture::new(0, 0, None);
    let Some(mut task) = task else {
        return empty();
    };
    match tokio::time::timeout(DRAIN_GRACE, &mut task).await {
        Ok(Ok(capture)) => capture,
        _ => {
            task.abort();
            empty()
        }
    }
}

fn read_report(path: &Path) -> Option<SandboxReport> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}
