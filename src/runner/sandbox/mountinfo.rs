//! `/proc/self/mountinfo`, read where the helper needs it: every mount point (to show root's
//! files as nobody's, `seen_as_nobody`, or to remount it read-only on kernels without
//! `mount_setattr`) and where a cgroup hierarchy is mounted. Each read is of a few dozen lines,
//! made while the helper is forked ahead of its run.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// `/proc/self/mountinfo` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read mountinfo")]
pub(super) struct MountInfoError(#[source] std::io::Error);

/// One line of mountinfo, paths with their octal escapes (`\040`) decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mount {
    /// The folder of the filesystem that is mounted (field 4).
    pub(crate) root: String,
    /// Where it is mounted (field 5).
    pub(crate) point: PathBuf,
    pub(crate) fstype: String,
    pub(crate) super_options: String,
}

/// Every mount of the calling process's namespace.
pub(super) fn read() -> Result<Vec<Mount>, MountInfoError> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").map_err(MountInfoError)?;
    Ok(parse(&text))
}

pub(super) fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Mount> {
    let (before, after) = line.split_once(" - ")?;
    let mut fields = before.split(' ');
    let root = unescape(fields.nth(3)?);
    let point = unescape(fields.next()?);
    let mut tail = after.split(' ');
    let fstype = tail.next()?.to_string();
    let super_options = tail.nth(1).unwrap_or("").to_string();
    Some(Mount {
        root: String::from_utf8_lossy(&root).into_owned(),
        point: PathBuf::from(OsStr::from_bytes(&point)),
        fstype,
        super_options,
    })
}

fn unescape(raw: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let escaped = (first == b'\\' && tail.len() >= 3)
            .then(|| std::str::from_utf8(&tail[..3]).ok())
            .flatten()
            .and_then(|digits| u8::from_str_radix(digits, 8).ok());
        match escaped {
            Some(byte) => {
                bytes.push(byte);
                rest = &tail[3..];
            }
            None => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_escapes_decoded() {
        let text = "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw\n\
                    40 30 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
                    short line\n";
        let mounts = parse(text);
        assert_eq!(mounts.len(), 2);
        assert_eq!(mounts[0].point, PathBuf::from("/mnt/with space"));
        assert_eq!(mounts[0].root, "/mnt1");
        assert_eq!(mounts[1].fstype, "cgroup");
        assert_eq!(mounts[1].super_options, "rw,memory");
    }
}
