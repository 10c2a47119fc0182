//! A person's machine for the tests that play several: a home folder of its own with its
//! config, data, keys, project and the secret its toolbench tags state with, and optionally the
//! machine's own list of reviewers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::mcp_session::Session;
use super::{bin, stderr};

/// One person's machine: a home folder with its own config, data and keys.
pub struct Machine {
    pub home: tempfile::TempDir,
    /// The machine's own list of reviewers, as root keeps it (`/etc/toolbench` stands here).
    system: Option<tempfile::TempDir>,
}

impl Machine {
    pub fn new() -> Machine {
        let machine = Machine {
            home: tempfile::tempdir().expect("home"),
            system: None,
        };
        std::fs::create_dir_all(machine.config()).expect("config");
        machine
    }

    /// A machine whose administrator lists `lines` in its own allowed_signers, owned by root
    /// and writable by nobody else. Only root can name another folder for it, so the tests
    /// that use one run as root.
    pub fn with_system_list(lines: &str) -> Machine {
        let system = tempfile::tempdir().expect("system dir");
        let file = system.path().join("allowed_signers");
        std::fs::write(&file, lines).expect("system list");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("mode");
        Machine {
            system: Some(system),
            ..Machine::new()
        }
    }

    pub fn system_list(&self) -> PathBuf {
        self.system
            .as_ref()
            .expect("a machine list")
            .path()
            .join("allowed_signers")
    }

    /// The list of the workspace's reviewers accepted on this machine, in its data folder.
    pub fn accepted_list(&self) -> PathBuf {
        let dir = self.home.path().join(".local/share/toolbench/signers");
        std::fs::read_dir(&dir)
            .expect("signers folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "json"))
            .expect("an accepted list")
    }

    pub fn config(&self) -> PathBuf {
        self.home.path().join(".config/toolbench")
    }

    /// A fresh ed25519 key without a passphrase at `~/.ssh/NAME`.
    pub fn key(&self, name: &str) -> PathBuf {
        let dir = self.home.path().join(".ssh");
        std::fs::create_dir_all(&dir).expect("ssh dir");
        let key = dir.join(name);
        if !key.exists() {
            let out = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(&key)
                .output()
                .expect("ssh-keygen");
            assert!(out.status.success(), "{}", stderr(&out));
        }
        key
    }

    /// The project this machine's runs work on: where a tool that ran leaves its mark.
    pub fn project(&self) -> PathBuf {
        let project = self.home.path().join("project");
        std::fs::create_dir_all(&project).expect("project");
        project
    }

    /// Whether `name` ran here since its mark was last cleared: the file it writes into the
    /// project, an effect outside toolbench's own account of it.
    pub fn ran(&self, name: &str) -> bool {
        self.project().join(format!("ran-{name}")).exists()
    }

    pub fn forget_run(&self, name: &str) {
        let _ = std::fs::remove_file(self.project().join(format!("ran-{name}")));
    }

    /// This machine's user config.
    pub fn set_config(&self, text: &str) {
        std::fs::write(self.config().join("config.toml"), text).expect("config");
    }

    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("HOME", self.home.path())
            .env("TOOLBENCH_CONFIG_DIR", self.config())
            .env("XDG_DATA_HOME", self.home.path().join(".local/share"))
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TOOLBENCH_PROJECT", self.project())
            .env_remove("TOOLBENCH_ROOT")
            .env_remove("SSH_AUTH_SOCK")
            .env_remove("TOOLBENCH_SYSTEM_DIR")
            // Each machine's own secret for what its toolbench writes into a state folder.
            .env(
                "TOOLBENCH_STATE_KEY",
                self.home.path().join(".local/share/toolbench/state.key"),
            )
            .stdin(std::process::Stdio::null());
        if let Some(system) = &self.system {
            command.env("TOOLBENCH_SYSTEM_DIR", system.path());
        }
        command
    }

    pub fn toolbench(&self, root: &Path, args: &[&str]) -> Output {
        self.command(bin())
            .arg("--root")
            .arg(root)
            .args(args)
            .output()
            .expect("toolbench")
    }

    /// `toolbench mcp` on `root` as this machine's agent, past its handshake.
    pub fn mcp(&self, root: &Path) -> Session {
        let mut command = self.command(bin());
        command.arg("--root").arg(root).arg("mcp");
        Session::open_command(command, "agent", false)
    }

    pub fn git(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .command("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        out
    }
}
