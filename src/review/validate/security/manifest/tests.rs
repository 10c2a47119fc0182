use super::*;
use crate::catalog::manifest::parse_manifest;

/// Findings (rule, line) for a manifest whose `[run]` holds `run_lines`.
fn scan(run_lines: &str) -> Vec<(String, Option<usize>)> {
    scan_text(&format!(
        "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n\n[run]\n{run_lines}\n"
    ))
    .into_iter()
    .map(|f| (f.rule, f.line))
    .collect()
}

/// The findings of the manifest `text`.
fn scan_text(text: &str) -> Vec<Finding> {
    let parsed = parse_manifest(text, Path::new("tool.toml")).expect("valid manifest");
    let findings = scan_manifest(&parsed.manifest, Some(text));
    for f in &findings {
        assert_eq!(f.file, "tool.toml");
        assert_eq!(f.severity, FindingSeverity::Error);
        assert_eq!(f.check, CheckKind::Security);
    }
    findings
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

#[test]
fn shell_c_behind_every_wrapper_is_flagged() {
    for argv in [
        r#"["timeout", "5", "sh", "-c", "id"]"#,
        r#"["timeout", "-s", "KILL", "-k5", "10", "bash", "-c", "id"]"#,
        r#"["timeout", "--signal", "TERM", "--foreground", "5s", "sh", "-c", "id"]"#,
        r#"["nice", "sh", "-c", "id"]"#,
        r#"["nice", "-n", "10", "sh", "-c", "id"]"#,
        r#"["nice", "-n10", "sh", "-c", "id"]"#,
        r#"["nice", "--adjustment", "5", "sh", "-c", "id"]"#,
        r#"["nice", "-5", "sh", "-c", "id"]"#,
        r#"["setsid", "sh", "-c", "id"]"#,
        r#"["setsid", "-f", "-w", "sh", "-c", "id"]"#,
        r#"["stdbuf", "-oL", "sh", "-c", "id"]"#,
        r#"["stdbuf", "-o", "0", "-e", "0", "sh", "-c", "id"]"#,
        r#"["stdbuf", "--output=L", "sh", "-c", "id"]"#,
        r#"["env", "-S", "timeout 5 sh -c 'id; whoami'"]"#,
        r#"["env", "-iS", "sh -c id"]"#,
        r#"["env", "--split-string=-i A=1 sh -c id"]"#,
        r#"["env", "-S-i", "sh", "-c", "id"]"#,
        r#"["env", "-", "sh", "-c", "id"]"#,
        r#"["env", "-C", "/usr", "sh", "-c", "id"]"#,
        r#"["find", ".", "-exec", "sh", "-c", "id", ";"]"#,
        r#"["find", ".", "-name", "x", "-execdir", "bash", "-c", "id", "{}", "+"]"#,
        r#"["find", "-L", ".", "-ok", "sh", "-c", "id", ";"]"#,
        r#"["find", ".", "-exec", "echo", "{}", ";", "-okdir", "sh", "-c", "id", ";"]"#,
        r#"["xargs", "sh", "-c", "id"]"#,
        r#"["xargs", "-0", "-n", "1", "-P", "4", "sh", "-c", "id"]"#,
        r#"["xargs", "-I{}", "sh", "-c", "echo {}"]"#,
        r#"["xargs", "-I", "{}", "sh", "-c", "echo {}"]"#,
        r#"["xargs", "--max-args", "1", "sh", "-c", "id"]"#,
        r#"["nohup", "sh", "-c", "id"]"#,
        r#"["ionice", "-c", "3", "sh", "-c", "id"]"#,
        r#"["taskset", "-c", "0", "sh", "-c", "id"]"#,
        r#"["chrt", "-b", "0", "sh", "-c", "id"]"#,
        r#"["time", "-f", "%e", "sh", "-c", "id"]"#,
        r#"["setpriv", "--reuid", "1000", "sh", "-c", "id"]"#,
        r#"["prlimit", "--nofile=10", "sh", "-c", "id"]"#,
        r#"["busybox", "timeout", "5", "sh", "-c", "id"]"#,
        r#"["timeout", "5", "nice", "-n", "5", "env", "A=1", "xargs", "sh", "-c", "id"]"#,
        r#"["find", ".", "-exec", "timeout", "5", "sh", "-c", "id", ";"]"#,
    ] {
        assert_eq!(command(argv), [MANIFEST_SHELL_C], "{argv}");
    }
}

#[test]
fn programs_that_hand_a_string_to_a_shell_are_flagged() {
    for argv in [
        r#"["flock", "lock", "-c", "id"]"#,
        r#"["flock", "-w", "5", "lock", "--command", "id"]"#,
        r#"["watch", "-n", "1", "ls"]"#,
        r#"["script", "-qc", "id", "out"]"#,
        r#"["script", "out", "--command=id"]"#,
        r#"["awk", "BEGIN { system(\"id\") }"]"#,
        r#"["awk", "BEGIN{system (\"id\")}"]"#,
        r#"["gawk", "{ print | \"sh\" }"]"#,
        r#"["awk", "BEGIN { \"id\" | getline x; print x }"]"#,
        r#"["gawk", "BEGIN { \"sh\" |& getline }"]"#,
        r#"["awk", "-F:", "-v", "a=1", "{ print $1 | \"sort\" }", "data"]"#,
        r#"["gawk", "-e", "BEGIN { system(\"id\") }"]"#,
        r#"["timeout", "5", "awk", "BEGIN { system(\"id\") }"]"#,
    ] {
        assert_eq!(command(argv), [MANIFEST_SHELL_C], "{argv}");
    }
}

#[test]
fn inline_code_of_every_interpreter_is_flagged_under_its_own_rule() {
    for argv in [
        r#"["python3", "-c", "print(1)"]"#,
        r#"["python", "-Ic", "print(1)"]"#,
        r#"["/usr/bin/python3.12", "-u", "-cprint(1)"]"#,
        r#"["python3", "-W", "ignore", "-c", "print(1)"]"#,
        r#"["pypy3", "-c", "print(1)"]"#,
        r#"["node", "-e", "1"]"#,
        r#"["node", "-p", "1"]"#,
        r#"["node", "-pe", "1"]"#,
        r#"["nodejs", "--eval", "1"]"#,
        r#"["node", "--print=1"]"#,
        r#"["node", "-r", "./hook.js", "-e", "1"]"#,
        r#"["bun", "-e", "1"]"#,
        r#"["deno", "eval", "1"]"#,
        r#"["perl", "-e", "print 1"]"#,
        r#"["perl", "-E", "say 1"]"#,
        r#"["perl", "-lne", "print"]"#,
        r#"["perl", "-0777ne", "print"]"#,
        r#"["perl", "-Mstrict", "-we", "print 1"]"#,
        r#"["ruby", "-e", "p 1"]"#,
        r#"["ruby", "-ne", "p 1"]"#,
        r#"["ruby", "-E", "UTF-8", "-e", "p 1"]"#,
        r#"["php", "-r", "echo 1;"]"#,
        r#"["lua", "-e", "print(1)"]"#,
        r#"["Rscript", "-e", "1"]"#,
        r#"["env", "python3", "-c", "print(1)"]"#,
        r#"["timeout", "5", "python3", "-c", "print(1)"]"#,
        r#"["find", ".", "-exec", "perl", "-e", "1", ";"]"#,
        r#"["xargs", "node", "-e", "1"]"#,
    ] {
        assert_eq!(command(argv), [MANIFEST_INLINE_CODE], "{argv}");
    }
}

#[test]
fn programs_run_from_files_and_plain_wrappers_pass() {
    for argv in [
        r#"["python3", "main.py"]"#,
        r#"["python3", "-u", "main.py", "-c", "x"]"#,
        r#"["python3", "-m", "pytest", "-c", "setup.cfg"]"#,
        r#"["python3", "-W", "ignore", "main.py"]"#,
        r#"["timeout", "5", "python3", "main.py"]"#,
        r#"["timeout", "-s", "KILL", "5", "sh", "run.sh"]"#,
        r#"["nice", "-n", "5", "python3", "main.py"]"#,
        r#"["setsid", "sh", "run.sh"]"#,
        r#"["stdbuf", "-oL", "python3", "main.py"]"#,
        r#"["env", "-u", "HOME", "python3", "main.py"]"#,
        r#"["env", "-S", "python3 -u main.py"]"#,
        r#"["find", ".", "-name", "x"]"#,
        r#"["find", ".", "-name", "*.py", "-print"]"#,
        r#"["find", ".", "-exec", "grep", "-c", "x", "{}", "+"]"#,
        r#"["xargs", "grep", "-c", "x"]"#,
        r#"["xargs"]"#,
        r#"["flock", "lock", "python3", "main.py"]"#,
        r#"["watch", "-x", "python3", "main.py"]"#,
        r#"["script", "-q", "out"]"#,
        r#"["awk", "{ print $1 }"]"#,
        r#"["awk", "-F:", "$1 ~ /a|b/ { n++ } END { print n }", "data"]"#,
        r#"["awk", "$1 == \"a|b\" || $2 { print }"]"#,
        r#"["awk", "-f", "prog.awk", "data"]"#,
        r#"["node", "main.js", "-e", "x"]"#,
        r#"["node", "--no-warnings", "main.js"]"#,
        r#"["perl", "-Mstrict", "-I", "lib", "main.pl"]"#,
        r#"["perl", "-MData::Dumper", "main.pl"]"#,
        r#"["ruby", "-E", "UTF-8", "main.rb"]"#,
        r#"["deno", "run", "main.ts"]"#,
        r#"["taskset", "-p", "1"]"#,
        r#"["timeout", "5"]"#,
        r#"["busybox", "--list"]"#,
        r#"["jq", "-r", ".[] | .name"]"#,
        r#"["./script", "-c", "config.json"]"#,
        r#"["bin/timeout", "5", "sh", "-c", "x"]"#,
    ] {
        assert!(command(argv).is_empty(), "{argv}: {:?}", command(argv));
    }
}

#[test]
fn wrappers_nested_past_the_limit_are_flagged() {
    let wrappers = vec!["\"nohup\""; 20].join(", ");
    let found = command(&format!("[{wrappers}, \"python3\", \"main.py\"]"));
    assert_eq!(found, [MANIFEST_SHELL_C]);
}

#[test]
fn the_finding_names_the_wrappers_it_hides_behind() {
    let text = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"timeout\", \"5\", \"nice\", \"sh\", \"-c\", \"id\"]\n";
    let findings = scan_text(text);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        "command runs `sh -c` behind timeout, nice: a shell command string instead of an argv"
    );
}

