//! What unit tests write to disk: a tool as an agent would leave it.

use std::path::{Path, PathBuf};

use crate::model::Tier;

/// `<root>/<tier>/<name>`: a tool named `name`, version 1.0.0, described as `description`,
/// running `sh run.sh`, whose `run.sh` prints `{}`. Returns its folder.
pub(crate) fn write_tool(root: &Path, tier: Tier, name: &str, description: &str) -> PathBuf {
    let folder = root.join(tier.dir_name()).join(name);
    std::fs::create_dir_all(&folder).expect("tool folder");
    std::fs::write(
        folder.join("tool.toml"),
        format!(
            "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"{description}\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\n"
        ),
    )
    .expect("manifest");
    std::fs::write(folder.join("run.sh"), "echo '{}'\n").expect("script");
    folder
}

/// Waits until every file written so far changed 3 s ago: only then does a scan keep a
/// row's fingerprint for the next (`catalog::scan::hash::kept`), and no ctime can be set back.
pub(crate) fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(3200));
}
