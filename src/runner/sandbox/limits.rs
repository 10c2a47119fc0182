//! Resource limits of the sandboxed process tree.

use std::fmt;

use rustix::io::Errno;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use super::policy::SandboxPolicy;

const MIB: u64 = 1024 * 1024;
/// Signals queued at once, summed over the run (the kernel counts them per user and per user
/// namespace, and up to the host's count, as `ucounts` says): a tool that queued its user's
/// every one would leave the host's programs of that user none for real-time signals and
/// POSIX timers.
const PENDING_SIGNALS: u64 = 256;
/// Bytes of POSIX message queues, summed over the run and counted as signals are: one queue
/// of the default size (10 messages of 8 KiB) fits, and the user's 800 KiB stay the host's.
/// (Landlock already keeps a tool from making one; this holds on a kernel without it.)
const MESSAGE_QUEUE_BYTES: u64 = 128 * 1024;

/// The limits the kernel refused, each with its errno (the others are in place).
#[derive(Debug, thiserror::Error)]
#[error("{}", Refused(.0))]
pub(super) struct LimitsError(Vec<(&'static str, Errno)>);

/// `as: EPERM, nproc: EINVAL`.
struct Refused<'a>(&'a [(&'static str, Errno)]);

impl fmt::Display for Refused<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, errno)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}: {errno}")?;
        }
        Ok(())
    }
}

/// Applies every limit of `policy`; `Err` names the limits that failed
/// (the others are still in place).
pub(super) fn apply(policy: &SandboxPolicy) -> Result<(), LimitsError> {
    // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL one second later, so a
    // tool may catch the first and still cannot outrun the second.
    let cpu_hard = policy.cpu_secs.saturating_add(1);
    let steps = [
        (
            Resource::As,
            policy.memory_mb.saturating_mul(MIB),
            None,
            "as",
        ),
        (Resource::Cpu, policy.cpu_secs, Some(cpu_hard), "cpu"),
        (Resource::Nofile, policy.max_open_files, None, "nofile"),
        (
            Resource::Fsize,
            policy.max_file_size_mb.saturating_mul(MIB),
            None,
            "fsize",
        ),
        (Resource::Nproc, policy.max_processes, None, "nproc"),
        (Resource::Core, 0, None, "core"),
        (Resource::Sigpending, PENDING_SIGNALS, None, "sigpending"),
        (Resource::Msgqueue, MESSAGE_QUEUE_BYTES, None, "msgqueue"),
    ];
    let failed: Vec<(&'static str, Errno)> = steps
        .into_iter()
        .filter_map(|(res, soft, hard, name)| {
            lower(res, soft, hard.unwrap_or(soft))
                .err()
                .map(|e| (name, e))
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(LimitsError(failed))
    }
}

/// Lowers a limit to `soft`/`hard`, never above the inherited hard limit
/// (raising it would need privileges and is not our business anyway).
pub(super) fn lower(resource: Resource, soft: u64, hard: u64) -> rustix::io::Result<()> {
    let inherited = getrlimit(resource).maximum;
    let cap = |v: u64| Some(inherited.map_or(v, |max| v.min(max)));
    setrlimit(
        resource,
        Rlimit {
            current: cap(soft.min(hard)),
            maximum: cap(hard),
        },
    )
}
