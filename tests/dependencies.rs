//! Tools with dependencies (docs/dependencies.md): declared in the tool's files, resolved and
//! installed by `uv` in the sandbox during validation, locked by hash into the content a person
//! approves. Real binary, real sandbox; packages are made here and served from loopback.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

/// A workspace of its own, with a user config folder holding `config` as its config.toml.
/// Outside `/tmp` (a run's `/tmp` is its own), so what the sandbox hides is hidden by it.
struct Bench {
    root: tempfile::TempDir,
    config: tempfile::TempDir,
    /// The `HOME` toolbench is started with.
    home: Option<PathBuf>,
}

fn outside_tmp() -> tempfile::TempDir {
    tempfile::tempdir_in(visible_base()).expect("a folder outside /tmp")
}

impl Bench {
    fn new(config: &str) -> Self {
        let root = outside_tmp();
        for tier in ["core", "approved", "experimental", "archived"] {
            std::fs::create_dir_all(root.path().join(tier)).expect("tier");
        }
        let bench = Bench {
            root,
            config: tempfile::tempdir().expect("config"),
            home: None,
        };
        std::fs::write(bench.config.path().join("config.toml"), config).expect("config");
        bench
    }

    fn root(&self) -> &Path {
        self.root.path()
    }

    /// The secret this bench's toolbench tags what it builds with (an environment's
    /// `env.json`): its own, not the user's, which a plain user without a home lacks.
    fn state_key(&self) -> PathBuf {
        self.config.path().join("state.key")
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut command = toolbench_command(self.root(), self.config.path(), args);
        command.env("TOOLBENCH_STATE_KEY", self.state_key());
        if let Some(home) = &self.home {
            command.env("HOME", home);
        }
        command.output().expect("toolbench")
    }

    fn validate(&self, spec: &str) -> Value {
        let out = self.run(&["validate", spec, "--json"]);
        serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)))
    }

    /// A Python candidate `name` whose main.py is `script`.
    fn python_tool(&self, name: &str, script: &str, manifest_extra: &str) -> PathBuf {
        let folder = self.root().join("experimental").join(name);
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(
            folder.join("tool.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"uses a package\"\n\
                 cost_tier = \"low\"\n\n[run]\ncommand = [\"python3\", \"main.py\"]\n\
                 input = \"none\"\n{manifest_extra}\n"
            ),
        )
        .expect("manifest");
        std::fs::write(folder.join("main.py"), script).expect("script");
        folder
    }
}

#[test]
fn a_broken_script_block_is_one_line_naming_file_line_and_field() {
    let bench = Bench::new("");
    bench.python_tool(
        "broken_block",
        "# /// script\n# dependencies = \"tinydep\"\n# ///\nprint('{}')\n",
        "",
    );
    let report = bench.validate("broken_block");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert_eq!(
        message,
        "main.py:2: field `dependencies`: must be an array of strings such as [\"requests>=2\"]"
    );
}

/// A tool with no environment says why: it declares packages with no lock resolved for them,
/// or its manifest could not be read; "declares no packages" only when it declares none.
#[test]
fn a_tool_without_an_environment_says_why() {
    let bench = Bench::new("");
    bench.python_tool("unlocked", USES_TINYDEP, "");
    let out = bench.run(&["env", "unlocked"]);
    assert_eq!(
        stdout(&out).trim(),
        "unlocked@1.0.0: main.py declares packages, but no pylock.toml is resolved for them \
         yet (validation resolves a candidate's)",
        "{}",
        stderr(&out)
    );
    bench.python_tool("plain", "print('hi')\n", "");
    let out = bench.run(&["env", "plain"]);
    assert_eq!(stdout(&out).trim(), "plain@1.0.0: declares no packages");
    let folder = bench.python_tool("broken", USES_TINYDEP, "timeout_secs = \"soon\"");
    assert!(folder.join("tool.toml").is_file());
    let out = bench.run(&["env", "broken"]);
    assert_eq!(
        stdout(&out).trim(),
        "broken: its manifest could not be read, so what it declares is not known",
        "{}",
        stderr(&out)
    );
    let report = bench.validate("broken");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "skip", "{report}");
    assert_eq!(
        deps["message"],
        "not checked: the manifest could not be read"
    );
}

#[test]
fn a_requirements_file_with_options_is_refused_by_line() {
    let bench = Bench::new("");
    let folder = bench.python_tool("with_options", "print('{}')\n", "");
    std::fs::write(
        folder.join("requirements.txt"),
        "tinydep\n--extra-index-url https://elsewhere.example/simple\n",
    )
    .expect("requirements");
    let report = bench.validate("with_options");
    let message = check(&report, "dependencies")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.starts_with("requirements.txt:2: field `dependencies`:"),
        "{message}"
    );
}

