//! What waits for a person, read for one drawing of the page: a page of the agents' calls
//! (newest first) with the grants of the content each names, the candidates with the checks
//! that did not pass, and the tool requests. Only reads.

use sha2::{Digest, Sha256};

use super::WebError;
use crate::model::ToolId;
use crate::model::calls::CallRow;
use crate::model::requests::RequestRow;
use crate::model::review_queue::QueueItem;
use crate::model::review_queue::ReviewItem;
use crate::model::validation_report::Check;
use crate::workbench::Workbench;
use crate::workbench::tool_diff::{self, ToolDiff};
use crate::workbench::tool_files::{self, ToolFiles};

/// Waiting calls on one page.
pub(super) const CALLS_PER_PAGE: usize = 20;

/// A waiting call as the page shows it.
pub(super) struct CallShown {
    pub(super) call: CallRow,
    /// What the content the call names may touch, one line.
    pub(super) grants: String,
    /// What an answer carries to say which arguments the person saw.
    pub(super) arguments_digest: String,
}

/// Candidates shown with their diff, newest first; older ones say the workbench shows it.
pub(super) const DIFFS_SHOWN: usize = 20;
/// A candidate as the page shows it.
pub(super) struct CandidateShown {
    pub(super) item: QueueItem,
    /// Failed checks first, then warnings.
    pub(super) checks: Vec<Check>,
    pub(super) diff: DiffShown,
}

/// What the page shows of a candidate's changes against the active version of its name.
pub(super) enum DiffShown {
    /// Read from exactly the content the answer is bound to.
    Diff(ToolDiff),
    /// No active version of the name: the candidate is new, its files are the change.
    NoActive,
    /// Not shown, and why (older than the newest few; a file that is not text; changed while
    /// it was read).
    NotShown(String),
}

/// Everything one drawing of the page shows.
pub(super) struct Waiting {
    /// The page asked for, newest first.
    pub(super) calls: Vec<CallShown>,
    /// Calls waiting in all.
    pub(super) calls_total: usize,
    pub(super) candidates: Vec<CandidateShown>,
    pub(super) requests: Vec<RequestRow>,
}

/// What waits, with the page `page` of the calls (0: the newest).
pub(super) fn gather(ws: &Workbench, page: usize) -> Result<Waiting, WebError> {
    let (calls, calls_total, candidates, requests) = {
        let reader = ws.reader()?;
        let mut calls = reader.calls(false)?;
        let calls_total = calls.len();
        calls.reverse();
        let calls: Vec<CallRow> = calls
            .into_iter()
            .skip(page.saturating_mul(CALLS_PER_PAGE))
            .take(CALLS_PER_PAGE)
            .collect();
        let mut candidates = Vec::new();
        let mut requests = Vec::new();
        for item in reader.review_items(ws.root(), ws.config().catalog)? {
            match item {
                ReviewItem::Tool(item) => {
                    let checks = reader.checks_not_passed(&item)?;
                    candidates.push((item, checks));
                }
                ReviewItem::Request(request) => requests.push(request),
                // An active tool's drift is answered where its files can be read.
                ReviewItem::Drift(_) => {}
            }
        }
        // Newest first, as the calls.
        candidates.reverse();
        (calls, calls_total, candidates, requests)
    };
    let candidates = candidates
        .into_iter()
        .enumerate()
        .map(|(n, (item, checks))| CandidateShown {
            diff: match n < DIFFS_SHOWN {
                true => diff_of(ws, &item),
                false => DiffShown::NotShown(format!(
                    "the {DIFFS_SHOWN} newest candidates are shown with their diff; the workbench shows this one's"
                )),
            },
            item,
            checks,
        })
        .collect();
    let calls = calls
        .into_iter()
        .map(|call| CallShown {
            grants: grants(ws, &call),
            arguments_digest: arguments_digest(&call.arguments),
            call,
        })
        .collect();
    Ok(Waiting {
        calls,
        calls_total,
        candidates,
        requests,
    })
}

/// Why a candidate whose manifest could not be read has no diff: it has no content hash.
pub(super) const BROKEN: &str = "its manifest could not be read, so it has no content to compare";

/// The diff of the candidate `item` against the active version of its name, read from the
/// content the page binds its answer to: the texts diffed are hashed, and shown only when
/// they are the content hash the answer carries. A tool swapped while it was read (even
/// swapped back after) never shows one content and takes the answer for another.
fn diff_of(ws: &Workbench, item: &QueueItem) -> DiffShown {
    if item.content_hash.is_empty() {
        return DiffShown::NotShown(BROKEN.into());
    }
    let changed = || DiffShown::NotShown("it changed while the page was drawn: reload".into());
    let shown = ToolId::known(&item.name, &item.version).with_hash(&item.content_hash);
    let Some(entry) = shown.ok().and_then(|id| ws.find_reading(&id).ok()) else {
        return changed();
    };
    // Each live update draws the page again: a tool grown past what a reviewer reads on a
    // phone is not read for it at every draw.
    let active = ws
        .find_reading(&ToolId::named(&item.name))
        .ok()
        .filter(|active| active.tier.is_active() && active.manifest.is_some());
    let sides = std::iter::once(&entry).chain(active.as_ref());
    if !sides
        .into_iter()
        .all(|side| tool_files::fits_a_page(&side.path))
    {
        return DiffShown::NotShown(format!(
            "it or the active version holds more than {} MiB: the workbench shows its diff",
            tool_files::PAGE_MAX_BYTES / (1024 * 1024)
        ));
    }
    let files = ToolFiles::read(&entry);
    match files.hash_of_texts() {
        Some(hash) if hash == item.content_hash => {}
        Some(_) => return changed(),
        None => {
            let file = files.listed.iter().find(|f| f.not_shown.is_some());
            return DiffShown::NotShown(format!(
                "{} is not text: the workbench shows what each side is",
                file.map_or("a file", |f| f.name.as_str())
            ));
        }
    }
    match active {
        Some(active) => DiffShown::Diff(tool_diff::against(&active, &files)),
        None => DiffShown::NoActive,
    }
}

