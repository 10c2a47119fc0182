//! Where a helper forked ahead runs while it prepares.
//!
//! The helper is forked so that it builds the sandbox while its parent looks up the tool: two
//! things at once, which needs two CPUs. The kernel often queues a new child on its parent's
//! CPU (measured: 13 of 20 forks on a 2-CPU machine, each child waiting 1.5 ms, median, for the
//! parent to be preempted while the other CPU sat idle), and then the preparation runs after
//! the lookup instead of beside it. So the parent moves the child off its own CPU, and the
//! child takes back the parent's whole set once it has its run, before it starts anything of
//! the run: pid 1 and the tool inherit the CPUs the user gave toolbench, never fewer.

use rustix::process::Pid;
use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};

/// The CPUs this process may use, read before the fork so the child knows them too.
#[derive(Clone, Copy)]
pub(super) struct Placement(Option<CpuSet>);

impl Placement {
    pub(super) fn ours() -> Self {
        Self(sched_getaffinity(None).ok())
    }

    /// In the parent, right after the fork: the child may use every CPU of ours but the one
    /// we run on. Nothing changes with a single CPU, or when the call fails: the child then
    /// only starts later.
    pub(super) fn steer_away(&self, child: Pid) {
        let Some(ours) = self.0 else { return };
        let here = sched_getcpu();
        if ours.count() < 2 || !ours.is_set(here) {
            return;
        }
        let mut elsewhere = ours;
        elsewhere.unset(here);
        let _ = sched_setaffinity(Some(child), &elsewhere);
    }

    /// In the child, once its run arrived (so after `steer_away`, which came before the run
    /// was sent): the parent's whole set again.
    pub(super) fn restore(&self) {
        if let Some(ours) = &self.0 {
            let _ = sched_setaffinity(None, ours);
        }
    }
}

/// Moves this process off the CPU it runs on, when it may use another, so that the child it
/// just forked, which the kernel often queues on its parent's CPU, starts at once instead of
/// after this process's next work.
pub(super) fn step_aside() {
    let Ok(mut ours) = sched_getaffinity(None) else {
        return;
    };
    let here = sched_getcpu();
    if ours.count() < 2 || !ours.is_set(here) {
        return;
    }
    ours.unset(here);
    let _ = sched_setaffinity(None, &ours);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepping_aside_leaves_the_cpu_and_keeps_the_others() {
        let Ok(ours) = sched_getaffinity(None) else {
            return;
        };
        // SAFETY: the child only makes system calls and exits.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork: {}", std::io::Error::last_os_error());
        if child == 0 {
            let here = sched_getcpu();
            step_aside();
            let now = sched_getaffinity(None).ok();
            let right = now.is_some_and(|now| match ours.count() {
                0 | 1 => now.count() == ours.count(),
                n => now.count() == n - 1 && !now.is_set(here),
            });
            // SAFETY: ends the forked child without running the test harness's exit.
            unsafe { libc::_exit(if right { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for our own child into a local.
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }

    #[test]
    fn a_child_steered_away_gets_the_whole_set_back() {
        let placement = Placement::ours();
        let Some(ours) = placement.0 else { return };
        // SAFETY: the child only makes system calls and exits.
        let child = unsafe { libc::fork() };
        assert!(child >= 0, "fork: {}", std::io::Error::last_os_error());
        if child == 0 {
            // Wait for the parent's steer, restore, and tell by the exit code whether the
            // set is whole again.
            std::thread::sleep(std::time::Duration::from_millis(50));
            placement.restore();
            let now = sched_getaffinity(None).ok();
            let whole = now.is_some_and(|now| now.count() == ours.count());
            // SAFETY: ends the forked child without running the test harness's exit.
            unsafe { libc::_exit(if whole { 0 } else { 1 }) };
        }
        let pid = Pid::from_raw(child).expect("a child's pid");
        placement.steer_away(pid);
        if ours.count() >= 2 {
            let theirs = sched_getaffinity(Some(pid)).expect("the child's set");
            assert_eq!(theirs.count(), ours.count() - 1);
        }
        let mut status = 0;
        // SAFETY: waits for our own child into a local.
        unsafe { libc::waitpid(child, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }
}
