//! seccomp filter of every run: sockets from an allow list of family, type and protocol
//! (never a Unix socket: the host's daemons listen on them, with or without network), no new
//! mounts, no kernel keyrings, no terminal injection; without network no sockets at all; with
//! it TCP and UDP over IPv4 and IPv6 only; for a service TCP only, and no TCP Fast Open (a
//! connect hidden in a send). On x86-64, no call of the
//! x32 ABI either: those numbers would pass every rule below; no `clone3`, whose
//! `CLONE_INTO_CGROUP` would leave the run's cgroups; no user namespace of the tool's own,
//! no joining a namespace, no file lease. Under the watchdog, no memory it cannot see.

use std::collections::BTreeMap;

use seccompiler::{
    BackendError, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch, sock_filter,
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
/// socket opcode would bypass the `socket()` rule), joining namespaces.
const ALWAYS_DENIED: [i64; 18] = [
    libc::SYS_setns,
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

/// Memory a process can fill without it ever showing in its resident size: a memfd written
/// but not mapped, a System V segment once detached, messages queued. A cgroup charges all of
/// them to the run; the watchdog, which sums resident sizes, sees none of them.
const UNSEEN_BY_WATCHDOG: [i64; 3] = [libc::SYS_memfd_create, libc::SYS_shmget, libc::SYS_msgget];

/// The socket type without `SOCK_NONBLOCK` / `SOCK_CLOEXEC`.
const SOCK_TYPE_MASK: u64 = 0xf;

/// The flags a socket type may carry, in every combination.
const TYPE_FLAGS: [libc::c_int; 4] = [
    0,
    libc::SOCK_NONBLOCK,
    libc::SOCK_CLOEXEC,
    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
];

/// The sockets a call may make: one of `families`, of one of `kinds`' types (with or without
/// `SOCK_NONBLOCK` and `SOCK_CLOEXEC`) and one of the protocols listed for that type.
struct Allowed {
    families: &'static [libc::c_int],
    kinds: &'static [(libc::c_int, &'static [libc::c_int])],
}

/// With network: TCP and UDP over IPv4 and IPv6, each named by 0 or its own number. Nothing
/// else: Landlock's TCP rules see only `IPPROTO_TCP` (another protocol on a stream socket,
/// MPTCP or SCTP, binds and connects to any port past them), and ICMP, raw, netlink, vsock
/// and the other families reach what the manifest never asked for.
const NETWORK: Allowed = Allowed {
    families: &[libc::AF_INET, libc::AF_INET6],
    kinds: &[
        (libc::SOCK_STREAM, &[0, libc::IPPROTO_TCP]),
        (libc::SOCK_DGRAM, &[0, libc::IPPROTO_UDP]),
    ],
};

/// A service: TCP only, whose ports Landlock rules.
const SERVICE: Allowed = Allowed {
    families: &[libc::AF_INET, libc::AF_INET6],
    kinds: &[(libc::SOCK_STREAM, &[0, libc::IPPROTO_TCP])],
};

/// `socketpair()`: a connected Unix pair, stream or sequenced, reaches nothing outside. A
/// datagram pair (`SOCK_DGRAM`, or `SOCK_RAW`, which a Unix socket takes for a datagram one)
/// could still `sendto()` any socket path.
const PAIRS: Allowed = Allowed {
    families: &[libc::AF_UNIX],
    kinds: &[(libc::SOCK_STREAM, &[0]), (libc::SOCK_SEQPACKET, &[0])],
};

impl Allowed {
    /// Rules matching every call that asks for another socket (the filter refuses what a rule
    /// matches): another family; another type, or flags beyond `SOCK_NONBLOCK` and
    /// `SOCK_CLOEXEC`; another protocol for the type.
    fn refusals(&self) -> Result<Vec<SeccompRule>, BackendError> {
        let other_family = self.families.iter().map(|family| arg_is_not(0, *family));
        let types = self
            .kinds
            .iter()
            .flat_map(|(kind, _)| TYPE_FLAGS.map(|flags| kind | flags));
        let other_type = types.map(|kind| arg_is_not(1, kind));
        let mut rules = vec![
            SeccompRule::new(other_family.collect::<Result<_, _>>()?)?,
            SeccompRule::new(other_type.collect::<Result<_, _>>()?)?,
        ];
        for (kind, protocols) in self.kinds {
            let this_type = SeccompCondition::new(
                1,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::MaskedEq(SOCK_TYPE_MASK),
                kind.unsigned_abs().into(),
            );
            let other_protocol = protocols.iter().map(|protocol| arg_is_not(2, *protocol));
            let conditions = std::iter::once(this_type).chain(other_protocol);
            rules.push(SeccompRule::new(conditions.collect::<Result<_, _>>()?)?);
        }
        Ok(rules)
    }
}

