//! How a sandboxed process ended, relayed from pid 1 of the namespace to the
//! helper and then re-enacted by the helper so the runner sees the tool's own
//! exit code or killing signal; and the frames pid 1 sends the helper on the way.

use std::io::{self, Read, Write};

use rustix::process::{Resource, WaitStatus};

use super::limits::lower;
use super::policy::ToolUsage;

/// End of a process: an exit code or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Exited(i32),
    Signaled(i32),
}

impl Outcome {
    /// `None` for stop/continue notifications, which are not an end.
    pub(crate) fn from_wait(status: WaitStatus) -> Option<Self> {
        if let Some(code) = status.exit_status() {
            Some(Outcome::Exited(code))
        } else {
            status.terminating_signal().map(Outcome::Signaled)
        }
    }

    /// Four bytes for the status pipe: exit codes as is, signals negated.
    pub(crate) fn encode(self) -> [u8; 4] {
        let raw = match self {
            Outcome::Exited(code) => code,
            Outcome::Signaled(sig) => -sig,
        };
        raw.to_le_bytes()
    }

    /// The status `waitpid` reports for a helper that re-enacts this outcome.
    pub(crate) fn wait_status(self) -> i32 {
        match self {
            Outcome::Exited(code) => (code & 0xff) << 8,
            // No core: `raise_default` forbids it.
            Outcome::Signaled(sig) => sig & 0x7f,
        }
    }

    pub(crate) fn decode(bytes: [u8; 4]) -> Self {
        let raw = i32::from_le_bytes(bytes);
        if raw < 0 {
            Outcome::Signaled(-raw)
        } else {
            Outcome::Exited(raw)
        }
    }
}

/// What pid 1 tells the helper once the tool ended and every other process of the run was
/// killed and reaped: how the tool ended, and what the tree used (its CPU times, its peak
/// memory as far as pid 1 saw it, the limit that stopped it, if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Relay {
    pub(crate) outcome: Outcome,
    pub(crate) usage: ToolUsage,
}

impl Relay {
    /// Outcome (4 bytes); peak memory, user and system time (8 bytes each); then the limit
    /// text if any.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut bytes = self.outcome.encode().to_vec();
        for number in [
            self.usage.max_rss_kb,
            self.usage.user_ms,
            self.usage.system_ms,
        ] {
            bytes.extend_from_slice(&number.to_le_bytes());
        }
        if let Some(limit) = &self.usage.limit {
            bytes.extend_from_slice(limit.as_bytes());
        }
        bytes
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let outcome: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        let number = |at: usize| -> Option<u64> {
            Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
        };
        let limit = bytes
            .get(28..)
            .filter(|rest| !rest.is_empty())
            .map(|rest| String::from_utf8_lossy(rest).into_owned());
        Some(Relay {
            outcome: Outcome::decode(outcome),
            usage: ToolUsage {
                max_rss_kb: number(4)?,
                user_ms: number(12)?,
                system_ms: number(20)?,
                limit,
            },
        })
    }
}

/// What pid 1 (or, without a pid namespace, the tool's process before its exec) sends the
/// helper on the status pipe: the report once the tool started or could not, then the end.
/// The helper writes the report's file itself, from outside the run's cgroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Frame {
    /// A `SandboxReport` as JSON, written to the report file as it is; a later one replaces
    /// an earlier one.
    Report(Vec<u8>),
    End(Relay),
}

const REPORT: u8 = b'R';
const END: u8 = b'E';
/// Far above any report; a longer frame is taken for a broken pipe.
const MAX_FRAME: usize = 1024 * 1024;

impl Frame {
    /// Writes the frame to `to` in one go (see `encode`).
    pub(crate) fn send(&self, mut to: impl Write) -> io::Result<()> {
        to.write_all(&self.encode()?)
    }

    /// A kind byte, the payload's length (little-endian u32), the payload.
    fn encode(&self) -> io::Result<Vec<u8>> {
        let (kind, payload) = match self {
            Frame::Report(json) => (REPORT, json.clone()),
            Frame::End(relay) => (END, relay.encode()),
        };
        let len = u32::try_from(payload.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
        let mut bytes = Vec::with_capacity(5 + payload.len());
        bytes.push(kind);
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&payload);
        Ok(bytes)
    }

