//! A list of paths that each failed, as one line of an error: a leaf the cgroup and mount
//! errors share.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Paths that each failed for their own reason, `a: cause, b: cause`: a list has no one
/// source to chain, so each cause is part of the text.
pub(super) struct PathFailures<'a>(
    pub(super) &'a [(PathBuf, io::Error)],
    pub(super) &'static str,
);

impl fmt::Display for PathFailures<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (path, error)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(self.1)?;
            }
            write!(f, "{}: {error}", path.display())?;
        }
        Ok(())
    }
}
