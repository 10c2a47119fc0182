//! Tree-wide limits without cgroups: pid 1 of the run sums the memory of
//! every process in its pid namespace and counts them, and ends the whole run
//! when either goes over the policy. The resident sizes (`statm`, constant
//! time per process) are summed every few milliseconds; only when they add up
//! to more than the limit is the proportional set size (shared pages counted
//! once, but a walk of each process's page tables) taken to decide. A process
//! whose memory cannot be read (it made itself undumpable) ends the run too:
//! what cannot be measured is not let run.

use std::{fs, io};

/// How often pid 1 looks at the tree while its memory is low …
const RELAXED_MS: i64 = 10;
/// … and once it holds more than half of its limit: a process touching memory as fast as it
/// can gains a few MiB in this time.
const WATCHFUL_MS: i64 = 1;

/// Why pid 1 ends the run.
#[derive(Debug, thiserror::Error)]
pub(super) enum Overrun {
    #[error("memory limit of {0} MiB reached (summed over the run's processes)")]
    Memory(u64),
    #[error("process limit of {0} reached")]
    Processes(u64),
    /// What cannot be measured is not let run.
    #[error("watchdog cannot read /proc")]
    Unreadable(#[source] io::Error),
    #[error("memory of process {0} cannot be measured (it hid itself)")]
    Hidden(u32),
}

/// The `limits` layer is missing: no cgroup, and no pid namespace for pid 1 to watch.
#[derive(Debug, thiserror::Error)]
#[error("no cgroup ({no_cgroup}) and no pid namespace for a watchdog")]
pub(super) struct NoWatchdog {
    /// Why no cgroup, with its causes.
    pub(crate) no_cgroup: String,
}

pub(super) fn memory_limit_text(memory_mb: u64) -> String {
    Overrun::Memory(memory_mb).to_string()
}

pub(super) fn process_limit_text(max_processes: u64) -> String {
    Overrun::Processes(max_processes).to_string()
}

/// What the watchdog enforces, and the peak it saw.
pub(super) struct Watchdog {
    pub(crate) memory_mb: Option<u64>,
    pub(crate) max_processes: Option<u64>,
    pub(crate) peak_kb: u64,
    /// What the last look found.
    pub(crate) last_kb: u64,
}

impl Watchdog {
    /// One look at the tree; `Some(reason)` when the run must end.
    pub(crate) fn check(&mut self) -> Option<Overrun> {
        self.last_kb = 0;
        let pids = match tree() {
            Ok(pids) => pids,
            Err(reason) => return Some(reason),
        };
        if let Some(max) = self.max_processes
            && pids.len() as u64 > max
        {
            return Some(Overrun::Processes(max));
        }
        let mb = self.memory_mb?;
        let resident: u64 = pids.iter().filter_map(|pid| resident_kb(*pid)).sum();
        let total_kb = if resident > mb * 1024 {
            // Shared pages may be counted several times above: measure them once.
            let mut proportional = 0;
            for pid in &pids {
                match pss_kb(*pid) {
                    Ok(kb) => proportional += kb.unwrap_or(0),
                    Err(reason) => return Some(reason),
                }
            }
            proportional
        } else {
            resident
        };
        self.peak_kb = self.peak_kb.max(total_kb);
        self.last_kb = total_kb;
        (total_kb > mb * 1024).then_some(Overrun::Memory(mb))
    }

    /// How long to wait before the next look.
    pub(crate) fn interval_ms(&self) -> i64 {
        match self.memory_mb {
            Some(mb) if self.last_kb > mb * 512 => WATCHFUL_MS,
            _ => RELAXED_MS,
        }
    }
}

/// Every process of the run but pid 1 (ourselves).
fn tree() -> Result<Vec<u32>, Overrun> {
    let entries = fs::read_dir("/proc").map_err(Overrun::Unreadable)?;
    Ok(entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != 1)
        .collect())
}

/// Resident size from `/proc/PID/statm`; `None` for a process gone meanwhile.
fn resident_kb(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_kb())
}

fn page_kb() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let bytes = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(bytes).unwrap_or(4096) / 1024
}

fn pss_kb(pid: u32) -> Result<Option<u64>, Overrun> {
    match fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
        Ok(text) => Ok(parse_pss(&text)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(Overrun::Hidden(pid)),
        Err(_) => Ok(None),
    }
}

fn parse_pss(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_is_read_from_smaps_rollup() {
        let text = "55d0-7ffe ---p 00000000 00:00 0 [rollup]\nRss:  1234 kB\nPss:  1000 kB\n";
        assert_eq!(parse_pss(text), Some(1000));
        assert_eq!(parse_pss("Rss: 1 kB\n"), None);
    }

    #[test]
    fn our_own_process_can_be_measured() {
        let kb = pss_kb(std::process::id())
            .expect("readable")
            .expect("present");
        assert!(kb > 0);
    }
}
