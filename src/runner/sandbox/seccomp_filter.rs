//! seccomp filter of every run: no Unix sockets (the host's daemons listen
//! on them, with or without network), no new mounts, no kernel keyrings, no
//! terminal injection; without network no sockets at all.

use std::collections::BTreeMap;

use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

/// Calls a tool never needs and that would reach past the sandbox's other
/// layers: mounts (which could uncover hidden paths), keyrings (not
/// namespaced), BPF and perf (kernel attack surface), `io_uring` (its
/// socket opcode would bypass the `socket()` rule).
const ALWAYS_DENIED: [i64; 17] = [
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_open_tree,
    libc::SYS_move_mount,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_io_uring_setup,
    libc::SYS_userfaultfd,
];

/// The socket type without `SOCK_NONBLOCK` / `SOCK_CLOEXEC`.
const SOCK_TYPE_MASK: u64 = 0xf;

/// Installs the filter; calls it refuses fail with EPERM. Requires
/// no_new_privs (or CAP_SYS_ADMIN).
pub(super) fn apply(network: bool) -> Result<String, String> {
    let program = build(network).map_err(|e| e.to_string())?;
    seccompiler::apply_filter(&program).map_err(|e| e.to_string())?;
    Ok(if network {
        "no unix sockets".to_string()
    } else {
        "no sockets".to_string()
    })
}

fn build(network: bool) -> Result<BpfProgram, BackendError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    // An empty rule list matches on the syscall number alone.
    for call in ALWAYS_DENIED {
        rules.insert(call, Vec::new());
    }
    // A connected stream pair reaches nothing outside; a datagram one could
    // still `sendto()` any socket path.
    let datagram = SeccompCondition::new(
        1,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK),
        libc::SOCK_DGRAM.unsigned_abs().into(),
    )?;
    rules.insert(
        libc::SYS_socketpair,
        vec![SeccompRule::new(vec![datagram])?],
    );
    let socket = if network {
        vec![arg_is(0, libc::AF_UNIX.unsigned_abs().into())?]
    } else {
        Vec::new()
    };
    rules.insert(libc::SYS_socket, socket);
    rules.insert(
        libc::SYS_ioctl,
        vec![arg_is(1, libc::TIOCSTI), arg_is(1, libc::TIOCLINUX)]
            .into_iter()
            .collect::<Result<_, _>>()?,
    );
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM.unsigned_abs()),
        arch,
    )?;
    BpfProgram::try_from(filter)
}

/// Argument `index` (a C int: only the low 32 bits count) equals `value`.
fn arg_is(index: u8, value: u64) -> Result<SeccompRule, BackendError> {
    let cond = SeccompCondition::new(index, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, value)?;
    SeccompRule::new(vec![cond])
}

#[cfg(test)]
mod tests {
    #[test]
    fn filter_compiles_for_this_architecture() {
        for network in [false, true] {
            let program = super::build(network).expect("filter builds");
            assert!(!program.is_empty());
        }
    }
}
