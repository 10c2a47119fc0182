//! The helper's command line: `[exe, HELPER_ARG, <policy json>, "--", command...]`.

use std::ffi::OsString;
use std::path::Path;

use super::policy::SandboxPolicy;

/// First argument that switches the toolbench binary into helper mode.
pub const HELPER_ARG: &str = "__sandbox-exec";

/// A helper command line the helper refuses (exit 125).
#[derive(Debug, thiserror::Error)]
pub(super) enum ArgsError {
    #[error("no command given after --")]
    NoCommand,
    #[error("usage: {HELPER_ARG} <policy json> -- command [args...]")]
    Usage,
    #[error("no policy in {0}")]
    NoPolicy(&'static str),
    #[error("policy argument is not UTF-8")]
    PolicyNotUtf8,
    #[error("malformed policy argument")]
    MalformedPolicy(#[source] serde_json::Error),
}

/// A validated helper command line.
#[derive(Debug)]
pub(super) struct HelperArgs {
    pub(crate) policy: SandboxPolicy,
    /// argv of the tool; never empty.
    pub(crate) command: Vec<OsString>,
}

pub(super) fn build(exe: &Path, policy: &SandboxPolicy, command: &[String]) -> Vec<OsString> {
    let mut argv = program(exe, command);
    argv.insert(POLICY_AT, OsString::from(policy_json(policy)));
    argv
}

/// Where the policy stands in the argv `build` makes.
const POLICY_AT: usize = 2;

/// The helper's argv as a program gets it: `[exe, HELPER_ARG, "--", command...]`.
pub(super) fn program(exe: &Path, command: &[String]) -> Vec<OsString> {
    let mut argv = Vec::with_capacity(command.len() + 4);
    argv.push(exe.as_os_str().to_os_string());
    argv.push(OsString::from(HELPER_ARG));
    argv.push(OsString::from("--"));
    argv.extend(command.iter().map(OsString::from));
    argv
}

pub(super) fn policy_json(policy: &SandboxPolicy) -> String {
    // Serializing only fails for non-UTF-8 paths; the helper then rejects the
    // argument with exit 125 and this message on stderr.
    serde_json::to_string(policy).unwrap_or_else(|e| format!("unserializable sandbox policy: {e}"))
}

/// The helper's argv as `build` makes it, from a program's `[exe, HELPER_ARG, "--", ...]`
/// and the policy in the variable `var`, which then leaves the environment: nothing the
/// helper starts inherits it.
pub(super) fn with_policy_from(
    mut args: Vec<OsString>,
    var: &'static str,
) -> Result<Vec<OsString>, ArgsError> {
    let policy = std::env::var_os(var).ok_or(ArgsError::NoPolicy(var))?;
    // SAFETY: the helper starts with one thread, before anything else reads the environment.
    unsafe { std::env::remove_var(var) };
    if args.len() < POLICY_AT {
        return Err(ArgsError::Usage);
    }
    args.insert(POLICY_AT, policy);
    Ok(args)
}

pub(super) fn parse(args: &[OsString]) -> Result<HelperArgs, ArgsError> {
    match args {
        [_exe, mode, policy, sep, command @ ..] if mode == HELPER_ARG && sep == "--" => {
            if command.is_empty() {
                return Err(ArgsError::NoCommand);
            }
            let policy = parse_policy(policy)?;
            Ok(HelperArgs {
                policy,
                command: command.to_vec(),
            })
        }
        _ => Err(ArgsError::Usage),
    }
}

fn parse_policy(raw: &OsString) -> Result<SandboxPolicy, ArgsError> {
    let text = raw.to_str().ok_or(ArgsError::PolicyNotUtf8)?;
    serde_json::from_str(text).map_err(ArgsError::MalformedPolicy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn policy() -> SandboxPolicy {
        SandboxPolicy::fixture()
    }

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn helper_argv_round_trips_policy_and_command() {
        let cmd = vec!["python3".to_string(), "-c".into(), "print('a b')".into()];
        let argv = build(Path::new("/usr/bin/toolbench"), &policy(), &cmd);
        assert_eq!(argv[0], "/usr/bin/toolbench");
        assert_eq!(argv[1], HELPER_ARG);
        assert_eq!(argv[3], "--");
        let parsed = parse(&argv).expect("argv parses back");
        let p = parsed.policy;
        assert_eq!(p.scratch_dir, PathBuf::from("/tmp/scratch dir"));
        assert_eq!((p.memory_mb, p.cpu_secs, p.max_open_files), (256, 10, 64));
        assert_eq!((p.max_file_size_mb, p.max_processes), (16, 32));
        assert!(!p.network);
        assert_eq!(p.report_path, PathBuf::from("/tmp/report.json"));
        assert_eq!(p.hide, vec![PathBuf::from("/root/.ssh")]);
        assert_eq!((p.disk_mb, p.env.len()), (100, 1));
        assert_eq!(parsed.command, os(&["python3", "-c", "print('a b')"]));
    }

    #[test]
    fn command_may_itself_contain_double_dash() {
        let cmd = vec!["echo".to_string(), "--".into(), "x".into()];
        let argv = build(Path::new("tb"), &policy(), &cmd);
        let parsed = parse(&argv).expect("argv parses back");
        assert_eq!(parsed.command, os(&["echo", "--", "x"]));
    }

    #[test]
    fn malformed_arguments_are_rejected() {
        let good = serde_json::to_string(&policy()).expect("serializes");
        assert!(parse(&os(&["tb", HELPER_ARG])).is_err());
        assert!(parse(&os(&["tb", HELPER_ARG, &good, "--"])).is_err());
        assert!(parse(&os(&["tb", HELPER_ARG, &good, "x", "true"])).is_err());
        assert!(parse(&os(&["tb", "other", &good, "--", "true"])).is_err());
        let err = parse(&os(&["tb", HELPER_ARG, "{", "--", "true"])).expect_err("bad json");
        let line = crate::error_chain::one_line(&err);
        assert!(
            line.starts_with("malformed policy argument: EOF while parsing"),
            "{line}"
        );
    }
}
