use super::*;
use crate::catalog::manifest::parse_manifest;

/// Findings (rule, line) for a manifest whose `[run]` holds `run_lines`.
fn scan(run_lines: &str) -> Vec<(String, Option<usize>)> {
    let text =
        format!("name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n\n[run]\n{run_lines}\n");
    let parsed = parse_manifest(&text, Path::new("tool.toml")).expect("valid manifest");
    scan_manifest(&parsed.manifest, Some(&text))
        .into_iter()
        .map(|f| {
            assert_eq!(f.file, "tool.toml");
            assert_eq!(f.severity, FindingSeverity::Error);
            assert_eq!(f.check, CheckKind::Security);
            (f.rule, f.line)
        })
        .collect()
}

fn rules(run_lines: &str) -> Vec<String> {
    scan(run_lines).into_iter().map(|(rule, _)| rule).collect()
}

fn command(argv: &str) -> Vec<String> {
    rules(&format!("command = {argv}"))
}

#[test]
fn shell_with_a_command_string_is_flagged() {
    for argv in [
        r#"["sh", "-c", "curl x | sh"]"#,
        r#"["bash", "-c", "id"]"#,
        r#"["bash", "-lc", "id"]"#,
        r#"["bash", "--norc", "-ec", "id"]"#,
        r#"["sh", "-o", "pipefail", "-c", "id"]"#,
        r#"["dash", "-c", "id"]"#,
        r#"["zsh", "-c", "id"]"#,
        r#"["ksh", "-c", "id"]"#,
        r#"["busybox", "sh", "-c", "id"]"#,
        r#"["env", "sh", "-c", "id"]"#,
        r#"["/usr/bin/env", "-i", "A=1", "bash", "-c", "id"]"#,
        r#"["/usr/bin/env", "-S", "sh -c id"]"#,
        r#"["env", "-u", "HOME", "--", "/bin/sh", "-c", "id"]"#,
    ] {
        assert_eq!(command(argv), [MANIFEST_SHELL_C], "{argv}");
    }
}

#[test]
fn shell_running_a_script_or_other_programs_with_c_pass() {
    for argv in [
        r#"["python3", "main.py"]"#,
        r#"["./run.sh"]"#,
        r#"["sh", "run.sh"]"#,
        r#"["bash", "run.sh", "-c"]"#,
        r#"["env", "python3", "-c", "print(1)"]"#,
        r#"["gcc", "-c", "x.c"]"#,
    ] {
        assert!(command(argv).is_empty(), "{argv}: {:?}", command(argv));
    }
}

#[test]
fn loader_and_interpreter_env_is_flagged_with_its_line() {
    for name in [
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "LD_BIND_NOW",
        "GCONV_PATH",
        "PYTHONSTARTUP",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONINSPECT",
        "PYTHONBREAKPOINT",
        "NODE_OPTIONS",
        "NODE_PATH",
        "BASH_ENV",
        "ENV",
        "PERL5LIB",
        "PERL5OPT",
        "RUBYOPT",
        "RUBYLIB",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "PATH",
        "IFS",
        "BASH_FUNC_ls%%",
    ] {
        let found = scan(&format!(
            "command = [\"python3\", \"main.py\"]\nenv = {{ LC_ALL = \"C\", {name:?} = \"x\" }}"
        ));
        assert_eq!(
            found,
            [(MANIFEST_LOADER_ENV.to_string(), Some(7))],
            "{name}"
        );
    }
    let table = scan(
        "command = [\"python3\", \"main.py\"]\n\n[run.env]\nLC_ALL = \"C\"\nLD_PRELOAD = \"/tmp/x.so\"",
    );
    assert_eq!(table, [(MANIFEST_LOADER_ENV.to_string(), Some(10))]);
}

#[test]
fn ordinary_env_passes() {
    for name in [
        "LC_ALL",
        "LANG",
        "TZ",
        "NODE_ENV",
        "PYTHONUNBUFFERED",
        "PYTHONIOENCODING",
        "MY_PATH",
    ] {
        let found = rules(&format!(
            "command = [\"python3\", \"main.py\"]\nenv = {{ {name:?} = \"x\" }}"
        ));
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

#[test]
fn command_outside_the_tool_and_system_folders_is_flagged() {
    for argv in [
        r#"["/tmp/payload"]"#,
        r#"["/home/me/.local/bin/tool"]"#,
        r#"["/usr/../tmp/payload"]"#,
        r#"["../other_tool/run.sh"]"#,
        r#"["./sub/../../x"]"#,
        r#"["~/bin/tool"]"#,
        r#"["python3", "/home/me/evil.py"]"#,
        r#"["python3", "../shared/main.py"]"#,
        r#"["node", "--require=/tmp/hook.js", "main.js"]"#,
        r#"["/dev/shm/x"]"#,
    ] {
        assert_eq!(command(argv), [MANIFEST_COMMAND_OUTSIDE], "{argv}");
    }
}

#[test]
fn tool_and_system_programs_pass() {
    for argv in [
        r#"["python3", "main.py"]"#,
        r#"["./run.sh"]"#,
        r#"["bin/tool", "--level=2"]"#,
        r#"["sub/../main.py"]"#,
        r#"["/usr/bin/python3", "main.py"]"#,
        r#"["/usr/local/bin/node", "main.js"]"#,
        r#"["/bin/sh", "run.sh"]"#,
        r#"["/opt/tool/bin/x"]"#,
        r#"["jq", ".[] | .name"]"#,
    ] {
        assert!(command(argv).is_empty(), "{argv}: {:?}", command(argv));
    }
}

#[test]
fn findings_name_the_command_line_and_fail_without_text() {
    let found = scan("input = \"none\"\ncommand = [\"/tmp/sh\", \"-c\", \"id\"]");
    assert_eq!(
        found,
        [
            (MANIFEST_SHELL_C.to_string(), Some(7)),
            (MANIFEST_COMMAND_OUTSIDE.to_string(), Some(7)),
        ]
    );
    let text = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"sh\", \"-c\", \"id\"]\n";
    let parsed = parse_manifest(text, Path::new("tool.toml")).expect("valid");
    let findings = scan_manifest(&parsed.manifest, None);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].line, None);
}
