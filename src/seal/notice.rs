//! Telling a person about a first contact: the active tools a workspace holds are about to be
//! accepted as they are, and the command that does it waits for every one to be sealed and
//! kept. The library prints nothing; a front end that tells a person says how it hears.

use std::sync::OnceLock;

type Listener = Box<dyn Fn(&str) + Send + Sync>;

static LISTENER: OnceLock<Listener> = OnceLock::new();

/// Has `listen` hear, in one line, of each adoption this process starts. The first listener
/// set in a process holds (a process is one front end).
pub(crate) fn listen(listen: impl Fn(&str) + Send + Sync + 'static) {
    let _ = LISTENER.set(Box::new(listen));
}

/// Tells the listener, if any, that `count` active tools are being adopted as they are.
pub(super) fn adopting(count: usize) {
    if count == 0 {
        return; // nothing is accepted
    }
    if let Some(listen) = LISTENER.get() {
        listen(&line(count));
    }
}

fn line(count: usize) -> String {
    let accepted = match count {
        1 => "1 active tool accepted as it is".to_string(),
        n => format!("{n} active tools accepted as they are"),
    };
    // The count first: the workbench's status bar keeps only a line's start.
    format!(
        "{accepted}, at this workspace's first use (sealed and kept, once; a later change \
         needs a review)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_the_tools_accepted() {
        assert_eq!(
            line(1),
            "1 active tool accepted as it is, at this workspace's first use (sealed and kept, \
             once; a later change needs a review)"
        );
        assert!(line(3940).starts_with("3940 active tools accepted as they are, at "));
    }
}
