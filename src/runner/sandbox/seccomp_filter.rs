//! seccomp filter of every run: no Unix sockets (the host's daemons listen
//! on them, with or without network), no new mounts, no kernel keyrings, no
//! terminal injection; without network no sockets at all; for a service only
//! TCP sockets, and no TCP Fast Open (a connect hidden in a send).

use std::collections::BTreeMap;

use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

/// Why no seccomp filter is installed.
#[derive(Debug, thiserror::Error)]
pub(super) enum SeccompError {
    #[error(transparent)]
    Build(#[from] BackendError),
    #[error(transparent)]
    Install(#[from] seccompiler::Error),
}

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

/// Socket types other than a stream, refused to a service (UDP and raw sockets are beyond
/// Landlock's TCP rules).
const NOT_STREAM: [libc::c_int; 5] = [
    libc::SOCK_DGRAM,
    libc::SOCK_RAW,
    libc::SOCK_RDM,
    libc::SOCK_SEQPACKET,
    libc::SOCK_DCCP,
];

/// What the filter lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sockets {
    None,
    /// Everything but Unix sockets.
    Network,
    /// TCP over IPv4 or IPv6 only (a service).
    Tcp,
}

impl Sockets {
    pub(super) fn of(network: bool, service: bool) -> Self {
        match (network, service) {
            (false, _) => Sockets::None,
            (true, false) => Sockets::Network,
            (true, true) => Sockets::Tcp,
        }
    }
}

/// Installs the filter; calls it refuses fail with EPERM. Requires
/// no_new_privs (or CAP_SYS_ADMIN).
pub(super) fn apply(sockets: Sockets) -> Result<String, SeccompError> {
    let program = build(sockets)?;
    seccompiler::apply_filter(&program)?;
    Ok(match sockets {
        Sockets::None => "no sockets",
        Sockets::Network => "no unix sockets",
        Sockets::Tcp => "tcp sockets only",
    }
    .to_string())
}

fn build(sockets: Sockets) -> Result<BpfProgram, BackendError> {
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
    let socket = match sockets {
        Sockets::None => Vec::new(),
        Sockets::Network => vec![arg_is(0, libc::AF_UNIX.unsigned_abs().into())?],
        Sockets::Tcp => tcp_only()?,
    };
    rules.insert(libc::SYS_socket, socket);
    if sockets == Sockets::Tcp {
        // sendto/sendmsg flags are arguments 3 and 2; sendmmsg's are its fourth.
        for (call, flags) in [
            (libc::SYS_sendto, 3),
            (libc::SYS_sendmsg, 2),
            (libc::SYS_sendmmsg, 3),
        ] {
            rules.insert(call, vec![has_flag(flags, libc::MSG_FASTOPEN)?]);
        }
    }
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

/// The `socket()` calls refused to a service: any family but IPv4 and IPv6, any type but
/// a stream.
fn tcp_only() -> Result<Vec<SeccompRule>, BackendError> {
    let family_is_not = |family: libc::c_int| {
        SeccompCondition::new(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::Ne,
            family.unsigned_abs().into(),
        )
    };
    let mut rules = vec![SeccompRule::new(vec![
        family_is_not(libc::AF_INET)?,
        family_is_not(libc::AF_INET6)?,
    ])?];
    for kind in NOT_STREAM {
        let cond = SeccompCondition::new(
            1,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK),
            kind.unsigned_abs().into(),
        )?;
        rules.push(SeccompRule::new(vec![cond])?);
    }
    Ok(rules)
}

/// Argument `index` has every bit of `flag` set.
fn has_flag(index: u8, flag: libc::c_int) -> Result<SeccompRule, BackendError> {
    let bits: u64 = flag.unsigned_abs().into();
    let cond = SeccompCondition::new(
        index,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::MaskedEq(bits),
        bits,
    )?;
    SeccompRule::new(vec![cond])
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
        for sockets in [
            super::Sockets::None,
            super::Sockets::Network,
            super::Sockets::Tcp,
        ] {
            let program = super::build(sockets).expect("filter builds");
            assert!(!program.is_empty());
        }
    }
}