/// What the filter lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sockets {
    None,
    /// TCP and UDP over IPv4 or IPv6.
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

/// Installs the filter; calls it refuses fail with EPERM. `watchdog`: the run's memory is
/// limited by pid 1's watchdog, not a cgroup. Requires no_new_privs (or CAP_SYS_ADMIN).
pub(super) fn apply(sockets: Sockets, watchdog: bool) -> Result<String, SeccompError> {
    let program = build(sockets, watchdog)?;
    seccompiler::apply_filter(&program)?;
    let sockets = match sockets {
        Sockets::None => "no sockets",
        Sockets::Network => "tcp and udp sockets only",
        Sockets::Tcp => "tcp sockets only",
    };
    Ok(if watchdog {
        format!("{sockets}, no memfd, shm or message queues")
    } else {
        sockets.to_string()
    })
}

fn build(sockets: Sockets, watchdog: bool) -> Result<BpfProgram, BackendError> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    // An empty rule list matches on the syscall number alone.
    let unseen = UNSEEN_BY_WATCHDOG.iter().filter(|_| watchdog);
    for call in ALWAYS_DENIED.iter().chain(unseen) {
        rules.insert(*call, Vec::new());
    }
    rules.insert(libc::SYS_socketpair, PAIRS.refusals()?);
    let socket = match sockets {
        Sockets::None => Vec::new(),
        Sockets::Network => NETWORK.refusals()?,
        Sockets::Tcp => SERVICE.refusals()?,
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
    // A user namespace of its own would give the tool every capability in it, and with them
    // the kernel's most attacked interfaces (nf_tables, packet sockets, new mounts' file
    // systems). `clone3` is refused whole (see `clone3_unavailable`).
    let new_user_ns = libc::CLONE_NEWUSER;
    rules.insert(libc::SYS_unshare, vec![has_flag(0, new_user_ns)?]);
    rules.insert(libc::SYS_clone, vec![has_flag(0, new_user_ns)?]);
    // A lease on a file it can read lets a tool hold off every writer of that file on the
    // host for `lease-break-time` (45 s), again and again.
    rules.insert(
        libc::SYS_fcntl,
        vec![arg_is(1, libc::F_SETLEASE.unsigned_abs().into())?],
    );
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
    BpfProgram::try_from(filter).map(guarded)
}

/// Puts in front of `program` what its rules, which match exact call numbers and answer
/// EPERM, cannot say. Prepending is safe: BPF jumps are relative, so `program`'s own stay
/// as they were.
fn guarded(program: BpfProgram) -> BpfProgram {
    let mut guard = Vec::new();
    #[cfg(target_arch = "x86_64")]
    guard.extend(refuse_x32());
    guard.extend(clone3_unavailable());
    guard.extend(program);
    guard
}

/// Every x32 call refused (EPERM, as the rules' calls). A kernel built with the x32 ABI takes
/// a call number with bit 30 set as the x32 form of the same call, under the x86-64
/// architecture token: `socket` as `0x40000029` would meet no rule and be allowed.
#[cfg(target_arch = "x86_64")]
fn refuse_x32() -> [sock_filter; 5] {
    /// `AUDIT_ARCH_X86_64` of `<linux/audit.h>`: EM_X86_64 | 64-bit | little-endian.
    const AUDIT_ARCH_X86_64: u32 = 62 | 0x8000_0000 | 0x4000_0000;
    /// `__X32_SYSCALL_BIT`.
    const X32_CALL: u32 = 0x4000_0000;
    [
        // Another architecture is the program's to judge.
        op(LOAD, ARCH_AT, 0, 0),
        op(jump(libc::BPF_JEQ), AUDIT_ARCH_X86_64, 0, 3),
        op(LOAD, NUMBER_AT, 0, 0),
        op(jump(libc::BPF_JGE), X32_CALL, 0, 1),
        answer(libc::EPERM),
    ]
}

