//! `/proc/PID/stat`, read once and taken apart by the field numbers of proc(5), and the
//! process identity it gives: a pid with its start time.

use std::fmt::Display;

use serde::{Deserialize, Serialize};

/// One reading of a process's `stat` line.
pub(crate) struct ProcStat(String);

impl ProcStat {
    /// The stat of `pid` (a number, or `self`); `None` once the process is gone.
    pub(crate) fn read(pid: impl Display) -> Option<Self> {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .map(Self)
    }

    /// Field `number` as proc(5) counts them from 1 (3 is the state, 20 the thread count,
    /// 22 the start time). The command name, field 2, may hold spaces and parentheses, so
    /// fields are counted from its last `)`.
    pub(crate) fn field(&self, number: usize) -> Option<&str> {
        let (_, after_name) = self.0.rsplit_once(')')?;
        after_name.split_whitespace().nth(number.checked_sub(3)?)
    }
}

/// Fields of `/proc/PID/stat` (proc(5)): the state, and the start time in clock ticks.
const STATE: usize = 3;
const START_TIME: usize = 22;

/// A process, told apart from a later one with the same pid by its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: u32,
    /// Clock ticks after boot, from `/proc/PID/stat`.
    pub start_ticks: u64,
}

impl ProcessId {
    pub(crate) fn of(pid: u32) -> Option<Self> {
        let start_ticks = ProcStat::read(pid)?.field(START_TIME)?.parse().ok()?;
        Some(ProcessId { pid, start_ticks })
    }

    /// Still the same process (not one that reuses its pid), and not a zombie.
    pub(crate) fn is_alive(&self) -> bool {
        let Some(stat) = ProcStat::read(self.pid) else {
            return false;
        };
        let start = stat.field(START_TIME).and_then(|t| t.parse::<u64>().ok());
        stat.field(STATE) != Some("Z") && start == Some(self.start_ticks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_counted_past_a_name_holding_spaces_and_parentheses() {
        let stat =
            ProcStat("42 (a) b (c)) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 3 0 987".into());
        assert_eq!(stat.field(3), Some("S"));
        assert_eq!(stat.field(20), Some("3"));
        assert_eq!(stat.field(22), Some("987"));
        assert_eq!(stat.field(2), None);
        assert_eq!(stat.field(23), None);
    }

    #[test]
    fn this_process_reads_as_running_with_its_threads() {
        let stat = ProcStat::read("self").expect("own stat");
        assert!(
            stat.field(20)
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= 1)
        );
    }
}
