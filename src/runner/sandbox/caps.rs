//! Capabilities: none for the tool. Inside its user namespace the helper
//! holds every capability (it needs them to mount), and a tool running as
//! uid 0 would get them back at exec; with them it could unmount what hides
//! the user's secrets. Emptying the bounding set and the current sets
//! before exec leaves it nothing to regain.

use std::io;

/// Why the tool may still hold a capability.
#[derive(Debug, thiserror::Error)]
pub(super) enum CapsError {
    #[error("capset")]
    Set(#[source] io::Error),
    #[error("capget")]
    Get(#[source] io::Error),
    #[error("capabilities remain after dropping them")]
    Remain,
    #[error("uid 0 without CAP_SETPCAP: exec could grant capabilities")]
    RootWithBoundingSet,
    #[error("the tool's process ended before it dropped them")]
    NotDropped,
}

/// `_LINUX_CAPABILITY_VERSION_3`.
const CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Drops every capability of the calling process for good.
pub(super) fn drop_all() -> Result<String, CapsError> {
    let mut bounding_dropped = true;
    for cap in 0..=63 {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) } != 0 {
            match io::Error::last_os_error().raw_os_error() {
                // Past the last capability this kernel knows.
                Some(libc::EINVAL) => break,
                _ => bounding_dropped = false,
            }
        }
    }
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        );
    }
    set(&[CapData::default(); 2])?;
    let left = get()?;
    if left.iter().any(|d| d.permitted != 0 || d.effective != 0) {
        return Err(CapsError::Remain);
    }
    if !bounding_dropped && rustix::process::getuid().is_root() {
        return Err(CapsError::RootWithBoundingSet);
    }
    Ok(String::new())
}

/// Keeps `CAP_SYS_PTRACE` alone, where held: pid 1 serving the write broker reads the tool's
/// memory and `/proc` folders (of a tool that made itself undumpable too), and acts on files
/// with no more rights than the tool's own.
pub(super) fn keep_only_ptrace() -> Result<(), CapsError> {
    // CAP_SYS_PTRACE of linux/capability.h.
    const SYS_PTRACE: u32 = 1 << 19;
    let held = get()?;
    let mut kept = [CapData::default(); 2];
    kept[0].permitted = held[0].permitted & SYS_PTRACE;
    kept[0].effective = held[0].permitted & SYS_PTRACE;
    set(&kept)?;
    let left = get()?;
    if left[1].permitted != 0 || left[0].permitted & !SYS_PTRACE != 0 {
        return Err(CapsError::Remain);
    }
    Ok(())
}

fn set(data: &[CapData; 2]) -> Result<(), CapsError> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: capset reads a v3 header and two data structs, which we pass.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(CapsError::Set(io::Error::last_os_error()))
    }
}

fn get() -> Result<[CapData; 2], CapsError> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes a v3 header and two data structs, which we pass.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    if rc == 0 {
        Ok(data)
    } else {
        Err(CapsError::Get(io::Error::last_os_error()))
    }
}