/// `clone3` answers ENOSYS, as on kernels before 5.3, and C libraries fall back to `clone`.
/// Its arguments lie in memory a filter cannot read, and one of them, `CLONE_INTO_CGROUP`,
/// starts the child in any cgroup v2 whose folder the tool can open and the user may
/// write to: out of the run's memory and process limits, although every `cgroup.procs` is on
/// a read-only mount.
fn clone3_unavailable() -> [sock_filter; 3] {
    [
        op(LOAD, NUMBER_AT, 0, 0),
        op(jump(libc::BPF_JEQ), libc::SYS_clone3 as u32, 0, 1),
        answer(libc::ENOSYS),
    ]
}

/// Loads a word of `seccomp_data` into the accumulator.
const LOAD: u32 = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
/// Offsets in `seccomp_data` of the call's number and of its architecture.
const NUMBER_AT: u32 = 0;
const ARCH_AT: u32 = 4;

/// A BPF instruction: `jt` and `jf` are how many instructions a jump skips.
fn op(code: u32, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// A conditional jump on the accumulator against a constant.
fn jump(test: u32) -> u32 {
    libc::BPF_JMP | test | libc::BPF_K
}

/// Ends the filter: the call fails with `errno`.
fn answer(errno: libc::c_int) -> sock_filter {
    op(
        libc::BPF_RET | libc::BPF_K,
        libc::SECCOMP_RET_ERRNO | errno.unsigned_abs(),
        0,
        0,
    )
}

/// Argument `index` (a C int) is not `value`.
fn arg_is_not(index: u8, value: libc::c_int) -> Result<SeccompCondition, BackendError> {
    SeccompCondition::new(
        index,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Ne,
        value.unsigned_abs().into(),
    )
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
            for watchdog in [false, true] {
                let program = super::build(sockets, watchdog).expect("filter builds");
                assert!(!program.is_empty());
            }
        }
    }

    /// Under the watchdog a memfd, a System V segment and a message queue are refused; with a
    /// cgroup, which charges them to the run, they are not.
    #[test]
    fn memory_the_watchdog_cannot_see_is_refused_under_it_only() {
        let seen = |watchdog: bool| {
            std::thread::spawn(move || {
                super::apply(super::Sockets::None, watchdog).expect("filter installs");
                let errno = |result: i64| {
                    (result == -1).then(|| std::io::Error::last_os_error().raw_os_error())
                };
                // SAFETY: a NUL-terminated name and integer arguments; what is made here is
                // removed below or goes with the process's private IPC objects at its end.
                unsafe {
                    let memfd = libc::syscall(libc::SYS_memfd_create, c"probe".as_ptr(), 0);
                    let shm = libc::shmget(libc::IPC_PRIVATE, 4096, libc::IPC_CREAT | 0o600);
                    let queue = libc::msgget(libc::IPC_PRIVATE, libc::IPC_CREAT | 0o600);
                    if memfd >= 0 {
                        libc::close(memfd as libc::c_int);
                    }
                    if shm >= 0 {
                        libc::shmctl(shm, libc::IPC_RMID, std::ptr::null_mut());
                    }
                    if queue >= 0 {
                        libc::msgctl(queue, libc::IPC_RMID, std::ptr::null_mut());
                    }
                    (errno(memfd), errno(shm.into()), errno(queue.into()))
                }
            })
            .join()
            .expect("thread ends")
        };
        let refused = Some(Some(libc::EPERM));
        assert_eq!(seen(true), (refused, refused, refused));
        assert_eq!(seen(false), (None, None, None));
    }

    /// The filter in force on a thread of its own (a filter binds the thread that installs
    /// it): an x32 call is refused with EPERM. Without the guard a kernel lacking the x32 ABI
    /// answers ENOSYS, and one that has it runs the call.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_calls_are_refused() {
        let errno = |result: libc::c_long| {
            (result == -1).then(|| std::io::Error::last_os_error().raw_os_error())
        };
        let seen = std::thread::spawn(move || {
            super::apply(super::Sockets::Network, false).expect("filter installs");
            // SAFETY: getpid and socket take integer arguments and touch no memory of ours.
            let x32_getpid = errno(unsafe { libc::syscall(0x4000_0000 | libc::SYS_getpid) });
            let getpid = errno(unsafe { libc::syscall(libc::SYS_getpid) });
            let x32_unix_socket = errno(unsafe {
                libc::syscall(
                    0x4000_0000 | libc::SYS_socket,
                    libc::AF_UNIX,
                    libc::SOCK_STREAM,
                    0,
                )
            });
            (x32_getpid, getpid, x32_unix_socket)
        })
        .join()
        .expect("thread ends");
        assert_eq!(
            seen,
            (Some(Some(libc::EPERM)), None, Some(Some(libc::EPERM)))
        );
    }

    /// `socket()` (and `socketpair()`) with these arguments under the filter of `sockets`, on
    /// a thread of its own: `None` when the socket was made, else the errno.
    fn made(sockets: super::Sockets, pair: bool, calls: &[(i32, i32, i32)]) -> Vec<Option<i32>> {
        let calls = calls.to_vec();
        std::thread::spawn(move || {
            super::apply(sockets, false).expect("filter installs");
            let made = |(family, kind, protocol): (i32, i32, i32)| {
                let mut fds = [-1; 2];
                // SAFETY: integer arguments and a two-descriptor array; what is made is
                // closed at once.
                let result = unsafe {
                    if pair {
                        libc::socketpair(family, kind, protocol, fds.as_mut_ptr())
                    } else {
                        fds[0] = libc::socket(family, kind, protocol);
                        fds[0]
                    }
                };
                let errno = std::io::Error::last_os_error().raw_os_error();
                for fd in fds.into_iter().filter(|fd| *fd >= 0) {
                    // SAFETY: a descriptor made just above.
                    unsafe { libc::close(fd) };
                }
                (result < 0).then_some(errno.unwrap_or(0))
            };
            calls.into_iter().map(made).collect()
        })
        .join()
        .expect("thread ends")
    }

    /// With network a tool makes TCP and UDP sockets over IPv4 and IPv6 (the protocol left to
    /// the kernel or named), a service TCP only, and nothing else passes: not another protocol
    /// on a stream socket (MPTCP, SCTP, which Landlock's TCP rules never see), not ICMP, raw,
    /// netlink or Unix sockets, not a type with an unknown flag.
    #[test]
    fn sockets_come_from_an_allow_list_of_family_type_and_protocol() {
        use libc::{AF_INET, AF_INET6, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};
        let flagged = SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        let tcp = [
            (AF_INET, SOCK_STREAM, 0),
            (AF_INET6, SOCK_STREAM, libc::IPPROTO_TCP),
            (AF_INET, flagged, 0),
        ];
        let udp = [
            (AF_INET, SOCK_DGRAM, 0),
            (AF_INET6, SOCK_DGRAM | libc::SOCK_CLOEXEC, libc::IPPROTO_UDP),
        ];
        let others = [
            (AF_INET, SOCK_STREAM, libc::IPPROTO_MPTCP),
            (AF_INET6, SOCK_STREAM, libc::IPPROTO_MPTCP),
            (AF_INET, SOCK_STREAM, libc::IPPROTO_SCTP),
            (AF_INET, SOCK_DGRAM, libc::IPPROTO_UDPLITE),
            (AF_INET, SOCK_DGRAM, libc::IPPROTO_ICMP),
            (AF_INET, SOCK_RAW, libc::IPPROTO_RAW),
            (libc::AF_NETLINK, SOCK_RAW, 0),
            (libc::AF_UNIX, SOCK_STREAM, 0),
            (AF_INET, SOCK_STREAM | 0x100, 0),
        ];
        let refused = Some(libc::EPERM);
        let network = made(
            super::Sockets::Network,
            false,
            &[&tcp[..], &udp[..]].concat(),
        );
        assert!(network.iter().all(Option::is_none), "{network:?}");
        let service = made(super::Sockets::Tcp, false, &tcp);
        assert!(service.iter().all(Option::is_none), "{service:?}");
        for sockets in [super::Sockets::Network, super::Sockets::Tcp] {
            let seen = made(sockets, false, &others);
            assert!(seen.iter().all(|e| *e == refused), "{sockets:?}: {seen:?}");
        }
        let service_udp = made(super::Sockets::Tcp, false, &udp);
        assert!(service_udp.iter().all(|e| *e == refused), "{service_udp:?}");
        let none = made(super::Sockets::None, false, &[&tcp[..], &udp[..]].concat());
        assert!(none.iter().all(|e| *e == refused), "{none:?}");
    }

    /// Whatever the network, a socket pair is a connected Unix stream or sequenced pair: a
    /// datagram pair, asked for as `SOCK_DGRAM` or as `SOCK_RAW` (which a Unix socket turns
    /// into a datagram one), could send to any socket path of the host.
    #[test]
    fn socket_pairs_are_connected_unix_streams_only() {
        use libc::{AF_UNIX, SOCK_SEQPACKET, SOCK_STREAM};
        let connected = [
            (AF_UNIX, SOCK_STREAM, 0),
            (AF_UNIX, SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0),
        ];
        let others = [
            (AF_UNIX, libc::SOCK_DGRAM, 0),
            (AF_UNIX, libc::SOCK_RAW, 0),
            (AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_NONBLOCK, 0),
            (libc::AF_TIPC, SOCK_STREAM, 0),
        ];
        let sockets = [
            super::Sockets::None,
            super::Sockets::Network,
            super::Sockets::Tcp,
        ];
        for sockets in sockets {
            let seen = made(sockets, true, &connected);
            assert!(seen.iter().all(Option::is_none), "{sockets:?}: {seen:?}");
            let seen = made(sockets, true, &others);
            let refused = Some(libc::EPERM);
            assert!(seen.iter().all(|e| *e == refused), "{sockets:?}: {seen:?}");
        }
    }

    /// Under the filter the kernel's keyrings, which are not namespaced (a tool could read or
    /// fill its user's), are out of reach; without it these calls answer with a key id,
    /// ENOKEY or success.
    #[test]
    fn keyrings_are_out_of_reach() {
        let seen = std::thread::spawn(|| {
            super::apply(super::Sockets::None, false).expect("filter installs");
            let errno = |result: libc::c_long| {
                (result == -1).then(|| std::io::Error::last_os_error().raw_os_error())
            };
            // KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, KEY_SPEC_PROCESS_KEYRING.
            let (get_id, session, process) = (0, -3, -2);
            // SAFETY: NUL-terminated strings and integer arguments; a key made would go with
            // this thread's process keyring.
            unsafe {
                (
                    errno(libc::syscall(libc::SYS_keyctl, get_id, session, 1)),
                    errno(libc::syscall(
                        libc::SYS_add_key,
                        c"user".as_ptr(),
                        c"probe".as_ptr(),
                        c"x".as_ptr(),
                        1usize,
                        process,
                    )),
                    errno(libc::syscall(
                        libc::SYS_request_key,
                        c"user".as_ptr(),
                        c"probe".as_ptr(),
                        std::ptr::null::<libc::c_char>(),
                        0,
                    )),
                )
            }
        })
        .join()
        .expect("thread ends");
        let refused = Some(Some(libc::EPERM));
        assert_eq!(seen, (refused, refused, refused));
    }

    /// Under the filter a tool makes no user namespace and joins none, and takes no lease;
    /// without it these answer EINVAL (this process has threads), EBADF and success.
    #[test]
    fn no_user_namespace_no_setns_no_lease() {
        let file = tempfile::NamedTempFile::new().expect("file");
        let path = file.path().to_path_buf();
        let seen = std::thread::spawn(move || {
            super::apply(super::Sockets::None, false).expect("filter installs");
            let errno = |result: libc::c_int| {
                (result == -1).then(|| std::io::Error::last_os_error().raw_os_error())
            };
            let file = std::fs::File::open(path).expect("open");
            let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
            // SAFETY: integer arguments only; the descriptor is ours.
            unsafe {
                (
                    errno(libc::unshare(libc::CLONE_NEWUSER)),
                    errno(libc::setns(-1, 0)),
                    errno(libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK)),
                )
            }
        })
        .join()
        .expect("thread ends");
        let refused = Some(Some(libc::EPERM));
        assert_eq!(seen, (refused, refused, refused));
    }

    /// Under the filter `clone3` answers ENOSYS (without it, these arguments get EINVAL), and
    /// a thread, which the C library would start with `clone3`, still starts through `clone`.
    #[test]
    fn clone3_is_unavailable_and_threads_still_start() {
        let seen = std::thread::spawn(|| {
            super::apply(super::Sockets::None, false).expect("filter installs");
            // SAFETY: clone3 with no arguments reads no memory and starts nothing.
            let result = unsafe { libc::syscall(libc::SYS_clone3, std::ptr::null::<u8>(), 0) };
            let errno = std::io::Error::last_os_error().raw_os_error();
            let thread = std::thread::spawn(|| 7).join().ok();
            (result, errno, thread)
        })
        .join()
        .expect("thread ends");
        assert_eq!(seen, (-1, Some(libc::ENOSYS), Some(7)));
    }
}
