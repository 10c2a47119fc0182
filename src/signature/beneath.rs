//! Reading the workspace's review files: beneath the root, never through a symlink, never
//! more than a limit.

use std::io::Read;
use std::path::Path;

/// Reads `relative` beneath `root` without following any symlink on the way, refusing a
/// file that is not regular or is over `cap` bytes. `None` when it does not exist.
pub(crate) fn read_beneath(
    root: &Path,
    relative: &Path,
    cap: usize,
) -> Result<Option<Vec<u8>>, String> {
    let dir = crate::safe_fs::Dir::open(root).map_err(|e| e.to_string())?;
    let file = match dir.open_read(relative) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP | libc::EXDEV)) => {
            return Err(format!(
                "{}: goes through a symlink; toolbench reads reviews only from plain files",
                relative.display()
            ));
        }
        Err(e) => {
            return Err(format!(
                "{}: {}",
                relative.display(),
                crate::io_text::io_reason(&e)
            ));
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {}", relative.display(), crate::io_text::io_reason(&e)))?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", relative.display()));
    }
    if meta.len() > cap as u64 {
        return Err(format!(
            "{}: {} bytes, over the {cap} byte limit",
            relative.display(),
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {}", relative.display(), crate::io_text::io_reason(&e)))?;
    if bytes.len() > cap {
        return Err(format!("{}: over the {cap} byte limit", relative.display()));
    }
    Ok(Some(bytes))
}