/// A service manifest: `[run]` holds `run_lines`, `[service]` holds `service_lines`.
fn service(run_lines: &str, service_lines: &str) -> Vec<(String, Option<usize>)> {
    scan_text(&format!(
        "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n\n[run]\n{run_lines}\n\n[service]\nport = \"auto\"\n{service_lines}\n"
    ))
    .into_iter()
    .map(|f| (f.rule, f.line))
    .collect()
}

#[test]
fn launch_args_are_scanned_with_the_command_at_their_own_line() {
    let found = service(
        "command = [\"sh\"]",
        "launch_args = [\"-c\", \"nc -l {port}\"]",
    );
    assert_eq!(found, [(MANIFEST_SHELL_C.to_string(), Some(10))]);
    let found = service(
        "command = [\"/usr/bin/python3\"]",
        "launch_args = [\"-c\", \"import x\"]",
    );
    assert_eq!(found, [(MANIFEST_INLINE_CODE.to_string(), Some(10))]);
    let found = service(
        "command = [\"timeout\", \"1d\"]",
        "launch_args = [\"bash\", \"-lc\", \"x\"]",
    );
    assert_eq!(found, [(MANIFEST_SHELL_C.to_string(), Some(10))]);
    let found = service(
        "command = [\"python3\"]",
        "launch_args = [\"/home/me/server.py\", \"--port\", \"{port}\"]",
    );
    assert_eq!(found, [(MANIFEST_COMMAND_OUTSIDE.to_string(), Some(10))]);
    // In the command itself the finding names the command's line.
    let found = service(
        "command = [\"sh\", \"-c\", \"x\"]",
        "launch_args = [\"--port\", \"{port}\"]",
    );
    assert_eq!(found, [(MANIFEST_SHELL_C.to_string(), Some(6))]);
}

#[test]
fn a_service_launched_from_a_file_passes() {
    let found = service(
        "command = [\"/usr/bin/python3\"]",
        "launch_args = [\"server.py\", \"--port\", \"{port}\"]",
    );
    assert!(found.is_empty(), "{found:?}");
}
