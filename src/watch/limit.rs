//! The kernel counts inotify watches and instances per user, every program's together (an
//! editor's too), and a workspace takes one watch per folder of its tiers. When they run out
//! the tiers are looked at every few seconds instead, and a person is told why and which
//! setting to raise.

use std::time::Duration;

/// How often the tier folders are looked at when they cannot be watched.
pub(super) const POLL_EVERY: Duration = Duration::from_secs(2);

/// What ran out, and the setting that raises it.
fn spent(error: &notify::Error) -> Option<(&'static str, &'static str)> {
    const WATCHES: (&str, &str) = ("watches", "fs.inotify.max_user_watches");
    const INSTANCES: (&str, &str) = ("instances", "fs.inotify.max_user_instances");
    match &error.kind {
        notify::ErrorKind::MaxFilesWatch => Some(WATCHES),
        notify::ErrorKind::Io(io) => match io.raw_os_error() {
            Some(libc::ENOSPC) => Some(WATCHES),
            Some(libc::EMFILE) => Some(INSTANCES),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `error` says this user's inotify watches or instances ran out.
pub(super) fn is_spent(error: &notify::Error) -> bool {
    spent(error).is_some()
}

/// Why the tier folders are polled, in one line.
pub(super) fn polling_line(error: &notify::Error) -> String {
    let (what, setting) = spent(error).unwrap_or(("watches", "fs.inotify.max_user_watches"));
    format!(
        "the system's inotify {what} ran out ({setting}): the tool folders are looked at every \
         {} s instead of watched; raise {setting} to see changes at once",
        POLL_EVERY.as_secs()
    )
}

/// A watch's error in one line; running out of watches later (folders made since the start)
/// says what it means for the catalog and which setting to raise.
pub(super) fn describe(error: &notify::Error) -> String {
    match spent(error) {
        Some((what, setting)) => format!(
            "the system's inotify {what} ran out ({setting}): folders made from now on are not \
             watched until the workspace is opened again; raise {setting}"
        ),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_of_watches_or_instances_names_the_setting_to_raise() {
        let watches = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        let instances = notify::Error::io(std::io::Error::from_raw_os_error(libc::EMFILE));
        let other = notify::Error::io(std::io::Error::from_raw_os_error(libc::EACCES));
        assert!(is_spent(&watches) && is_spent(&instances) && !is_spent(&other));
        assert!(
            polling_line(&watches)
                .contains("inotify watches ran out (fs.inotify.max_user_watches)")
        );
        assert!(polling_line(&instances).contains("(fs.inotify.max_user_instances)"));
        assert!(describe(&watches).contains("folders made from now on are not watched"));
        assert_eq!(describe(&other), other.to_string());
    }
}
