//! Running a program that reads a tool's files (a syntax checker, a linter,
//! the evolver) to its end inside the same sandbox as a run, with its
//! output captured. Nothing it reads can change what runs outside.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::confinement::{self, Confinement, Jail};
use super::sandbox::{self, SandboxReport};

/// Most of a confined program's stdout and stderr kept; the rest is read and dropped.
pub(crate) const MAX_OUTPUT: u64 = 32 * 1024 * 1024;
/// Memory for checkers and the evolver (summed over their processes).
const MEMORY_MB: u64 = 1024;

/// One program to run confined.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    pub(crate) argv: Vec<String>,
    pub(crate) stdin: Option<Vec<u8>>,
    /// Added to the fixed basics (PATH, HOME and TMPDIR in scratch, LANG).
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) network: bool,
    /// Paths it reads (the tool folder, the program itself).
    pub(crate) visible: Vec<PathBuf>,
    /// It reads the system's folders and `visible`, nothing else (a checker of code nobody
    /// approved); else everything the sandbox does not hide (the evolver, a person's program).
    pub(crate) only_visible: bool,
    pub(crate) timeout: Duration,
    /// The one folder it may write besides its scratch (an environment being built); only
    /// with `only_visible`.
    pub(crate) writable: Option<PathBuf>,
    /// The hosts it may reach, through the egress proxy (with `network`); empty: what
    /// `network` says alone.
    pub(crate) hosts: Vec<crate::model::HostPort>,
    /// Memory in MiB, summed over its processes; `None`: the checkers' [`MEMORY_MB`].
    pub(crate) memory_mb: Option<u64>,
    /// The most one file it writes may take, in MiB; `None`: what every sandboxed process
    /// gets (`Confinement::policy`).
    pub(crate) max_file_size_mb: Option<u64>,
}

/// What a confined program did.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    pub(crate) exit_code: Option<i32>,
    /// The signal that ended it, if one did.
    pub(crate) signal: Option<i32>,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    /// stdout went past [`MAX_OUTPUT`] and was cut there.
    pub(crate) stdout_cut: bool,
}

impl Finished {
    pub(crate) fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Why a confined program did not finish; words that follow the program's name.
#[derive(Debug, thiserror::Error)]
pub enum ConfinedError {
    #[error("could not run: {0}")]
    Setup(super::RunError),
    /// The sandbox helper refused to start it, with its reason.
    #[error("could not run: {0}")]
    Refused(String),
    #[error("could not start the sandbox: {0}")]
    Start(std::io::Error),
    #[error("could not be waited for: {0}")]
    Wait(std::io::Error),
    #[error("did not finish within {0} s")]
    Timeout(u64),
}

/// Runs `program` in the sandbox of the workspace at `root`; `exe` is the
/// toolbench binary. The error is one line saying why it did not finish, to
/// follow the program's name ("could not run: …", "did not finish within 30 s").
pub(crate) async fn run(
    root: &Path,
    exe: &Path,
    confinement: &Confinement,
    program: Program,
) -> Result<Finished, ConfinedError> {
    let name = program
        .argv
        .first()
        .and_then(|p| Path::new(p).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".to_string());
    let dir =
        super::work_dir::create_work_dir(root, "jail", &name).map_err(ConfinedError::Setup)?;
    let scratch = dir.join("scratch");
    let report_path = dir.join("report.json");
    let mut env = super::invocation::base_env(&scratch);
    env.extend(program.env);
    let proxy = match program.network && !program.hosts.is_empty() {
        true => match super::egress::Proxy::prepare(&dir, &program.hosts) {
            Ok(proxy) => Some(proxy),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(ConfinedError::Refused(format!(
                    "cannot set up the egress proxy: {e}"
                )));
            }
        },
        false => None,
    };
    if let Some((plan, _)) = &proxy {
        super::invocation::add_proxy_env(&mut env, plan.proxy_port);
    }
    let grants = program.only_visible.then(|| super::grants::Grants {
        write: program.writable.iter().cloned().collect(),
        ..Default::default()
    });
    let mut policy = confinement.policy(Jail {
        scratch: scratch.clone(),
        report: report_path.clone(),
        memory_mb: program.memory_mb.unwrap_or(MEMORY_MB),
        cpu_secs: program.timeout.as_secs().saturating_add(1),
        network: program.network,
        env,
        visible: program.visible,
        grants,
        project_fixture: None,
    });
    if let Some(mb) = program.max_file_size_mb {
        policy.max_file_size_mb = mb;
    }
    let proxy = proxy.map(|(plan, mut proxy)| {
        policy.egress = Some(plan);
        proxy.start();
        proxy
    });
    let result = spawn_and_wait(exe, &policy, &program.argv, program.stdin, program.timeout).await;
    if let Some(proxy) = proxy {
        proxy.finish().await;
    }
    let report: Option<SandboxReport> = std::fs::read_to_string(&report_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    confinement::clean_up(report.as_ref(), &scratch);
    let _ = std::fs::remove_dir_all(&dir);
    let (exit_code, signal, (stdout, stdout_cut), (stderr, _)) = result?;
    if let Some(error) = report.as_ref().and_then(|r| r.error.clone()) {
        return Err(ConfinedError::Refused(error));
    }
    Ok(Finished {
        exit_code,
        signal,
        stdout,
        stderr,
        stdout_cut,
    })
}

/// The exit code, the signal that ended it, and each stream with whether it was cut at
/// [`MAX_OUTPUT`].
type Captured = (Option<i32>, Option<i32>, (Vec<u8>, bool), (Vec<u8>, bool));

async fn spawn_and_wait(
    exe: &Path,
    policy: &sandbox::SandboxPolicy,
    argv: &[String],
    stdin: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<Captured, ConfinedError> {
    let mut child = confinement::helper_command(exe, policy, argv, stdin.is_some())
        .spawn()
        .map_err(ConfinedError::Start)?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // Its own task: a program that stops reading must not block us.
        tokio::spawn(async move {
            let _ = pipe.write_all(&bytes).await;
            let _ = pipe.shutdown().await;
        });
    }
    // Past the cap the pipe is still drained, so a chatty program never blocks on it.
    let read = |pipe: Option<_>| async move {
        let mut bytes = Vec::new();
        let mut cut = false;
        if let Some(pipe) = pipe {
            let mut pipe: Box<dyn tokio::io::AsyncRead + Unpin + Send> = pipe;
            let _ = (&mut pipe).take(MAX_OUTPUT).read_to_end(&mut bytes).await;
            cut = tokio::io::copy(&mut pipe, &mut tokio::io::sink())
                .await
                .is_ok_and(|n| n > 0);
        }
        (bytes, cut)
    };
    let stdout = tokio::spawn(read(child.stdout.take().map(|p| Box::new(p) as _)));
    let stderr = tokio::spawn(read(child.stderr.take().map(|p| Box::new(p) as _)));
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.map_err(ConfinedError::Wait)?,
        Err(_) => {
            if let Some(pid) = child.id() {
                super::helper_process::kill_group(pid);
            }
            let _ = child.wait().await;
            return Err(ConfinedError::Timeout(timeout.as_secs()));
        }
    };
    let stdout = stdout.await.unwrap_or_default();
    let stderr = stderr.await.unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    Ok((status.code(), status.signal(), stdout, stderr))
}
