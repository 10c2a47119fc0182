//! What a signed review costs a run: the gate every run of an active tool passes
//! (`seal::check`) with signatures required and the verification remembered, against the
//! same gate with seals (signatures off). A run's wall time on two shared cores scatters by
//! more than the difference (`benches/signed.sh`), so the gate is timed on its own here.
//!
//! `cargo bench --bench signatures`. Needs `ssh-keygen` (openssh-client); says so and
//! measures nothing without it. The workspaces, the key and the user's config and data
//! folders live in one temporary folder: the bench is a user of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use toolbench::catalog::scan::{ScanLimits, load_path};
use toolbench::model::{Tier, ToolEntry};

const EXE: &str = env!("CARGO_BIN_EXE_toolbench");

/// The user of its own: set before anything reads the environment, kept for the process.
static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();

fn main() {
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("signatures: ssh-keygen is not installed (openssh-client); nothing measured");
        return;
    }
    let home = HOME.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let path = home.path();
    for dir in ["home", "config", "data"] {
        std::fs::create_dir_all(path.join(dir)).expect("mkdir");
    }
    // SAFETY: the process has one thread yet; the variables are set once, before any reader.
    unsafe {
        std::env::set_var("HOME", path.join("home"));
        std::env::set_var("TOOLBENCH_CONFIG_DIR", path.join("config"));
        std::env::set_var("XDG_DATA_HOME", path.join("data"));
        std::env::remove_var("SSH_AUTH_SOCK");
        std::env::remove_var("TOOLBENCH_ROOT");
    }
    divan::main();
}

fn toolbench(root: &Path, args: &[&str]) {
    let out = Command::new(EXE)
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("toolbench runs");
    assert!(
        out.status.success(),
        "toolbench {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A workspace of one approved tool, made a person's one way or the other: signed with
/// signatures required (`signed`), or sealed with `accept`. Its tool as the catalog reads it.
fn workspace(signed: bool) -> (PathBuf, ToolEntry) {
    let base = HOME.get().expect("main set it").path();
    let root = base.join(if signed { "signed" } else { "sealed" });
    let init = Command::new(EXE)
        .arg("init")
        .arg(&root)
        .output()
        .expect("init");
    assert!(init.status.success(), "init");
    let folder = root.join("approved/bench_noop");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("tool.toml"),
        "name = \"bench_noop\"\nversion = \"1.0.0\"\ndescription = \"bench\"\ncost_tier = \"low\"\n[run]\ncommand = [\"sh\", \"run.sh\"]\ninput = \"none\"\n",
    )
    .expect("manifest");
    std::fs::write(folder.join("run.sh"), "true\n").expect("script");
    if signed {
        let key = base.join("key");
        if !key.exists() {
            let made = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
                .arg(&key)
                .status()
                .expect("ssh-keygen");
            assert!(made.success(), "key");
            std::fs::write(
                base.join("config/config.toml"),
                format!("[review]\nsigning_key = \"{}\"\n", key.display()),
            )
            .expect("config");
        }
        let mut config = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("toolbench.toml"))
            .expect("toolbench.toml");
        std::io::Write::write_all(&mut config, b"\n[review]\nsignatures = \"require\"\n")
            .expect("require");
        let public = base.join("key.pub");
        let public = public.to_str().expect("UTF-8 path");
        toolbench(
            &root,
            &["signers", "add", "bench@toolbench.example", public],
        );
        toolbench(&root, &["validate", "bench_noop"]);
        toolbench(&root, &["approve", "bench_noop"]);
    } else {
        toolbench(&root, &["accept"]);
    }
    let entry = load_path(&root, Tier::Approved, &folder, ScanLimits::default()).expect("loads");
    // The first check of a signed tool runs ssh-keygen once and remembers the answer.
    toolbench::seal::check(&root, &entry).expect("a person's tool runs");
    (root, entry)
}

/// The gate of a run with seals: the seal file read and compared.
#[divan::bench]
fn gate_sealed(bencher: divan::Bencher) {
    let (root, entry) = workspace(false);
    bencher.bench_local(|| toolbench::seal::check(&root, &entry).expect("runs"));
}

/// The gate of a run with signatures required, the verification remembered: the mode, the
/// reviewers' three lists, the statement and its signature read beneath the workspace, and
/// the remembered answer.
#[divan::bench]
fn gate_signed(bencher: divan::Bencher) {
    let (root, entry) = workspace(true);
    bencher.bench_local(|| toolbench::seal::check(&root, &entry).expect("runs"));
}
