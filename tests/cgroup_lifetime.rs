//! A run's cgroups end with the run. Alone in its test binary: it counts the machine's memory
//! cgroups, which other tests' runs would change meanwhile.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// Memory cgroups on the machine, dying ones included (`/proc/cgroups`); `None` without a
/// v1 memory hierarchy, where the count means nothing to us.
fn memory_cgroups() -> Option<u64> {
    let table = std::fs::read_to_string("/proc/cgroups").ok()?;
    let row: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("memory\t"))?
        .split('\t')
        .collect();
    let hierarchy: u64 = row.get(1)?.parse().ok()?;
    if hierarchy == 0 {
        return None;
    }
    row.get(2)?.parse().ok()
}

/// On cgroup v1, a run's memory cgroup is gone once the run is, not left dying: a page
/// written from inside the cgroup keeps a removed cgroup alive, with its kernel memory, until
/// the page cache lets go of the page, and the report was once written from inside.
#[test]
fn runs_leave_no_dying_memory_cgroup_behind() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let Some(before) = memory_cgroups().filter(|_| root) else {
        eprintln!("skipped: needs root and a cgroup v1 memory hierarchy");
        return;
    };
    let ws = tempfile::tempdir().expect("tempdir");
    shell_tool(
        ws.path(),
        "writer",
        "echo note > note.txt; cat note.txt; echo err >&2",
        "",
    );
    const RUNS: u64 = 20;
    for _ in 0..RUNS {
        let out = toolbench(ws.path(), &["run", "writer"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // A removed cgroup is freed a moment later, once nothing holds it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = memory_cgroups().expect("memory cgroups");
    while after > before + 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        after = memory_cgroups().expect("memory cgroups");
    }
    assert!(
        after <= before + 2,
        "{RUNS} runs left {} memory cgroups behind ({before} before, {after} after)",
        after.saturating_sub(before)
    );
}
