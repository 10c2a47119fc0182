//! Capabilities: none for the tool. Inside its user namespace the helper
//! holds every capability (it needs them to mount), and a tool running as
//! uid 0 would get them back at exec; with them it could unmount what hides
//! the user's secrets. Emptying the bounding set and the current sets
//! before exec leaves it nothing to regain.

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
pub(super) fn drop_all() -> Result<String, String> {
    let mut bounding_dropped = true;
    for cap in 0..=63 {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) } != 0 {
            match std::io::Error::last_os_error().raw_os_error() {
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
        return Err("capabilities remain after dropping them".to_string());
    }
    if !bounding_dropped && rustix::process::getuid().is_root() {
        return Err("uid 0 without CAP_SETPCAP: exec could grant capabilities".to_string());
    }
    Ok(String::new())
}

fn set(data: &[CapData; 2]) -> Result<(), String> {
    let mut header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: capset reads a v3 header and two data structs, which we pass.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("capset: {}", std::io::Error::last_os_error()))
    }
}

fn get() -> Result<[CapData; 2], String> {
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
        Err(format!("capget: {}", std::io::Error::last_os_error()))
    }
}
