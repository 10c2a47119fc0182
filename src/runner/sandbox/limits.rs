//! Resource limits of the sandboxed process tree.

use std::fmt;

use rustix::io::Errno;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use super::policy::SandboxPolicy;

const MIB: u64 = 1024 * 1024;

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
