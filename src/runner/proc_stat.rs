//! `/proc/PID/stat`, read once and taken apart by the field numbers of proc(5).

use std::fmt::Display;

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