#[test]
fn a_direct_url_requirement_is_refused_unless_the_config_allows_it() {
    let script = "# /// script\n# dependencies = [\"tinydep @ https://elsewhere.example/tinydep-1.0.0-py3-none-any.whl\"]\n# ///\nprint('{}')\n";
    let bench = Bench::new("");
    bench.python_tool("direct", script, "[dependencies]\nallow_direct = true\n");
    let report = bench.validate("direct");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    assert!(
        deps["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("main.py:2: field `dependencies`: ")
                && m.contains("allow_direct")),
        "{deps}"
    );
    // In a requirements file, by its line too.
    let folder = bench.python_tool("listed", "print('{}')\n", "");
    std::fs::write(
        folder.join("requirements.txt"),
        "tinydep\nother @ https://elsewhere.example/other-1.0.0-py3-none-any.whl\n",
    )
    .expect("requirements");
    let report = bench.validate("listed");
    let message = check(&report, "dependencies")["message"].to_string();
    assert!(
        message.contains("requirements.txt:2: field `dependencies`: "),
        "{message}"
    );
    // The user's config allows it: it is no longer refused for being direct.
    let allowed = Bench::new("[dependencies]\nallow_direct = true\n");
    allowed.python_tool("direct", script, "[dependencies]\nallow_direct = true\n");
    let report = allowed.validate("direct");
    let message = check(&report, "dependencies")["message"].to_string();
    assert!(!message.contains("allow_direct"), "{message}");
}

