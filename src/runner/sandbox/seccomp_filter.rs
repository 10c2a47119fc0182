//! seccomp filter for runs without network: only `AF_UNIX` sockets.

use std::collections::BTreeMap;

use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

/// Makes `socket()`/`socketpair()` fail with EPERM for every domain but
/// `AF_UNIX`, and `io_uring_setup()` always (its socket opcode would bypass
/// the `socket()` rule). Requires no_new_privs (or CAP_SYS_ADMIN).
pub(super) fn deny_network_sockets() -> Result<(), String> {
    let program = build().map_err(|e| e.to_string())?;
    seccompiler::apply_filter(&program).map_err(|e| e.to_string())
}

fn build() -> Result<BpfProgram, BackendError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    rules.insert(libc::SYS_socket, vec![domain_is_not_unix()?]);
    rules.insert(libc::SYS_socketpair, vec![domain_is_not_unix()?]);
    // An empty rule list matches on the syscall number alone.
    rules.insert(libc::SYS_io_uring_setup, Vec::new());
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM.unsigned_abs()),
        arch,
    )?;
    BpfProgram::try_from(filter)
}

fn domain_is_not_unix() -> Result<SeccompRule, BackendError> {
    // The domain is a C int: compare only the low 32 bits.
    let cond = SeccompCondition::new(
        0,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Ne,
        libc::AF_UNIX.unsigned_abs().into(),
    )?;
    SeccompRule::new(vec![cond])
}

#[cfg(test)]
mod tests {
    #[test]
    fn filter_compiles_for_this_architecture() {
        let program = super::build().expect("filter builds");
        assert!(!program.is_empty());
    }
}