/// The grants of the content `call` names, as the workspace holds it now.
fn grants(ws: &Workbench, call: &CallRow) -> String {
    let id = ToolId::known(&call.tool, &call.version).with_hash(&call.content_hash);
    id.ok()
        .and_then(|id| ws.find_reading(&id).ok())
        .and_then(|entry| entry.manifest.map(|m| m.permissions.summary()))
        .unwrap_or_else(|| "unknown: that content is no longer in the workspace".to_string())
}

/// The SHA-256 of the arguments as stored: an answer carries it, and is refused when the
/// call's arguments are not the ones it names.
pub(super) fn arguments_digest(arguments: &serde_json::Value) -> String {
    format!("{:x}", Sha256::digest(arguments.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::NewCall;

    #[test]
    fn a_thousand_waiting_calls_are_shown_newest_first_a_page_at_a_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let ws = Workbench::at(dir.path(), None).expect("opened");
        {
            let store = ws.store().expect("store");
            let mut store = store.lock();
            for n in 0..1000 {
                store
                    .insert_call(&NewCall {
                        tool: "deploy".into(),
                        version: "1.0.0".into(),
                        content_hash: "h".into(),
                        arguments: serde_json::json!({ "n": n }),
                        input_schema: serde_json::json!({}),
                        client: "claude-code".into(),
                        why: "cost tier high".into(),
                        requested_at: "2026-11-26T10:00:00.000Z".into(),
                        server_pid: std::process::id(),
                        server_start: 0,
                        task: None,
                    })
                    .expect("call");
            }
        }
        let started = std::time::Instant::now();
        let newest = gather(&ws, 0).expect("gathered");
        let drawn = super::super::page::review(
            &super::super::page::Frame {
                device: "phone",
                csrf: "00",
                notice: None,
                page: 0,
            },
            &newest,
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "a page of 1,000 waiting calls took {:?}",
            started.elapsed()
        );
        assert_eq!(newest.calls_total, 1000);
        assert_eq!(newest.calls.len(), CALLS_PER_PAGE);
        assert_eq!(newest.calls[0].call.arguments["n"], 999, "newest first");
        assert!(drawn.contains("Page 1 of 50") && drawn.len() < 200_000);
        let oldest = gather(&ws, 49).expect("gathered");
        assert_eq!(
            oldest.calls.last().map(|c| c.call.arguments["n"].clone()),
            Some(0.into())
        );
        assert!(gather(&ws, 50).expect("gathered").calls.is_empty());
        assert!(gather(&ws, usize::MAX).expect("gathered").calls.is_empty());
    }

    /// The diff is shown only of the content the answer is bound to: a candidate changed
    /// after the queue was read shows none, and says to reload.
    #[test]
    fn a_candidate_changed_after_the_queue_was_read_shows_no_diff() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let active = crate::test_fixtures::write_tool(
            dir.path(),
            crate::model::Tier::Approved,
            "greet",
            "says hello",
        );
        let candidate = dir.path().join("experimental/greet-2");
        std::fs::create_dir_all(&candidate).expect("candidate");
        for file in ["tool.toml", "run.sh"] {
            std::fs::copy(active.join(file), candidate.join(file)).expect("copy");
        }
        std::fs::write(candidate.join("run.sh"), "echo shown\n").expect("shown");
        let ws = Workbench::at(dir.path(), None).expect("opened");
        let waiting = gather(&ws, 0).expect("gathered");
        let shown = waiting.candidates.first().expect("the candidate");
        let DiffShown::Diff(diff) = &shown.diff else {
            panic!("a diff of the candidate as read");
        };
        assert_eq!(diff.against, "greet@1.0.0 (approved)");
        std::fs::write(candidate.join("run.sh"), "echo swapped\n").expect("swapped");
        match diff_of(&ws, &shown.item) {
            DiffShown::NotShown(why) => assert!(why.contains("reload"), "{why}"),
            _ => panic!("no diff of other content than the answer is bound to"),
        }
    }

    /// The page redraws at every live update: a candidate grown past what a phone's reader
    /// reads is not read for its diff, and says the workbench shows it.
    #[test]
    fn a_candidate_too_large_to_diff_on_the_page_says_so_unread() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        crate::test_fixtures::write_tool(
            dir.path(),
            crate::model::Tier::Approved,
            "greet",
            "says hello",
        );
        let candidate = crate::test_fixtures::write_tool(
            dir.path(),
            crate::model::Tier::Experimental,
            "greet",
            "says hello louder",
        );
        let big = std::fs::File::create(candidate.join("data.txt")).expect("data");
        big.set_len(5 * 1024 * 1024).expect("5 MiB");
        let ws = Workbench::at(dir.path(), None).expect("opened");
        let waiting = gather(&ws, 0).expect("gathered");
        match &waiting.candidates.first().expect("the candidate").diff {
            DiffShown::NotShown(why) => assert!(why.contains("more than 4 MiB"), "{why}"),
            _ => panic!("no diff read of a 5 MiB candidate"),
        }
    }
}
