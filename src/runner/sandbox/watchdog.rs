//! Tree-wide limits without cgroups: pid 1 of the run sums the memory of
//! every process in its pid namespace (proportional set size, so shared
//! pages count once) and counts them, and ends the whole run when either
//! goes over the policy. A process whose memory cannot be read (it made
//! itself undumpable) ends the run too: what cannot be measured is not let run.

use std::fs;

/// How often pid 1 looks at the tree.
pub(super) const INTERVAL_MS: i64 = 20;

pub(super) fn memory_limit_text(memory_mb: u64) -> String {
    format!("memory limit of {memory_mb} MiB reached (summed over the run's processes)")
}

pub(super) fn process_limit_text(max_processes: u64) -> String {
    format!("process limit of {max_processes} reached")
}

/// What the watchdog enforces, and the peak it saw.
pub(super) struct Watchdog {
    pub memory_mb: Option<u64>,
    pub max_processes: Option<u64>,
    pub peak_kb: u64,
}

impl Watchdog {
    /// One look at the tree; `Some(reason)` when the run must end.
    pub fn check(&mut self) -> Option<String> {
        let Ok(entries) = fs::read_dir("/proc") else {
            return Some("watchdog cannot read /proc".to_string());
        };
        let mut processes = 0u64;
        let mut total_kb = 0u64;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if pid == 1 {
                continue; // Ourselves.
            }
            processes += 1;
            if self.memory_mb.is_some() {
                match pss_kb(pid) {
                    Ok(Some(kb)) => total_kb += kb,
                    // Gone between listing and reading, or a zombie: no memory.
                    Ok(None) => {}
                    Err(reason) => return Some(reason),
                }
            }
        }
        self.peak_kb = self.peak_kb.max(total_kb);
        if let Some(max) = self.max_processes
            && processes > max
        {
            return Some(process_limit_text(max));
        }
        if let Some(mb) = self.memory_mb
            && total_kb > mb * 1024
        {
            return Some(memory_limit_text(mb));
        }
        None
    }
}

fn pss_kb(pid: u32) -> Result<Option<u64>, String> {
    match fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
        Ok(text) => Ok(parse_pss(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(format!(
            "memory of process {pid} cannot be measured (it hid itself)"
        )),
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
