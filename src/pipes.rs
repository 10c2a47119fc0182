//! The pipes a flood of output goes through (a tool's into toolbench, toolbench's into the
//! user's next command), made large: fewer, larger reads and writes, and fewer wake-ups of
//! the other side.

use std::os::fd::BorrowedFd;

/// Pipe buffer requested for output: the most an unprivileged process may ask for by default
/// (`/proc/sys/fs/pipe-max-size`).
const PIPE_BYTES: usize = 1024 * 1024;

/// Grows the pipe `fd` to `PIPE_BYTES`. A pipe that is already as large is left alone; one
/// that cannot grow (or no pipe at all) keeps its size.
pub(crate) fn widen(fd: BorrowedFd<'_>) {
    if rustix::pipe::fcntl_getpipe_size(fd).is_ok_and(|size| size < PIPE_BYTES) {
        let _ = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use rustix::pipe::{PipeFlags, pipe_with};

    use super::*;

    #[test]
    fn a_pipe_is_widened_and_never_narrowed() {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC).expect("pipe");
        widen(write.as_fd());
        let size = || rustix::pipe::fcntl_getpipe_size(&read).expect("size");
        assert_eq!(size(), PIPE_BYTES);
        // A pipe someone made larger stays as large.
        let larger = 2 * PIPE_BYTES;
        if rustix::pipe::fcntl_setpipe_size(&read, larger).is_ok() {
            widen(read.as_fd());
            assert!(size() >= larger);
        }
        // Not a pipe: nothing to do, and nothing breaks.
        let file = tempfile::tempfile().expect("file");
        widen(file.as_fd());
    }
}
