//! The one rule about symlinks in a tool: its folder is a real folder, and no symlink in it
//! leads out of it. A tool that breaks it could make toolbench, or itself once approved, read,
//! run or overwrite anything on the machine, so the scan and validation report it, and
//! approve, evolve, rollback and run refuse it.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use crate::model::ToolEntry;
use crate::model::run_error::{LinkOut, LinksOut};

/// Links followed in a row before giving up (the kernel's own limit); a loop leads nowhere.
const MAX_HOPS: usize = 40;

/// The rule applied to a catalog entry.
pub(crate) fn check(entry: &ToolEntry) -> Result<(), LinksOut> {
    check_folder(
        &format!(
            "{}/{}",
            entry.tier.dir_name(),
            entry.path.file_name().unwrap_or_default().to_string_lossy()
        ),
        &entry.path,
    )
}

/// The rule applied to `tool_dir`, shown as `folder` in the error.
pub(crate) fn check_folder(folder: &str, tool_dir: &Path) -> Result<(), LinksOut> {
    let links = links_leading_out(tool_dir);
    if links.is_empty() {
        return Ok(());
    }
    Err(LinksOut {
        folder: folder.to_string(),
        links,
    })
}

/// Every symlink that leads out of `tool_dir` (or `tool_dir` itself when it is one), sorted.
/// Hidden folders count too: a tool can read through a link wherever it is.
pub(crate) fn links_leading_out(tool_dir: &Path) -> Vec<LinkOut> {
    if let Ok(target) = std::fs::read_link(tool_dir) {
        return vec![LinkOut {
            link: PathBuf::new(),
            target,
        }];
    }
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        let Ok(read) = std::fs::read_dir(tool_dir.join(&relative)) else {
            continue;
        };
        for child in read.flatten() {
            let link = relative.join(child.file_name());
            let Ok(file_type) = child.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                stack.push(link);
            } else if file_type.is_symlink()
                && let Ok(target) = std::fs::read_link(tool_dir.join(&link))
                && leads_out(tool_dir, &link, &target)
            {
                out.push(LinkOut { link, target });
            }
        }
    }
    out.sort_by(|a, b| a.link.cmp(&b.link));
    out
}

/// Whether the symlink `link` (relative to `tool_dir`) to `target` resolves outside
/// `tool_dir`, following the links it meets on the way as the kernel would. Absolute targets
/// always lead out: even one naming the folder itself breaks when the folder moves.
pub(crate) fn leads_out(tool_dir: &Path, link: &Path, target: &Path) -> bool {
    let mut at: Vec<OsString> = link
        .parent()
        .map(|p| p.iter().map(OsString::from).collect())
        .unwrap_or_default();
    let mut rest = target.to_path_buf();
    let mut hops = 0;
    'resolve: loop {
        let current = std::mem::take(&mut rest);
        let parts: Vec<Component<'_>> = current.components().collect();
        for (i, part) in parts.iter().enumerate() {
            match part {
                Component::RootDir | Component::Prefix(_) => return true,
                Component::CurDir => {}
                Component::ParentDir => {
                    if at.pop().is_none() {
                        return true;
                    }
                }
                Component::Normal(name) => {
                    at.push(name.to_os_string());
                    let here = tool_dir.join(at.iter().collect::<PathBuf>());
                    if let Ok(next) = std::fs::read_link(&here) {
                        hops += 1;
                        if hops > MAX_HOPS {
                            return false;
                        }
                        at.pop();
                        rest = next.join(parts[i + 1..].iter().collect::<PathBuf>());
                        continue 'resolve;
                    }
                }
            }
        }
        return false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn out(dir: &Path) -> Vec<String> {
        links_leading_out(dir)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn links_that_stay_inside_are_fine() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tool = dir.path().join("x");
        std::fs::create_dir_all(tool.join("sub/deep")).expect("mkdir");
        symlink("../run.sh", tool.join("sub/up")).expect("symlink");
        symlink("sub/deep", tool.join("d")).expect("symlink");
        // Through `d` the two `..` climb from sub/deep back to the folder, not out of it.
        symlink("d/../../run.sh", tool.join("via")).expect("symlink");
        symlink("missing", tool.join("dangling")).expect("symlink");
        assert!(out(&tool).is_empty(), "{:?}", out(&tool));
    }

    #[test]
    fn absolute_climbing_and_chained_links_lead_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tool = dir.path().join("x");
        std::fs::create_dir_all(tool.join(".hidden")).expect("mkdir");
        symlink("/etc", tool.join("abs")).expect("symlink");
        symlink("../../outside", tool.join("up")).expect("symlink");
        symlink("../x/run.sh", tool.join(".hidden/../sideways")).expect("symlink");
        symlink("..", tool.join(".hidden/parent")).expect("symlink");
        // Inside by its text, but `.hidden/parent` is the folder itself, so `..` climbs out.
        symlink(".hidden/parent/../other", tool.join("chained")).expect("symlink");
        assert_eq!(
            out(&tool),
            [
                "abs -> /etc leads out of the tool folder",
                "chained -> .hidden/parent/../other leads out of the tool folder",
                "sideways -> ../x/run.sh leads out of the tool folder",
                "up -> ../../outside leads out of the tool folder",
            ]
        );
    }

    #[test]
    fn a_loop_leads_nowhere_and_a_linked_folder_is_reported_itself() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tool = dir.path().join("x");
        std::fs::create_dir_all(&tool).expect("mkdir");
        symlink("b", tool.join("a")).expect("symlink");
        symlink("a", tool.join("b")).expect("symlink");
        assert!(out(&tool).is_empty());
        symlink(&tool, dir.path().join("alias")).expect("symlink");
        let err = check_folder("experimental/alias", &dir.path().join("alias"))
            .expect_err("linked folder")
            .to_string();
        assert_eq!(
            err,
            format!(
                "experimental/alias: the folder is a symlink to {}; move the real folder in instead",
                tool.display()
            )
        );
    }
}