    /// The next frame; `None` at end of file or on anything malformed.
    pub(crate) fn receive(mut from: impl Read) -> Option<Self> {
        let mut header = [0u8; 5];
        from.read_exact(&mut header).ok()?;
        let [kind, len @ ..] = header;
        let len = usize::try_from(u32::from_le_bytes(len)).ok()?;
        if len > MAX_FRAME {
            return None;
        }
        let mut payload = vec![0u8; len];
        from.read_exact(&mut payload).ok()?;
        match kind {
            REPORT => Some(Frame::Report(payload)),
            END => Relay::decode(&payload).map(Frame::End),
            _ => None,
        }
    }
}

/// Ends the current process the way `outcome` describes.
pub(super) fn reenact(outcome: Outcome) -> ! {
    match outcome {
        Outcome::Exited(code) => end(code),
        Outcome::Signaled(sig) => {
            raise_default(sig);
            // Only reached for signals whose default action does not
            // terminate; mimic the shell convention.
            end(128 + sig)
        }
    }
}

/// Ends a process of the helper's tree without the exit handlers of the program it was
/// forked from: nothing of ours is buffered (reports are written unbuffered), and running
/// them would only copy pages still shared with the parent.
pub(super) fn end(code: i32) -> ! {
    // SAFETY: _exit ends the process at once; it takes no pointers.
    unsafe { libc::_exit(code) }
}

/// Dies by `sig` with its default disposition.
fn raise_default(sig: i32) {
    // The tool's core (if any) was already governed by its own limits; the
    // helper must not add a core dump of itself.
    let _ = lower(Resource::Core, 0, 0);
    // SAFETY: plain libc calls on our own single-threaded process; the
    // sigset is initialised by sigemptyset before use.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::kill(libc::getpid(), sig);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_as_they_went_in_and_end_at_end_of_file() {
        let relay = Relay {
            outcome: Outcome::Signaled(libc::SIGKILL),
            usage: ToolUsage {
                max_rss_kb: 4096,
                user_ms: 3,
                system_ms: 5,
                limit: Some("memory limit of 256 MiB reached".to_string()),
            },
        };
        let mut pipe = Frame::Report(b"{\"error\":null}".to_vec())
            .encode()
            .expect("encode");
        pipe.extend(Frame::End(relay.clone()).encode().expect("encode"));
        let mut read = pipe.as_slice();
        assert_eq!(
            Frame::receive(&mut read),
            Some(Frame::Report(b"{\"error\":null}".to_vec()))
        );
        assert_eq!(Frame::receive(&mut read), Some(Frame::End(relay)));
        assert_eq!(Frame::receive(&mut read), None);
    }

    #[test]
    fn a_cut_or_oversized_frame_is_no_frame() {
        let pipe = Frame::Report(vec![b'x'; 10]).encode().expect("encode");
        assert_eq!(Frame::receive(&pipe[..pipe.len() - 1]), None);
        let mut huge = vec![b'R'];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Frame::receive(huge.as_slice()), None);
        assert_eq!(Frame::receive([b'?', 0, 0, 0, 0].as_slice()), None);
    }

    /// Exit codes at both ends and in between; signals that kill without a core.
    const OUTCOMES: [Outcome; 5] = [
        Outcome::Exited(0),
        Outcome::Exited(3),
        Outcome::Exited(255),
        Outcome::Signaled(libc::SIGKILL),
        Outcome::Signaled(libc::SIGTERM),
    ];

    #[test]
    fn outcomes_round_trip_through_the_pipe_encoding() {
        for o in OUTCOMES {
            assert_eq!(Outcome::decode(o.encode()), o);
        }
    }

    #[test]
    fn the_status_told_ahead_is_the_one_the_helpers_exit_gives() {
        for outcome in OUTCOMES {
            // SAFETY: the child only re-enacts: _exit, or signal calls and kill.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                reenact(outcome);
            }
            let mut status = 0;
            // SAFETY: waits for the child forked above.
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            assert_eq!(outcome.wait_status(), status, "{outcome:?}");
        }
    }

    #[test]
    fn relays_round_trip_with_and_without_a_limit() {
        for limit in [None, Some("memory limit of 256 MiB reached".to_string())] {
            let relay = Relay {
                outcome: Outcome::Signaled(9),
                usage: ToolUsage {
                    max_rss_kb: 123_456,
                    user_ms: u64::MAX,
                    system_ms: 0,
                    limit,
                },
            };
            assert_eq!(Relay::decode(&relay.encode()), Some(relay));
        }
        assert_eq!(Relay::decode(&[1, 2]), None);
        assert_eq!(Relay::decode(&[0; 27]), None);
    }
}
