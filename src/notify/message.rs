//! What the webhook is told: a short JSON summary of what started waiting, and the headers
//! ntfy reads (`Title`, `Tags`, `Click`, `Priority`), so a self-hosted ntfy pushes it to a
//! phone as it is.

use serde_json::json;

/// What kind of thing waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitingKind {
    /// An agent's call, waiting for approval: the agent is held until it is answered.
    Call,
    /// A tool an agent proposed, waiting for review.
    Proposal,
    /// A tool an agent asked for, waiting for an answer.
    Request,
}

impl WaitingKind {
    fn as_str(self) -> &'static str {
        match self {
            WaitingKind::Call => "call",
            WaitingKind::Proposal => "proposal",
            WaitingKind::Request => "request",
        }
    }
}

/// Something that started waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiting {
    pub(crate) kind: WaitingKind,
    /// The call's or the request's number; a proposal has none.
    pub(crate) id: Option<i64>,
    pub(crate) tool: String,
    /// A request names no version or content yet.
    pub(crate) version: Option<String>,
    pub(crate) content_hash: Option<String>,
    /// The agent's client, as it named itself (untrusted text).
    pub(crate) client: String,
}

/// How much of the content hash the summary shows: enough to tell versions apart at a glance.
const SHORT_HASH: usize = 12;

/// One POST's body and the headers beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Message {
    pub(crate) body: String,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Waiting {
    /// The message for the webhook; `page` is the review page's address (`http://…/`).
    pub(crate) fn message(&self, page: &str) -> Message {
        let link = match (self.kind, self.id) {
            (WaitingKind::Call, Some(id)) => format!("{page}#call-{id}"),
            _ => page.to_string(),
        };
        let short_hash = self
            .content_hash
            .as_deref()
            .map(|hash| hash.chars().take(SHORT_HASH).collect::<String>());
        let body = json!({
            "waiting": self.kind.as_str(),
            "id": self.id,
            "tool": self.tool,
            "version": self.version,
            "content": short_hash,
            "client": self.client,
            "summary": self.summary(),
            "page": link,
        });
        // A call holds its agent until someone answers; the rest can wait a little.
        let priority = match self.kind {
            WaitingKind::Call => "high",
            WaitingKind::Proposal | WaitingKind::Request => "default",
        };
        Message {
            body: body.to_string(),
            headers: vec![
                ("Title", header_text(&self.title())),
                ("Tags", "hourglass_flowing_sand,toolbench".into()),
                ("Click", header_text(&link)),
                ("Priority", priority.into()),
            ],
        }
    }

    /// `deploy@1.0.0`, or the name alone when no version is known.
    fn named(&self) -> String {
        match &self.version {
            Some(version) => format!("{}@{version}", self.tool),
            None => self.tool.clone(),
        }
    }

    /// What waits, in a few words: `call #12`, `the proposal of deploy@1.0.0`.
    pub(super) fn what(&self) -> String {
        match (self.kind, self.id) {
            (WaitingKind::Call, Some(id)) => format!("call #{id}"),
            (WaitingKind::Request, _) => format!("the request for {}", self.named()),
            _ => format!("the proposal of {}", self.named()),
        }
    }

    /// The title: what waits, without the client's name (untrusted, and often long).
    fn title(&self) -> String {
        match (self.kind, self.id) {
            (WaitingKind::Call, Some(id)) => format!("call #{id} of {} waits", self.named()),
            (WaitingKind::Request, _) => format!("a tool is requested: {}", self.named()),
            _ => format!("{} waits for review", self.named()),
        }
    }

    /// One line, as the workbench says it.
    fn summary(&self) -> String {
        let client = crate::text::visible(&self.client);
        match self.kind {
            WaitingKind::Call => format!("{client} asks to run {}: it waits for you", self.named()),
            WaitingKind::Proposal => {
                format!("{client} proposed {}: it waits for review", self.named())
            }
            WaitingKind::Request => format!("{client} asks for a tool: {}", self.named()),
        }
    }
}

/// `text` as a header value may carry it: printable ASCII, anything else as `?`.
fn header_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_told_with_its_tool_content_client_and_a_link_to_it() {
        let waiting = Waiting {
            kind: WaitingKind::Call,
            id: Some(12),
            tool: "deploy".into(),
            version: Some("1.0.0".into()),
            content_hash: Some("0123456789abcdef0123".into()),
            client: "claude\u{1b}[31m".into(),
        };
        let message = waiting.message("http://127.0.0.1:7878/");
        let body: serde_json::Value = serde_json::from_str(&message.body).expect("JSON");
        assert_eq!(body["waiting"], "call");
        assert_eq!(body["id"], 12);
        assert_eq!(body["content"], "0123456789ab");
        assert_eq!(body["page"], "http://127.0.0.1:7878/#call-12");
        assert_eq!(
            body["summary"],
            "claude\\u{1b}[31m asks to run deploy@1.0.0: it waits for you"
        );
        let header = |name| {
            message
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("Title"), Some("call #12 of deploy@1.0.0 waits"));
        assert_eq!(header("Click"), Some("http://127.0.0.1:7878/#call-12"));
        assert_eq!(header("Priority"), Some("high"));
    }

    #[test]
    fn a_header_carries_printable_ascii_only() {
        assert_eq!(header_text("ok\r\nX: y é"), "ok??X: y ?");
    }
}
