//! Whom this machine trusts to sign reviews of one workspace, from the lists `signers` reads:
//! the user's own, plus the workspace's entries also in the list a person accepted here (an
//! entry added since acceptance waits for `toolbench signers accept`; one removed since stops
//! counting at once).
//!
//! When the machine has a list of its own (`system`), it takes the user's list's place and
//! the accepted list counts only while a key of the machine's list endorses it.

use std::collections::BTreeSet;
use std::path::Path;

use super::endorsement;
use super::signers::{
    read_accepted, read_endorsement, read_file_entries, read_workspace, user_signers_path,
};
use super::system;
use crate::model::signers::{SignerEntry, SystemList, Trust, WORKSPACE_SIGNERS};

impl Trust {
    /// Reads the lists for `root` whole, to list or accept the workspace's reviewers: refused,
    /// in one line, while any list cannot be read, since a list read in part would show its
    /// keys as removed, and what is trusted must be what a person saw.
    pub(crate) fn load_whole(root: &Path) -> Result<Trust, String> {
        let trust = Trust::load(root);
        match trust.unreadable() {
            Some(line) => Err(line),
            None => Ok(trust),
        }
    }

    /// Why the reviewers cannot be read, when a list cannot (its file, line, field and value):
    /// the one line every command that reads them says.
    pub(crate) fn unreadable(&self) -> Option<String> {
        self.errors
            .first()
            .map(|e| format!("the reviewers cannot be read: {e}"))
    }

    /// Reads the lists for `root`. A broken file contributes nothing and is named in
    /// `errors`.
    pub(crate) fn load(root: &Path) -> Trust {
        let mut trust = Trust::default();
        match system::load() {
            Ok(system) => trust.system = system,
            Err(e) => {
                // Found but not kept as root keeps it: in force, with nobody in it.
                trust.system = Some(SystemList {
                    file: std::path::PathBuf::from(&e.file),
                    entries: Vec::new(),
                });
                trust.errors.push(e);
            }
        }
        match read_workspace(root) {
            Ok(entries) => trust.workspace = entries,
            Err(e) => trust.errors.push(e),
        }
        if let Some(path) = user_signers_path() {
            match read_file_entries(&path) {
                Ok(entries) => trust.user = entries,
                Err(e) => trust.errors.push(e),
            }
        }
        let mut accepted_bytes = Vec::new();
        match read_accepted(root) {
            Ok(accepted) => {
                if let Some((accepted, bytes)) = accepted {
                    trust.accepted = Some(accepted);
                    accepted_bytes = bytes;
                }
            }
            Err(e) => trust.errors.push(e),
        }
        if let (Some(system), Some(accepted)) = (&trust.system, &trust.accepted)
            && !accepted.entries.is_empty()
            && let Err(why) = endorsement::check(
                system,
                accepted.endorsed_by.as_deref(),
                &accepted_bytes,
                read_endorsement(root).as_deref(),
            )
        {
            trust.unendorsed = Some(why);
        }
        let accepted: BTreeSet<&SignerEntry> = trust
            .accepted
            .iter()
            .filter(|_| trust.unendorsed.is_none())
            .flat_map(|a| a.entries.iter())
            .collect();
        let current: BTreeSet<&SignerEntry> = trust.workspace.iter().collect();
        trust.waiting = trust
            .workspace
            .iter()
            .filter(|e| !accepted.contains(e))
            .cloned()
            .collect();
        trust.removed = accepted
            .iter()
            .filter(|e| !current.contains(*e))
            .map(|e| (*e).clone())
            .collect();
        let mut effective: Vec<SignerEntry> = match &trust.system {
            Some(system) => system.entries.clone(),
            None => trust.user.clone(),
        };
        for entry in &trust.workspace {
            if accepted.contains(entry) && !effective.contains(entry) {
                effective.push(entry.clone());
            }
        }
        trust.effective = effective;
        trust
    }

    /// The workspace's list differs from what a person accepted here.
    pub(crate) fn changed(&self) -> bool {
        !self.waiting.is_empty() || !self.removed.is_empty()
    }

    /// The effective list as allowed_signers text for ssh-keygen.
    pub(crate) fn text(&self) -> String {
        self.effective
            .iter()
            .map(|e| format!("{}\n", e.line()))
            .collect()
    }

    /// Whether any effective line lets `principal` sign toolbench's reviews.
    pub(crate) fn allows(&self, principal: &str) -> bool {
        self.effective.iter().any(|e| e.allows(principal))
    }

    /// Whether a workspace entry that waits for acceptance would allow `principal`.
    pub(crate) fn waiting_allows(&self, principal: &str) -> bool {
        self.waiting.iter().any(|e| e.allows(principal))
    }

    /// The principal the effective list gives the key `key` (base64), for signing.
    pub(crate) fn principal_of_key(&self, key: &str) -> Option<String> {
        self.effective
            .iter()
            .find(|e| e.key == key && e.allows(&e.principals[0]))
            .and_then(|e| e.principals.first().cloned())
    }

    /// Where verifications against this trust may be remembered: never in the user's files
    /// while the machine's list is the anchor.
    pub(crate) fn memory(&self) -> super::verified::Memory {
        match self.system {
            Some(_) => super::verified::Memory::ProcessOnly,
            None => super::verified::Memory::ProcessAndState,
        }
    }

    /// Where the reviewers this machine trusts beside the workspace's are listed, for
    /// messages.
    pub(crate) fn own_list(&self) -> String {
        match &self.system {
            Some(system) => format!("the machine's {}", system.file.display()),
            None => "the user's own allowed_signers".to_string(),
        }
    }

    /// One line for the CLI and the workbench when the workspace's reviewers changed since
    /// they were accepted here (or were never accepted, or what was accepted is not endorsed
    /// by the machine's list), `None` otherwise.
    pub(crate) fn change_line(&self) -> Option<String> {
        self.change(true)
    }

    /// `change_line` under the list of reviewers itself (`signers list`), which does not send
    /// the person to the list they are reading.
    pub(crate) fn change_line_under_list(&self) -> Option<String> {
        self.change(false)
    }

    fn change(&self, name_the_list: bool) -> Option<String> {
        if let Some(line) = self.unreadable() {
            return Some(line);
        }
        if let Some(why) = &self.unendorsed {
            return Some(format!(
                "the reviewers accepted here count for nothing: {why}; `toolbench signers \
                 accept` with a key of {} endorses them",
                self.own_list()
            ));
        }
        if !self.changed() {
            return None;
        }
        // What was accepted here may be part of the list (`signers add` accepts the key it
        // adds): a key not accepted is not said to be new since.
        let mut what = format!(
            "{} lists {} reviewer key(s) not accepted on this machine",
            WORKSPACE_SIGNERS,
            self.waiting.len()
        );
        if !self.removed.is_empty() {
            what.push_str(&format!(
                " and no longer lists {} accepted here",
                self.removed.len()
            ));
        }
        let advice = if name_the_list {
            "`toolbench signers list` shows them, `toolbench signers accept` trusts them"
        } else {
            "`toolbench signers accept` trusts the list as it is"
        };
        Some(format!("{what}: {advice}"))
    }
}
