//! The name of a workspace's state folder: a leaf the workspace and its registry both read.

/// The folder inside a workspace root that holds its state: the store, seals, versions, runs.
pub const STATE_DIR: &str = ".toolbench";