#[test]
fn bad_dependency_settings_are_one_line_naming_file_and_field() {
    let bench = Bench::new("[dependencies]\nindex = \"ftp://mirror\"\n");
    let out = bench.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml") && err.contains("dependencies.index"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // A workspace file travels with the tools: it may not allow direct requirements.
    let bench = Bench::new("");
    std::fs::write(
        bench.root().join("toolbench.toml"),
        "[dependencies]\nallow_direct = true\n",
    )
    .expect("workspace config");
    let err = stderr(&bench.run(&["list"]));
    assert!(err.contains("dependencies.allow_direct"), "{err}");
    // A manifest's index is checked as the tool is read.
    let bench = Bench::new("");
    bench.python_tool(
        "bad_index",
        "print(1)\n",
        "[dependencies]\nindex = \"not a url\"\n",
    );
    let out = bench.run(&["show", "bad_index"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("tool.toml:10: field `index`: \"not a url\""),
        "{text}"
    );
}

// ---- with uv: packages made here, served from loopback -------------------------------------

/// The uv program, as toolbench finds one; `None` (with the reason printed) skips a test,
/// unless TOOLBENCH_REQUIRE_UV is set, as CI does, where a missing uv fails it.
fn uv() -> Option<PathBuf> {
    let elf = |p: &Path| std::fs::read(p).is_ok_and(|bytes| bytes.starts_with(b"\x7fELF"));
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("uv"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|p| elf(p));
    let found = on_path.or_else(|| {
        let out = std::process::Command::new("python3")
            .args(["-c", "import uv; print(uv.find_uv_bin())"])
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        (out.status.success() && elf(&path)).then_some(path)
    });
    if found.is_none() {
        assert!(
            std::env::var_os("TOOLBENCH_REQUIRE_UV").is_none(),
            "uv is required here (TOOLBENCH_REQUIRE_UV) but not installed: pip install uv"
        );
        eprintln!("skipped: uv is not installed (pip install uv)");
    }
    found
}

/// Makes the distributions with Python's stdlib: a wheel `tinydep` (a wheel is a zip with
/// METADATA, WHEEL and RECORD) and an sdist `tinysdist` whose in-tree build backend runs the
/// code given (Python, filling the dict `found`) before it makes its wheel, whose module
/// records `found`; and, when a size is given, a wheel `hugedep` holding one file of zeros of
/// that size (`HUGE_FILE`), stored as it is and written in chunks.
const MAKE_PACKAGES: &str = r#"
import base64, hashlib, io, os, sys, tarfile, zipfile
out, build_code = sys.argv[1], sys.argv[2]
huge = int(sys.argv[3]) if len(sys.argv) > 3 else 0
RECORD = r'''
def b64(digest):
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
def rec(n, d):
    return "%s,sha256=%s,%d" % (n, b64(hashlib.sha256(d).digest()), len(d))
def wheel_files(name, version, module, records=()):
    di = "%s-%s.dist-info" % (name, version)
    files = {name + ".py": module.encode(),
             di + "/METADATA": ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode(),
             di + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    lines = [rec(k, v) for k, v in files.items()] + list(records) + [di + "/RECORD,,"]
    files[di + "/RECORD"] = ("\n".join(lines) + "\n").encode()
    return files
'''
exec(RECORD)
os.makedirs(out, exist_ok=True)
if huge:
    chunk = bytes(1024 * 1024)
    digest = hashlib.sha256()
    for _ in range(huge // len(chunk)):
        digest.update(chunk)
    blob = "hugedep_blob.bin"
    module = "import os\nBLOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), %r)\n" % blob
    record = "%s,sha256=%s,%d" % (blob, b64(digest.digest()), huge)
    with zipfile.ZipFile(os.path.join(out, "hugedep-1.0.0-py3-none-any.whl"), "w") as z:
        with z.open(blob, "w", force_zip64=True) as f:
            for _ in range(huge // len(chunk)):
                f.write(chunk)
        for k, v in wheel_files("hugedep", "1.0.0", module, [record]).items():
            z.writestr(k, v)
with zipfile.ZipFile(os.path.join(out, "tinydep-1.0.0-py3-none-any.whl"), "w") as z:
    for k, v in wheel_files("tinydep", "1.0.0", "GREETING = 'hello from tinydep'\n").items():
        z.writestr(k, v)
with zipfile.ZipFile(os.path.join(out, "bigdep-1.0.0-py3-none-any.whl"), "w") as z:
    blob = "BLOB = %r\n" % os.urandom(2 * 1024 * 1024).hex()
    for k, v in wheel_files("bigdep", "1.0.0", blob).items():
        z.writestr(k, v)
backend = "import base64, hashlib, os, zipfile\n" + RECORD + '''
def get_requires_for_build_wheel(config_settings=None):
    return []
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    found = {}
''' + "\n".join("    " + l for l in build_code.split("\n")) + '''
    module = "VALUE = 'built'\\nFOUND = %r\\n" % (found,)
    name = "tinysdist-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for k, v in wheel_files("tinysdist", "1.0.0", module).items():
            z.writestr(k, v)
    return name
'''
files = {"pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n[project]\nname = "tinysdist"\nversion = "1.0.0"\n',
         "PKG-INFO": "Metadata-Version: 2.1\nName: tinysdist\nVersion: 1.0.0\n",
         "backend.py": backend}
with tarfile.open(os.path.join(out, "tinysdist-1.0.0.tar.gz"), "w:gz") as t:
    for k, v in files.items():
        data = v.encode(); info = tarfile.TarInfo("tinysdist-1.0.0/" + k); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
"#;

/// A simple index (PEP 503) on loopback, served by `python3 -m http.server` until dropped.
struct Index {
    dir: tempfile::TempDir,
    server: std::process::Child,
    port: u16,
}

impl Index {
    fn start(build_code: &str) -> Self {
        Index::serving(build_code, 0)
    }

    /// With `hugedep` too, whose one file takes `HUGE_FILE` bytes.
    fn with_hugedep() -> Self {
        Index::serving("pass", HUGE_FILE)
    }

    fn serving(build_code: &str, huge: u64) -> Self {
        let dir = tempfile::tempdir().expect("index");
        let files = dir.path().join("files");
        let script = dir.path().join("make.py");
        std::fs::write(&script, MAKE_PACKAGES).expect("script");
        let made = std::process::Command::new("python3")
            .arg(&script)
            .arg(&files)
            .arg(build_code)
            .arg(huge.to_string())
            .output()
            .expect("python3");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        for entry in std::fs::read_dir(&files).expect("files").flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let project = file.split('-').next().expect("name").to_string();
            let sha = sha256_hex(&std::fs::read(entry.path()).expect("dist"));
            let page = dir.path().join("simple").join(&project);
            std::fs::create_dir_all(&page).expect("page");
            std::fs::write(
                page.join("index.html"),
                format!(
                    "<html><body><a href=\"../../files/{file}#sha256={sha}\">{file}</a></body></html>\n"
                ),
            )
            .expect("index page");
        }
        let port = free_port();
        let server = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("http.server");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Index { dir, server, port }
    }

    /// The user config that resolves from this index with `uv`.
    fn config(&self, uv: &Path) -> String {
        format!(
            "[dependencies]\nindex = \"http://127.0.0.1:{}/simple\"\nuv = \"{}\"\n",
            self.port,
            uv.display()
        )
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One file past the 64 MiB every sandboxed program may write at most.
const HUGE_FILE: u64 = 65 * 1024 * 1024;

/// Reads hugedep's file to its end and says how many bytes it read.
const READS_HUGEDEP: &str = "# /// script\n# dependencies = [\"hugedep\"]\n# ///\nimport json\n\nimport hugedep\n\nread = 0\nwith open(hugedep.BLOB, \"rb\") as f:\n    while chunk := f.read(1 << 20):\n        read += len(chunk)\nprint(json.dumps({\"read\": read}))\n";

const USES_TINYDEP: &str = "# /// script\n# dependencies = [\"tinydep\"]\n# ///\nimport json\n\nimport tinydep\n\nprint(json.dumps({\"greeting\": tinydep.GREETING}))\n";

/// The environments built in the workspace (their folders under `.toolbench/envs/`).
fn environments(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join(".toolbench/envs")) else {
        return Vec::new();
    };
    let mut envs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("env.json").is_file())
        .collect();
    envs.sort();
    envs
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_tool_importing_its_dependency_is_locked_validated_and_runs_once_approved() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    let folder = bench.python_tool("greeter", USES_TINYDEP, "");
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    std::fs::write(
        folder.join("tests/greets.toml"),
        "input = \"{}\"\nexpect_stdout_contains = \"hello from tinydep\"\n",
    )
    .expect("case");
    let report = bench.validate("greeter");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    assert_eq!(check(&report, "tests")["status"], "pass", "{report}");
    // The lock is a file of the candidate, with the wheel's sha256.
    let lock = std::fs::read_to_string(folder.join("pylock.toml")).expect("the lock");
    let wheel = std::fs::read(
        index
            .dir
            .path()
            .join("files/tinydep-1.0.0-py3-none-any.whl"),
    )
    .expect("wheel");
    assert!(lock.contains(&sha256_hex(&wheel)), "{lock}");
    // Its environment is named by the lock's digest, and read-only.
    let envs = environments(bench.root());
    assert_eq!(envs.len(), 1, "{envs:?}");
    assert_eq!(
        envs[0].file_name().and_then(|n| n.to_str()),
        Some(sha256_hex(lock.as_bytes()).as_str())
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(envs[0].join("site/tinydep.py"))
        .expect("installed")
        .permissions()
        .mode();
    assert_eq!(mode & 0o222, 0, "installed files are read-only: {mode:o}");
    // The review shows the lock package by package, where it comes from.
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["rule"] == "locked-package"
            && f["line"].is_number()
            && f["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("tinydep 1.0.0 (wheel"))),
        "{report}"
    );
    // show, list --json and env name the environment and its size.
    let digest = sha256_hex(lock.as_bytes());
    let shown = stdout(&bench.run(&["show", "greeter"]));
    assert!(
        shown.contains(&format!("environment:  {} (tinydep==1.0.0)", &digest[..12])),
        "{shown}"
    );
    let listed: Value =
        serde_json::from_str(&stdout(&bench.run(&["list", "--json"]))).expect("list");
    assert_eq!(listed[0]["environment"]["digest"], digest.as_str());
    assert!(
        listed[0]["environment"]["bytes"]
            .as_u64()
            .is_some_and(|b| b > 0)
    );
    let envs = stdout(&bench.run(&["env"]));
    assert!(
        envs.contains("used by greeter@1.0.0 (experimental)"),
        "{envs}"
    );
    let out = bench.run(&["approve", "greeter"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = bench.run(&["run", "greeter"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("hello from tinydep"),
        "{}",
        stdout(&out)
    );
}

/// An offline mirror: with `index = "none"` packages come from the config's folder alone; no
/// host is reached (nothing serves the index here: its server is stopped before).
#[test]
fn with_no_index_packages_come_from_the_configured_folder_alone() {
    let Some(uv) = uv() else { return };
    let mut index = Index::start("pass");
    let _ = index.server.kill();
    let _ = index.server.wait();
    let wheels = outside_tmp();
    copy_dir(&index.dir.path().join("files"), wheels.path());
    let bench = Bench::new(&format!(
        "[dependencies]\nindex = \"none\"\nfind_links = [{:?}]\nuv = {:?}\n",
        wheels.path().display().to_string(),
        uv.display().to_string()
    ));
    bench.python_tool("greeter", USES_TINYDEP, "");
    let report = bench.validate("greeter");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        !findings.iter().any(|f| f["rule"] == "unnamed-index"),
        "the configured folder is named: {report}"
    );
    let out = bench.run(&["approve", "greeter"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = bench.run(&["run", "greeter"]);
    assert!(
        stdout(&out).contains("hello from tinydep"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn a_lock_edited_after_approval_is_refused_as_drift() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("drifter", USES_TINYDEP, "");
    bench.validate("drifter");
    let out = bench.run(&["approve", "drifter"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let folder = bench.root().join("approved/drifter");
    let lock = folder.join("pylock.toml");
    let text = std::fs::read_to_string(&lock).expect("lock");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    overwrite(
        &lock,
        &text.replace("version = \"1.0.0\"", "version = \"1.0.1\""),
    );
    let out = bench.run(&["run", "drifter"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).is_empty(), "it never ran: {}", stdout(&out));
    assert!(
        stderr(&out).contains("modified since approval"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dependency_the_index_lacks_is_a_one_line_finding() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    let folder = bench.python_tool(
        "lacking",
        "# /// script\n# dependencies = [\"nothere\"]\n# ///\nprint('{}')\n",
        "",
    );
    let report = bench.validate("lacking");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert!(message.contains("nothere"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(!folder.join("pylock.toml").exists(), "nothing was locked");
    assert!(environments(bench.root()).is_empty());
    // Its case is not run to fail for want of the packages, in words about a private copy.
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    std::fs::write(folder.join("tests/basic.toml"), "expect_exit = 0\n").expect("case");
    let report = bench.validate("lacking");
    assert_eq!(check(&report, "dependencies")["status"], "fail", "{report}");
    for name in ["tests", "generated", "differential"] {
        let skipped = check(&report, name);
        assert_eq!(skipped["status"], "skip", "{name}: {report}");
        assert_eq!(
            skipped["message"], "not run: its packages are not there (see dependencies)",
            "{name}"
        );
    }
    assert_eq!(
        report["tests"],
        serde_json::json!([]),
        "no case ran: {report}"
    );
}

/// A requirement uv cannot parse is named in the tool's file, not in uv's stdin (`-`).
#[test]
fn a_requirement_uv_cannot_parse_is_named_in_the_tools_file() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool(
        "unparsed",
        "# /// script\n# dependencies = [\"tinydep ==\"]\n# ///\nprint('{}')\n",
        "",
    );
    let report = bench.validate("unparsed");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert!(message.contains("in main.py"), "{message}");
    assert!(!message.contains("`-`"), "{message}");
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn a_python_this_machine_does_not_have_is_a_one_line_finding() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    let folder = bench.python_tool(
        "futurist",
        "# /// script\n# requires-python = \">=3.8, <3.8\"\n# dependencies = [\"tinydep\"]\n\
         # ///\nprint('{}')\n",
        "",
    );
    let report = bench.validate("futurist");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert!(
        message.contains("asks for requires-python \">=3.8, <3.8\"")
            && message.contains("here is 3."),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(!folder.join("pylock.toml").exists(), "nothing was locked");
    // A Python it accepts resolves as before.
    let fine = bench.python_tool(
        "present",
        "# /// script\n# requires-python = \">=3.8\"\n# dependencies = [\"tinydep\"]\n# ///\n\
         print('{}')\n",
        "",
    );
    let report = bench.validate("present");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    assert!(fine.join("pylock.toml").exists());
}

#[test]
fn two_candidates_with_one_lock_share_one_environment() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("first", USES_TINYDEP, "");
    bench.python_tool("second", &USES_TINYDEP.replace("greeting", "hello"), "");
    // Both at once: equal locks race to build one environment.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| bench.validate("first"));
        let b = s.spawn(|| bench.validate("second"));
        (a.join().expect("first"), b.join().expect("second"))
    });
    for report in [&a, &b] {
        assert_eq!(check(report, "dependencies")["status"], "pass", "{report}");
    }
    let lock = |name: &str| {
        std::fs::read(
            bench
                .root()
                .join("experimental")
                .join(name)
                .join("pylock.toml"),
        )
        .expect("lock")
    };
    assert_eq!(lock("first"), lock("second"));
    assert_eq!(environments(bench.root()).len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(bench.root().join(".toolbench/envs"))
        .expect("envs")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains(".building-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn an_sdist_build_runs_confined_and_reaches_nothing_but_its_environment() {
    let Some(uv) = uv() else { return };
    let outside = outside_tmp();
    let home = outside.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).expect("home");
    let secret = "ssh-key-material-that-must-stay-home";
    std::fs::write(home.join(".ssh/id_ed25519"), secret).expect("key");
    let escaped = outside.path().join("escaped");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let other = listener.local_addr().expect("addr").port();
    let build = format!(
        "import socket\n\
         for target in [{escaped:?}, {home_file:?}]:\n    \
         try:\n        open(target, 'w').write('escaped')\n        found['wrote:' + target] = True\n    \
         except Exception as e:\n        found['wrote:' + target] = repr(e)\n\
         try:\n    found['read'] = open({key:?}).read()\n\
         except Exception as e:\n    found['read'] = repr(e)\n\
         try:\n    socket.create_connection(('127.0.0.1', {other}), timeout=3).close()\n    found['reached'] = True\n\
         except Exception as e:\n    found['reached'] = repr(e)",
        escaped = escaped.display().to_string(),
        home_file = home.join("escaped").display().to_string(),
        key = home.join(".ssh/id_ed25519").display().to_string(),
    );
    let index = Index::start(&build);
    let mut bench = Bench::new(&index.config(&uv));
    bench.home = Some(home.clone());
    bench.python_tool(
        "builder",
        "# /// script\n# dependencies = [\"tinysdist\"]\n# ///\nimport tinysdist\nprint(tinysdist.VALUE)\n",
        "",
    );
    let report = bench.validate("builder");
    // The build ran: the module its backend wrote is installed.
    let envs = environments(bench.root());
    assert_eq!(envs.len(), 1, "{report}");
    let module = std::fs::read_to_string(envs[0].join("site/tinysdist.py")).expect("built");
    assert!(module.contains("VALUE = 'built'"), "{module}");
    // And reached nothing: judged here, on the host.
    assert!(!escaped.exists(), "the build wrote outside its environment");
    assert!(
        !home.join("escaped").exists(),
        "the build wrote into the home"
    );
    let tree: String = walk(&envs[0])
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .collect();
    assert!(!tree.contains(secret), "the build read ~/.ssh: {module}");
    assert!(
        listener.accept().is_err(),
        "the build reached a host that is not the index"
    );
    // The review names the sdist.
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "sdist-build" && f["file"] == "pylock.toml"),
        "{report}"
    );
}

/// The certificate authorities toolbench's environment names reach the confined `uv` only
/// from the system folders: a `SSL_CERT_FILE` naming a secret elsewhere is neither named to
/// an sdist's build code nor readable by it. Judged on the host: nothing of the secret, nor
/// its path, is in the environment the build wrote.
#[test]
fn a_certificate_path_outside_the_system_folders_never_reaches_a_build() {
    let Some(uv) = uv() else { return };
    let outside = outside_tmp();
    let secret = "private-key-material-named-as-a-certificate";
    let key = outside.path().join("id_ed25519");
    std::fs::write(&key, secret).expect("key");
    let build = format!(
        "import os\n\
         found['file'] = os.environ.get('SSL_CERT_FILE')\n\
         found['dir'] = os.environ.get('SSL_CERT_DIR')\n\
         try:\n    found['read'] = open({key:?}).read()\n\
         except Exception as e:\n    found['read'] = repr(e)",
        key = key.display().to_string(),
    );
    let index = Index::start(&build);
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool(
        "builder",
        "# /// script\n# dependencies = [\"tinysdist\"]\n# ///\nimport tinysdist\nprint(tinysdist.VALUE)\n",
        "",
    );
    let out = toolbench_command(bench.root(), bench.config.path(), &["validate", "builder"])
        .env("TOOLBENCH_STATE_KEY", bench.state_key())
        .env("SSL_CERT_FILE", &key)
        .env("SSL_CERT_DIR", "/etc/ssl/certs")
        .output()
        .expect("toolbench");
    // The build ran, and looked.
    let envs = environments(bench.root());
    assert_eq!(envs.len(), 1, "{}{}", stdout(&out), stderr(&out));
    let module = std::fs::read_to_string(envs[0].join("site/tinysdist.py")).expect("built");
    assert!(
        module.contains("VALUE = 'built'") && module.contains("'read'"),
        "{module}"
    );
    // The one in the system folders was passed: the other was dropped, not lost on the way.
    assert!(module.contains("'dir': '/etc/ssl/certs'"), "{module}");
    let tree: String = walk(&envs[0])
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .collect();
    assert!(
        !tree.contains(secret),
        "the build read the named file: {module}"
    );
    assert!(
        !tree.contains(&key.display().to_string()),
        "the build was told the path: {module}"
    );
    assert_eq!(std::fs::read_to_string(&key).expect("key"), secret);
}

/// A candidate's manifest (or a workspace's `toolbench.toml`, both written by agents) cannot
/// show its package builds a folder of this machine through `find_links`: the build code of an
/// sdist from the index read `~/.ssh` that way and wrote it into the environment the candidate
/// then runs with. Only the user's config names local folders.
#[test]
fn a_candidate_cannot_show_its_build_a_folder_of_this_machine_through_find_links() {
    let Some(uv) = uv() else { return };
    let outside = outside_tmp();
    let keys = outside.path().join("home/.ssh");
    std::fs::create_dir_all(&keys).expect("keys");
    let secret = "ssh-key-material-that-must-stay-home";
    std::fs::write(keys.join("id_ed25519"), secret).expect("key");
    let build = format!(
        "try:\n    found['read'] = open({key:?}).read()\n\
         except Exception as e:\n    found['read'] = repr(e)",
        key = keys.join("id_ed25519").display().to_string(),
    );
    let index = Index::start(&build);
    let bench = Bench::new(&index.config(&uv));
    let script = "# /// script\n# dependencies = [\"tinysdist\"]\n# ///\nimport tinysdist\nprint(tinysdist.FOUND)\n";
    // The candidate names the key's folder as a place to find distributions.
    let links = format!(
        "[dependencies]\nfind_links = [{:?}]\n",
        keys.display().to_string()
    );
    bench.python_tool("reader", script, &links);
    let report = bench.validate("reader");
    let tree = |bench: &Bench| -> String {
        walk(&bench.root().join(".toolbench"))
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .collect()
    };
    assert!(
        !tree(&bench).contains(secret),
        "a build read the folder: {report}"
    );
    assert!(environments(bench.root()).is_empty(), "{report}");
    let manifest = check(&report, "manifest");
    assert_eq!(manifest["status"], "fail", "{report}");
    let message = manifest["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("tool.toml") && message.contains("field `find_links`"),
        "{message}"
    );
    // The build runs and reads what it is shown: the same one without the folder is built.
    bench.python_tool("control", script, "");
    let report = bench.validate("control");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let envs = environments(bench.root());
    assert_eq!(envs.len(), 1, "{report}");
    let module = std::fs::read_to_string(envs[0].join("site/tinysdist.py")).expect("built");
    assert!(module.contains("VALUE = 'built'"), "{module}");
    assert!(!tree(&bench).contains(secret), "{module}");
    // The same from the workspace's toolbench.toml: refused as the workspace is read.
    std::fs::remove_dir_all(bench.root().join("experimental/reader")).expect("removed");
    std::fs::write(bench.root().join("toolbench.toml"), &links).expect("workspace config");
    let out = bench.run(&["validate", "control", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("toolbench.toml:2: field `dependencies.find_links`"),
        "{}",
        stderr(&out)
    );
}

/// A uv the config names that is not there is named with its field, in one line (the config
/// is what to fix; `pip install uv` is the advice when none is named and none is found).
#[test]
fn a_missing_uv_is_named_with_its_field_in_one_line() {
    let bench = Bench::new("[dependencies]\nuv = \"/nonexistent/uv\"\n");
    bench.python_tool("needs_uv", USES_TINYDEP, "");
    let report = bench.validate("needs_uv");
    let message = check(&report, "dependencies")["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert_eq!(
        message,
        "field `dependencies.uv` of your config: /nonexistent/uv does not exist"
    );
    // Never locked, never run half-installed.
    let out = bench.run(&["run", "needs_uv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("never runs without its packages"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn gc_removes_environments_no_tool_runs_with() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("passing", USES_TINYDEP, "");
    bench.validate("passing");
    assert_eq!(environments(bench.root()).len(), 1);
    // A candidate still uses it: kept.
    let out = bench.run(&["gc", "--days-unused", "100000"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(environments(bench.root()).len(), 1, "{}", stdout(&out));
    let out = bench.run(&["reject", "passing", "--reason", "not needed"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // As the docs give it: no tool to archive asked for, only the environments.
    let out = bench.run(&["gc", "--dry-run"]);
    assert!(
        stdout(&out).contains("would remove environment"),
        "{}",
        stdout(&out)
    );
    assert_eq!(environments(bench.root()).len(), 1);
    let out = bench.run(&["gc"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("removed environment"),
        "{}",
        stdout(&out)
    );
    assert!(environments(bench.root()).is_empty());
    assert_eq!(
        std::fs::read_dir(bench.root().join(".toolbench/envs"))
            .expect("envs")
            .count(),
        0,
        "nothing of it is left"
    );
}

#[test]
fn an_environment_over_the_size_limit_is_refused_and_left_nowhere() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&format!("{}max_env_mb = 1\n", index.config(&uv)));
    bench.python_tool(
        "heavy",
        "# /// script\n# dependencies = [\"bigdep\"]\n# ///\nimport bigdep\n",
        "",
    );
    let report = bench.validate("heavy");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    assert!(
        deps["message"]
            .as_str()
            .is_some_and(|m| m.contains("max_env_mb = 1")),
        "{deps}"
    );
    assert!(environments(bench.root()).is_empty());
    let left: Vec<_> = std::fs::read_dir(bench.root().join(".toolbench/envs"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_tool_whose_environment_is_gone_says_so_and_validation_builds_it_again() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("rebuilt", USES_TINYDEP, "");
    bench.validate("rebuilt");
    let out = bench.run(&["approve", "rebuilt"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let env = environments(bench.root()).pop().expect("built");
    use std::os::unix::fs::PermissionsExt;
    for dir in [
        env.clone(),
        env.join("site"),
        env.join("site/tinydep-1.0.0.dist-info"),
    ] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    std::fs::remove_dir_all(&env).expect("gone");
    let out = bench.run(&["run", "rebuilt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is not built here; validate it to build it"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Validating the approved tool builds it from the approved lock; then it runs.
    let report = bench.validate("rebuilt");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let out = bench.run(&["run", "rebuilt"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// An environment a commit carried into `.toolbench/envs/` (past the `.gitignore`) under the
/// approved lock's digest, with a package of its own: never used; validation builds the real
/// one in its place.
#[test]
fn an_environment_not_built_here_is_never_used_and_validation_builds_it_again() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("carried", USES_TINYDEP, "");
    bench.validate("carried");
    assert!(bench.state_key().is_file(), "a secret tags what is built");
    let out = bench.run(&["approve", "carried"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = bench.run(&["run", "carried"]);
    assert!(
        stdout(&out).contains("hello from tinydep"),
        "{}",
        stdout(&out)
    );

    // The same folder as another machine's toolbench would have written it: its package
    // says something else, and its env.json carries another user's tag.
    let env = environments(bench.root()).pop().expect("built");
    use std::os::unix::fs::PermissionsExt;
    for dir in [env.clone(), env.join("site")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    for file in [env.join("site/tinydep.py"), env.join("env.json")] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    std::fs::write(env.join("site/tinydep.py"), "GREETING = 'planted'\n").expect("plant");
    let mut info: Value =
        serde_json::from_slice(&std::fs::read(env.join("env.json")).expect("env.json"))
            .expect("json");
    info["tag"] = json!("0".repeat(64));
    std::fs::write(env.join("env.json"), info.to_string()).expect("env.json");
    let out = bench.run(&["run", "carried"]);
    assert!(!stdout(&out).contains("planted"), "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("is not built here; validate it to build it"),
        "{}",
        stderr(&out)
    );
    let report = bench.validate("carried");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let out = bench.run(&["run", "carried"]);
    assert!(
        stdout(&out).contains("hello from tinydep"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_review_tells_packages_new_since_the_active_version() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool("evolving", USES_TINYDEP, "");
    bench.validate("evolving");
    let out = bench.run(&["approve", "evolving"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // Version 1.1.0 adds a package.
    let folder = bench.root().join("experimental/evolving-1.1.0");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(
        folder.join("tool.toml"),
        "name = \"evolving\"\nversion = \"1.1.0\"\ndescription = \"uses a package\"\n\
         cost_tier = \"low\"\n\n[run]\ncommand = [\"python3\", \"main.py\"]\ninput = \"none\"\n\n\
         [provenance]\nparent = \"evolving@1.0.0\"\n",
    )
    .expect("manifest");
    std::fs::write(
        folder.join("main.py"),
        USES_TINYDEP.replace("[\"tinydep\"]", "[\"tinydep\", \"bigdep\"]"),
    )
    .expect("script");
    let report = bench.validate("evolving@1.1.0");
    let messages: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "locked-package")
        .filter_map(|f| f["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("bigdep 1.0.0") && m.ends_with("new since the active version")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("tinydep 1.0.0") && m.ends_with("as in the active version")),
        "{messages:?}"
    );
}

/// A lock's sources are judged against the config's index and links: once the config names
/// other ones, the report validated before is not given again as it was, and the package
/// from an index the config no longer names is flagged.
#[test]
fn a_report_of_a_lock_does_not_outlive_the_config_it_judged_its_sources_by() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    let bench = Bench::new(&index.config(&uv));
    bench.python_tool(
        "own_index",
        USES_TINYDEP,
        &format!(
            "[dependencies]\nindex = \"http://127.0.0.1:{}/simple\"\n",
            index.port
        ),
    );
    let unnamed = |report: &Value| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "unnamed-index")
    };
    let report = bench.validate("own_index");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    assert!(!unnamed(&report), "the config names the index: {report}");
    assert_eq!(
        bench.validate("own_index")["cached"],
        true,
        "unchanged: cached"
    );
    // The config names PyPI's index now (none given); the tool still names the loopback one.
    std::fs::write(
        bench.config.path().join("config.toml"),
        format!("[dependencies]\nuv = \"{}\"\n", uv.display()),
    )
    .expect("config");
    let out = bench.run(&["approve", "own_index"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        "toolbench: cannot approve own_index@1.0.0: experimental/own_index was validated while \
         your config's [dependencies] named other package sources: validate it again, read the \
         report, then approve"
    );
    let report = bench.validate("own_index");
    assert_eq!(report["cached"], false, "{report}");
    assert!(unnamed(&report), "{report}");
    let out = bench.run(&["approve", "own_index"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn a_package_from_an_index_only_the_manifest_names_is_flagged() {
    let Some(uv) = uv() else { return };
    let index = Index::start("pass");
    // The config names no index (PyPI's); the tool names the loopback one itself.
    let bench = Bench::new(&format!("[dependencies]\nuv = \"{}\"\n", uv.display()));
    bench.python_tool(
        "own_index",
        USES_TINYDEP,
        &format!(
            "[dependencies]\nindex = \"http://127.0.0.1:{}/simple\"\n",
            index.port
        ),
    );
    let report = bench.validate("own_index");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["rule"] == "unnamed-index"
            && f["file"] == "pylock.toml"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("127.0.0.1:{}", index.port)))),
        "{report}"
    );
}

#[test]
fn a_file_past_the_sandboxs_file_size_limit_installs_within_max_env_mb_and_is_read() {
    let Some(uv) = uv() else { return };
    let index = Index::with_hugedep();
    let wheel = index
        .dir
        .path()
        .join("files/hugedep-1.0.0-py3-none-any.whl");
    let wheel_len = std::fs::metadata(&wheel).expect("the wheel").len();
    assert!(
        wheel_len > HUGE_FILE,
        "the wheel holds the file whole: {wheel_len}"
    );
    let bench = Bench::new(&format!("{}max_env_mb = 100\n", index.config(&uv)));
    let folder = bench.python_tool("reader", READS_HUGEDEP, "");
    std::fs::create_dir_all(folder.join("tests")).expect("tests");
    std::fs::write(
        folder.join("tests/reads.toml"),
        format!("input = \"{{}}\"\nexpect_stdout_contains = '\"read\": {HUGE_FILE}'\n"),
    )
    .expect("case");
    let report = bench.validate("reader");
    assert_eq!(check(&report, "dependencies")["status"], "pass", "{report}");
    let envs = environments(bench.root());
    assert_eq!(envs.len(), 1, "{report}");
    let blob = std::fs::metadata(envs[0].join("site/hugedep_blob.bin")).expect("installed");
    assert_eq!(blob.len(), HUGE_FILE);
    // The tool ran with it and read it to its end.
    assert_eq!(check(&report, "tests")["status"], "pass", "{report}");
}

#[test]
fn a_file_larger_than_max_env_mb_fails_on_the_limit_and_leaves_no_environment() {
    let Some(uv) = uv() else { return };
    let index = Index::with_hugedep();
    let bench = Bench::new(&format!("{}max_env_mb = 32\n", index.config(&uv)));
    let folder = bench.python_tool("too_big", READS_HUGEDEP, "");
    let report = bench.validate("too_big");
    // It was resolved; the install is what failed.
    let lock = std::fs::read_to_string(folder.join("pylock.toml")).expect("the lock");
    assert!(lock.contains("hugedep"), "{lock}");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    assert_eq!(
        deps["message"],
        "installing pylock.toml: the environment takes more than [dependencies] max_env_mb = 32 MiB",
        "{report}"
    );
    assert!(environments(bench.root()).is_empty());
    let left: Vec<_> = std::fs::read_dir(bench.root().join(".toolbench/envs"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_download_larger_than_the_scratch_names_run_disk_mb() {
    let Some(uv) = uv() else { return };
    let index = Index::with_hugedep();
    let bench = Bench::new(&format!(
        "{}max_env_mb = 100\n\n[run]\ndisk_mb = 32\n",
        index.config(&uv)
    ));
    bench.python_tool("cramped", READS_HUGEDEP, "");
    let report = bench.validate("cramped");
    let deps = check(&report, "dependencies");
    assert_eq!(deps["status"], "fail", "{report}");
    let message = deps["message"].as_str().expect("message");
    assert!(
        message.starts_with("installing pylock.toml: uv: ")
            && message.contains("No space left on device")
            && message
                .ends_with("(uv downloads into the sandbox's scratch: [run] disk_mb = 32 MiB)"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(environments(bench.root()).is_empty());
}
