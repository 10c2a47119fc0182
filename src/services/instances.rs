//! Launching, stopping and talking to instances, each step recorded in the store.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::adapter::{self, ExchangeError};
use super::executable::locate_executable;
use super::launch_failure::{LaunchFailure, StartFailure};
use super::process::{self, Spawned};
use super::{ServiceError, Services, health, listener, ports, reconcile};
use crate::model::run_output::Stream;
use crate::model::service_definition::Port;
use crate::model::services::ExchangeRow;
use crate::model::services::Stopped;
use crate::model::services::{InstanceRow, InstanceState};
use crate::model::{Manifest, ServiceSpec, Tier, ToolEntry, ToolId};
use crate::proc_stat::ProcessId;
use crate::review::lock::ToolLock;
use crate::runner::confinement::{self, Confinement, Jail};
use crate::runner::sandbox::{SandboxReport, ServiceLogs};
use crate::runner::service_log as logs;
use crate::store::services::ClaimError;
use crate::store::{SharedStore, Store};

/// How long a launch waits for a decision on its tool (which holds the tool's lock) to end.
const LOCK_PATIENCE: Duration = Duration::from_secs(10);
/// How often launch probes the health check.
const PROBE_EVERY: Duration = Duration::from_millis(20);
/// The longest single probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes of stderr shown when a service dies at start.
const STDERR_TAIL: u64 = 600;

/// A launched, healthy instance.
#[derive(Debug, Clone)]
pub struct Launched {
    pub(crate) row: InstanceRow,
    pub(crate) took: Duration,
}

/// One exchange and, when the instance had to be started first, that launch.
#[derive(Debug, Clone)]
pub struct Sent {
    pub(crate) answer: String,
    pub(crate) relaunched: Option<Launched>,
}

impl Services {
    /// The service tool `name` in an active tier (core first).
    pub(crate) fn find_service(
        &self,
        store: &SharedStore,
        name: &str,
    ) -> Result<ToolEntry, ServiceError> {
        let spec: ToolId = name.parse()?;
        let tiers = [Tier::Core, Tier::Approved, Tier::Experimental];
        let named = crate::lookup::tools_named(
            self.root(),
            self.workspace.scan_limits(),
            &mut store.lock(),
            &spec,
            &tiers,
        );
        let catalog = crate::model::Catalog::new(named);
        match catalog.find(&spec) {
            Ok(found) => Ok(found.clone()),
            // A bare name picks the active version first: several answering means none is.
            Err(crate::model::LookupError::Ambiguous { choices, .. }) if spec.version.is_none() => {
                Err(ServiceError::Refused(format!(
                    "{name}: no version of it is active ({choices}); only core and approved \
                     services launch"
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Starts `instance` of the service `entry` and waits until it is healthy. On failure the
    /// process is gone and the instance stopped, with the reason.
    pub(crate) fn launch(
        &self,
        store: &SharedStore,
        entry: &ToolEntry,
        instance: &str,
        confinement: &Confinement,
    ) -> Result<Launched, ServiceError> {
        let clock = Instant::now();
        check_instance_name(instance)?;
        // Told before what a run would check (its input): no input makes a tool a service.
        if entry
            .manifest
            .as_deref()
            .is_some_and(|m| m.service.is_none())
        {
            return Err(not_a_service(entry));
        }
        let (manifest, _) = crate::runner::preflight(entry, None)?;
        let service = manifest
            .service
            .clone()
            .ok_or_else(|| not_a_service(entry))?;
        // A service runs until stopped, with the network: only content a person approved.
        if !entry.tier.is_active() {
            let why = match entry.tier {
                Tier::Archived => "was taken out of use",
                _ => "has not been approved",
            };
            return Err(ServiceError::Refused(format!(
                "{}: only core and approved services launch; this one is in {}/ and {why}",
                entry.id(),
                entry.tier
            )));
        }
        // Checked and claimed under the tool's lock, as a decision checks for running
        // instances before it archives: an archive either saw this instance starting and was
        // refused, or moved the folder before the seal check here refuses it.
        let tool_lock = ToolLock::acquire_within(self.root(), &entry.name, LOCK_PATIENCE)
            .map_err(|e| ServiceError::Refused(e.to_string()))?;
        crate::seal::check(self.root(), entry).map_err(|e| ServiceError::Sealed {
            tool: entry.id(),
            reason: Box::new(e),
        })?;
        let previous = self.settle_previous(store, instance, &manifest.name)?;
        let held: Vec<(u16, String)> = store
            .lock()
            .instances(true)?
            .into_iter()
            .map(|r| (r.port, r.name))
            .collect();
        let wanted = Port::parse(&service.port)
            .map_err(|e| ServiceError::Refused(format!("{}: [service] port: {e}", entry.id())))?;
        let port = ports::choose(wanted, previous, self.settings().port_range, &held)
            .map_err(|e| ServiceError::Refused(format!("instance {instance}: {e}")))?;
        let tool_dir = entry.folder();
        let argv = service_argv(&manifest, &service, &tool_dir, port)?;
        locate_executable(&argv[0], &tool_dir)
            .map_err(|e| ServiceError::Refused(format!("{}: {e}", entry.id())))?;

        let dir = self.instance_dir(instance);
        crate::workspace::private::create_dirs(&dir)
            .map_err(|e| ServiceError::Refused(format!("{}: cannot create: {e}", dir.display())))?;
        let scratch = dir.join("scratch");
        // Left by an earlier instance without a mount namespace; the sandbox makes it anew.
        confinement::remove_scratch(&scratch);
        let report_path = dir.join("report.json");
        let _ = std::fs::remove_file(&report_path);
        let mut env = crate::runner::invocation::tool_env(&manifest, &scratch, &tool_dir);
        env.insert("PORT".into(), port.to_string());
        env.insert("TOOLBENCH_PORT".into(), port.to_string());
        let mut policy = confinement.policy(Jail {
            scratch: scratch.clone(),
            report: report_path.clone(),
            memory_mb: manifest.run.memory_mb,
            // A service runs until stopped: no CPU-time budget to run out of.
            cpu_secs: u64::MAX / 2,
            network: true,
            env,
            visible: vec![tool_dir.clone()],
            grants: None,
            project_fixture: None,
        });
        policy.starter_pid = None;
        policy.service_port = Some(port);
        policy.service_logs = Some(ServiceLogs {
            dir: dir.clone(),
            max_bytes: self.settings().log_mb.saturating_mul(1024 * 1024),
        });

        let row = InstanceRow {
            name: instance.to_string(),
            tool: manifest.name.clone(),
            version: manifest.version.to_string(),
            port,
            pid: None,
            start_ticks: None,
            state: InstanceState::Starting,
            started_at: crate::clock::now_rfc3339(),
            stopped_at: None,
            last_exchange_at: store
                .lock()
                .instance(instance)?
                .and_then(|r| r.last_exchange_at),
            log_dir: dir
                .strip_prefix(self.root())
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            sandbox: String::new(),
            error: None,
        };
        store.lock().claim_instance(&row).map_err(|e| match e {
            ClaimError::Store(e) => ServiceError::Refused(e.to_string()),
            other => ServiceError::Refused(format!("instance {instance}: {other}")),
        })?;
        drop(tool_lock);
        let (stdout_log, stderr_log) = super::log_paths(self.root(), instance);
        let stderr_start = logs::end(&dir, Stream::Stderr);
        // Where this launch's output starts: the boundary `tools logs` and the Output pane show.
        let logs_from = [logs::end(&dir, Stream::Stdout), stderr_start];
        let launch = store
            .lock()
            .record_launch(instance, &row.started_at, port, logs_from)?;
        let spawned = match process::spawn(
            self.workspace.program(),
            &policy,
            &argv,
            (&stdout_log, &stderr_log),
        ) {
            Ok(spawned) => spawned,
            Err(reason) => return Err(self.fail(store, instance, launch, reason.into())),
        };
        store
            .lock()
            .set_instance_process(instance, spawned.id.pid, spawned.id.start_ticks)?;
        let wait = WaitHealthy {
            instance,
            check: &service.health_check,
            port,
            report: &report_path,
            stderr_from: stderr_start,
            dir: &dir,
        };
        match self.wait_healthy(spawned, &wait) {
            Ok(sandbox) => {
                let mut store = store.lock();
                store.set_instance_state(instance, InstanceState::Healthy, Some(&sandbox), None)?;
                let row = store.instance(instance)?.unwrap_or(row);
                Ok(Launched {
                    row,
                    took: clock.elapsed(),
                })
            }
            Err(reason) => Err(self.fail(store, instance, launch, reason.into())),
        }
    }

    /// A name still recorded as running but whose process is gone is stopped first; a live one
    /// refuses the launch. Returns the instance's previous port, to reuse when free.
    fn settle_previous(
        &self,
        store: &SharedStore,
        instance: &str,
        tool: &str,
    ) -> Result<Option<u16>, ServiceError> {
        let mut store = store.lock();
        let Some(row) = store.instance(instance)? else {
            return Ok(None);
        };
        if row.tool != tool {
            return Err(ServiceError::Refused(format!(
                "instance {instance} belongs to tool {}; pick another instance name",
                row.tool
            )));
        }
        if row.state != InstanceState::Stopped {
            match reconcile::why_dead(&row) {
                Some(reason) => {
                    store.set_instance_state(
                        instance,
                        InstanceState::Stopped,
                        None,
                        Some(&reason),
                    )?;
                }
                None => {
                    return Err(ServiceError::Refused(format!(
                        "instance {instance} is already running (tool {}, port {}, pid {})",
                        row.tool,
                        row.port,
                        row.pid.map_or("?".to_string(), |p| p.to_string())
                    )));
                }
            }
        }
        Ok(Some(row.port))
    }

    /// Probes until healthy; `Ok` holds the sandbox summary. On failure the process is stopped
    /// (or already gone) and the error says why.
    fn wait_healthy(
        &self,
        mut spawned: Spawned,
        wait: &WaitHealthy<'_>,
    ) -> Result<String, StartFailure> {
        let timeout = Duration::from_secs(self.settings().health_timeout_secs);
        let deadline = Instant::now() + timeout;
        // Whether a probe was answered by a listener outside the service's tree.
        let mut answered_by_another = false;
        loop {
            if let Ok(Some(status)) = spawned.child.try_wait() {
                let report = read_report(wait.report);
                let instance = wait.instance.to_string();
                let reason = match report.as_ref().and_then(|r| r.error.clone()) {
                    Some(error) => StartFailure::CouldNotStart { instance, error },
                    None => StartFailure::Exited {
                        instance,
                        exit: describe_exit(status),
                        stderr: stderr_tail(wait.dir, wait.stderr_from),
                    },
                };
                return Err(reason);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if health::probe(wait.check, wait.port, left.min(PROBE_TIMEOUT)).is_ok() {
                // `none` probes nothing, so no answer has to be the service's.
                let ours = match wait.check {
                    "none" => Ok(true),
                    _ => listener::held_by_tree(wait.port, spawned.id.pid),
                };
                match ours {
                    Ok(true) => {
                        let sandbox = read_report(wait.report)
                            .map(|r| r.protections.summary())
                            .unwrap_or_default();
                        process::reap_later(spawned.child);
                        return Ok(sandbox);
                    }
                    Ok(false) => answered_by_another = true,
                    Err(error) => {
                        self.stop_spawned(&mut spawned);
                        return Err(StartFailure::Listeners {
                            instance: wait.instance.to_string(),
                            port: wait.port,
                            error,
                        });
                    }
                }
            }
            if Instant::now() >= deadline {
                self.stop_spawned(&mut spawned);
                let instance = wait.instance.to_string();
                return Err(if answered_by_another {
                    StartFailure::PortTaken {
                        instance,
                        port: wait.port,
                    }
                } else {
                    StartFailure::Unhealthy {
                        instance,
                        secs: timeout.as_secs(),
                        check: wait.check.to_string(),
                        port: wait.port,
                    }
                });
            }
            std::thread::sleep(PROBE_EVERY);
        }
    }

    /// Stops a launch that will not serve, and reaps it.
    fn stop_spawned(&self, spawned: &mut Spawned) {
        process::stop(
            spawned.id,
            Duration::from_secs(self.settings().stop_grace_secs),
        );
        let _ = spawned.child.wait();
    }

    /// Records a failed launch (its process already gone) and returns its error.
    fn fail(
        &self,
        store: &SharedStore,
        instance: &str,
        launch: i64,
        reason: LaunchFailure,
    ) -> ServiceError {
        self.clean_up(instance);
        let text = crate::error_chain::one_line(&reason);
        let mut store = store.lock();
        let _ = store.set_instance_state(instance, InstanceState::Stopped, None, Some(&text));
        let _ = store.set_launch_error(launch, &text);
        ServiceError::Launch(reason)
    }

    /// Removes what a stopped instance leaves on the host: its cgroups and scratch.
    fn clean_up(&self, instance: &str) {
        let dir = self.instance_dir(instance);
        confinement::clean_up(
            read_report(&dir.join("report.json")).as_ref(),
            &dir.join("scratch"),
        );
    }

    /// Stops `instance`: SIGTERM, SIGKILL after the grace period. A process that is not the
    /// instance's any more (by start time) is never signalled.
    pub(crate) fn stop(
        &self,
        store: &SharedStore,
        instance: &str,
    ) -> Result<Stopped, ServiceError> {
        let row = known(&store.lock(), instance)?;
        let outcome = match (row.pid, row.start_ticks) {
            (Some(pid), Some(start_ticks)) if row.state != InstanceState::Stopped => {
                let grace = Duration::from_secs(self.settings().stop_grace_secs);
                process::stop(ProcessId { pid, start_ticks }, grace)
            }
            _ => Stopped::NotRunning,
        };
        if outcome == Stopped::Stuck {
            return Err(ServiceError::Refused(format!(
                "instance {instance}: pid {} is still there after SIGKILL",
                row.pid.unwrap_or(0)
            )));
        }
        self.clean_up(instance);
        if row.state != InstanceState::Stopped {
            store
                .lock()
                .set_instance_state(instance, InstanceState::Stopped, None, None)?;
        }
        Ok(outcome)
    }

    /// A running instance reads its tool's files as it goes (a module imported late): once
    /// they are not the content that was approved, no message reaches it; nor once the
    /// version it runs is no longer active (archived, superseded or rolled back: an instance
    /// outlives the decision that took its tool out of use). Its tool is read from its usual
    /// folder without the store, as a run's is, else looked up as a launch looks.
    fn refuse_changed_since_launch(
        &self,
        store: &SharedStore,
        row: &InstanceRow,
    ) -> Result<(), ServiceError> {
        let Ok(spec) = format!("{}@{}", row.tool, row.version).parse::<ToolId>() else {
            return Ok(());
        };
        let stop_it = |why: String| {
            ServiceError::Refused(format!(
                "instance {} runs {spec}, {why}; stop it (tools stop {})",
                row.name, row.name
            ))
        };
        let limits = self.workspace.scan_limits();
        let entry = match crate::lookup::active_in_usual_folder(self.root(), limits, &spec) {
            Some(entry) => entry,
            None => self
                .find_service(store, &spec.to_string())
                .ok()
                .filter(|entry| entry.tier.is_active())
                .ok_or_else(|| stop_it("which is no longer an active service".to_string()))?,
        };
        crate::seal::check(self.root(), &entry).map_err(|e| {
            // Its files changed, or what lets it run did (the policy, the reviewers).
            let why = match e {
                crate::seal::SealError::Modified(_) => "which changed since it was launched",
                _ => "which may not run now",
            };
            stop_it(format!("{why}: {e}"))
        })
    }

    /// Sends one message through the generic adapter; a stopped instance is launched again
    /// first, within `confinement`. Every exchange, failed or not, is stored.
    pub(crate) fn send(
        &self,
        store: &SharedStore,
        instance: &str,
        message: &str,
        context: &Value,
        confinement: &Confinement,
    ) -> Result<Sent, ServiceError> {
        if !context.is_object() {
            return Err(ServiceError::Refused(format!(
                "the context {context} is not a JSON object; the generic adapter sends {{...}}"
            )));
        }
        let mut row = known(&store.lock(), instance)?;
        let mut relaunched = None;
        let running = row.state != InstanceState::Stopped && reconcile::why_dead(&row).is_none();
        if running {
            self.refuse_changed_since_launch(store, &row)?;
        }
        if !running {
            let entry = self.find_service(store, &row.tool).map_err(|e| {
                ServiceError::Refused(format!(
                    "instance {instance} is stopped and cannot be relaunched: {e}"
                ))
            })?;
            let launched = self.launch(store, &entry, instance, confinement)?;
            row = launched.row.clone();
            relaunched = Some(launched);
        }
        let timeout = Duration::from_secs(self.settings().send_timeout_secs);
        let at = crate::clock::now_rfc3339();
        let clock = Instant::now();
        let result = adapter::exchange(row.port, &adapter::request_line(message, context), timeout);
        let took = clock.elapsed();
        let dir = self.instance_dir(instance);
        let logs_at = [Stream::Stdout, Stream::Stderr].map(|stream| logs::end(&dir, stream));
        let (raw, reply) = match result {
            Ok(line) => {
                let reply = adapter::reply_of(&line);
                (Some(line), reply)
            }
            Err(e) => (None, Err(e)),
        };
        store.lock().record_exchange(&ExchangeRow {
            id: 0,
            instance: instance.to_string(),
            at,
            message: message.to_string(),
            context: context.to_string(),
            response: reply.as_ref().ok().cloned(),
            raw: raw.clone(),
            error: reply.as_ref().err().map(ToString::to_string),
            duration_ms: took.as_millis() as u64,
            logs_at: Some(logs_at),
        })?;
        match reply {
            Ok(answer) => Ok(Sent { answer, relaunched }),
            Err(e) => {
                if matches!(e, ExchangeError::Refused(_)) {
                    let note = format!("port {} refused a connection", row.port);
                    store.lock().set_instance_state(
                        instance,
                        InstanceState::Unhealthy,
                        None,
                        Some(&note),
                    )?;
                }
                Err(ServiceError::Refused(format!("instance {instance}: {e}")))
            }
        }
    }
}

/// What `wait_healthy` watches.
struct WaitHealthy<'a> {
    instance: &'a str,
    check: &'a str,
    port: u16,
    report: &'a Path,
    /// The instance's folder, and where this launch's stderr starts in its log.
    dir: &'a Path,
    stderr_from: u64,
}

fn known(store: &Store, instance: &str) -> Result<InstanceRow, ServiceError> {
    store.instance(instance)?.ok_or_else(|| {
        ServiceError::Refused(format!(
            "no instance named {instance} (see toolbench tools status)"
        ))
    })
}

/// Instance names become folder names: the tool-name rule keeps them safe.
fn check_instance_name(instance: &str) -> Result<(), ServiceError> {
    if crate::model::is_valid_name(instance) {
        Ok(())
    } else {
        Err(ServiceError::Refused(format!(
            "instance name {instance:?} is not valid: {}",
            crate::model::NAME_RULE
        )))
    }
}

/// The command, then the launch arguments with `{port}` filled in; words naming files of the
/// tool made absolute as for a run.
fn service_argv(
    manifest: &Manifest,
    service: &ServiceSpec,
    tool_dir: &Path,
    port: u16,
) -> Result<Vec<String>, ServiceError> {
    let mut whole = manifest.clone();
    whole.run.command.extend(
        service
            .launch_args
            .iter()
            .map(|a| a.replace("{port}", &port.to_string())),
    );
    whole.run.input = crate::model::InputMode::None;
    let argv = crate::runner::invocation::tool_argv(&whole, tool_dir, None)
        .map_err(|e| ServiceError::Refused(format!("{}: {e}", manifest.name)))?;
    if argv.is_empty() {
        return Err(ServiceError::Refused(format!(
            "{}: [run] command is empty",
            manifest.name
        )));
    }
    Ok(argv)
}

fn read_report(path: &Path) -> Option<SandboxReport> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        _ => "an unknown status".to_string(),
    }
}

/// The last lines this launch wrote to stderr (from position `from` of the instance's stderr
/// log in `dir`), on one line.
fn stderr_tail(dir: &Path, from: u64) -> String {
    let end = logs::end(dir, Stream::Stderr);
    let from = from.max(end.saturating_sub(STDERR_TAIL));
    let tail = logs::read_from(dir, Stream::Stderr, from, STDERR_TAIL).bytes;
    let text = String::from_utf8_lossy(&tail);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return "nothing on stderr".to_string();
    }
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

/// The refusal of a launch of `entry`, which has no `[service]` section.
fn not_a_service(entry: &ToolEntry) -> ServiceError {
    ServiceError::Refused(format!(
        "{}: not a service (its tool.toml has no [service] section)",
        entry.id()
    ))
}
