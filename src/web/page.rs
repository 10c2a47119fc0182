//! The review page as HTML, drawn from what waits ([`Waiting`]) and nothing else: no I/O.
//!
//! Everything that came from outside (client names, arguments, tool names, reasons, check
//! messages) goes through [`text`] or [`block`], which make it text, never markup, and make
//! control and direction characters visible. Buttons are real `<button>` elements named by
//! what they do. It must never place untrusted text anywhere but through those two.

use std::fmt::Write;

use super::waiting::{CALLS_PER_PAGE, CallShown, CandidateShown, DiffShown, Waiting};
use crate::diff::Kind;
use crate::model::requests::RequestRow;
use crate::workbench::tool_diff::FileDiff;

/// The page's stylesheet: one column that fits a phone's 360 px and stays readable at a
/// desktop's width; nothing is said by colour alone.
pub(super) const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:.5rem;line-height:1.4}\
article{border:1px solid;padding:.5rem;margin:.75rem 0}\
h1{font-size:1.3rem}h2{font-size:1.15rem}h3{font-size:1rem;margin:.25rem 0;overflow-wrap:anywhere}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem;margin:.25rem 0}\
dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;border:1px dashed;padding:.25rem;max-height:20rem;overflow:auto}\
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.4rem 0}\
button{font-size:1rem;padding:.4rem .9rem}input[type=text]{font-size:1rem;flex:1 1 12rem;min-width:0}\
.notice{border:3px double;padding:.5rem}\
pre.diff{max-height:30rem;white-space:pre;overflow:auto}.diff span{display:block}\
.diff .file{font-weight:bold;border-top:1px solid}.diff .hunk{font-style:italic}\
.diff .add{background:#dafbe1;color:#0a3d14}.diff .del{background:#ffe3e0;color:#5c0d07}@media(max-width:30rem){dl{grid-template-columns:1fr}}";

/// The page's one script: it listens to the server's events and, when what waits changed,
/// draws the list again from the page the server renders, unless the person is typing. A
/// page an answer returned (at `/calls/ID`) names itself `/` first, so it draws from there and
/// a reload sends nothing again.
pub(super) const SCRIPT: &str = "(function(){\
if(location.pathname!=='/')history.replaceState(null,'','/');\
var live=document.getElementById('live');\
function busy(){var a=document.activeElement;if(a&&a.tagName==='INPUT'&&a.type==='text')return true;\
var t=document.querySelectorAll('input[type=text]');for(var i=0;i<t.length;i++){if(t[i].value)return true;}return false;}\
var stale=false;\
function redraw(){if(busy()){stale=true;live.textContent='Live: something changed; it is shown when you finish typing.';return;}\
stale=false;fetch(location.pathname+location.search,{credentials:'same-origin'}).then(function(r){return r.text();}).then(function(t){\
var d=new DOMParser().parseFromString(t,'text/html');var m=d.querySelector('main');if(m){document.querySelector('main').replaceWith(m);}\
live.textContent='Live: up to date at '+new Date().toLocaleTimeString();});}\
document.addEventListener('focusout',function(){if(stale)setTimeout(redraw,50);});\
var es=new EventSource('/events');\
es.addEventListener('waiting',redraw);\
es.onopen=function(){live.textContent='Live: connected';};\
es.onerror=function(){live.textContent='Live: reconnecting…';};\
})();";

/// What one drawing of the page needs beside what waits.
pub(super) struct Frame<'a> {
    pub(super) device: &'a str,
    pub(super) csrf: &'a str,
    /// Why the last answer was refused, shown above the list.
    pub(super) notice: Option<&'a str>,
    /// The page of waiting calls shown, from 0 (the newest).
    pub(super) page: usize,
}

/// The whole review page.
pub(super) fn review(frame: &Frame<'_>, waiting: &Waiting) -> String {
    let mut out = head("toolbench: waiting for you");
    let _ = write!(
        out,
        "<header><h1>toolbench: waiting for you</h1><p>Paired device: <strong>{}</strong>. \
         <span id=\"live\" role=\"status\">Live: connecting…</span></p></header>",
        text(frame.device)
    );
    if let Some(notice) = frame.notice {
        let _ = write!(
            out,
            "<p class=\"notice\" role=\"alert\"><strong>Refused:</strong> {}. What waits now is shown below.</p>",
            text(notice)
        );
    }
    out.push_str("<main>");
    calls(&mut out, frame, waiting);
    candidates(&mut out, frame.csrf, &waiting.candidates);
    requests(&mut out, frame.csrf, &waiting.requests);
    out.push_str("</main>");
    let _ = write!(out, "<script>{SCRIPT}</script></body></html>");
    out
}

/// The page a pairing link opens: one button that pairs this device with the code.
pub(super) fn pairing(code: &str) -> String {
    let mut out = head("toolbench: pair this device");
    let _ = write!(
        out,
        "<main><h1>Pair this device with toolbench</h1>\
         <p>This device will be able to answer the agents' calls and review candidates until \
         its session is revoked (<code>toolbench web revoke NAME</code>).</p>\
         <form method=\"post\" action=\"/pair\">\
         <input type=\"hidden\" name=\"code\" value=\"{}\">\
         <button type=\"submit\">Pair this device</button></form></main></body></html>",
        text(code)
    );
    out
}

/// A short page for a refusal that shows nothing of the workspace (not paired, not found).
pub(super) fn refusal(title: &str, why: &str) -> String {
    let mut out = head(title);
    let _ = write!(
        out,
        "<main><h1>{}</h1><p>{}</p></main></body></html>",
        text(title),
        text(why)
    );
    out
}

fn head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"same-origin\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        text(title)
    )
}

fn calls(out: &mut String, frame: &Frame<'_>, waiting: &Waiting) {
    let total = waiting.calls_total;
    let _ = write!(out, "<section><h2>Agent calls waiting: {total}</h2>");
    if total == 0 {
        out.push_str("<p>No agent call is waiting.</p>");
    }
    for shown in &waiting.calls {
        call(out, frame.csrf, shown);
    }
    pager(out, frame.page, total);
    out.push_str("</section>");
}

fn pager(out: &mut String, page: usize, total: usize) {
    let pages = total.div_ceil(CALLS_PER_PAGE);
    if pages <= 1 {
        return;
    }
    out.push_str("<nav aria-label=\"Pages of waiting calls\"><p>");
    if page > 0 {
        let _ = write!(out, "<a href=\"/?page={}\">Newer calls</a> · ", page - 1);
    }
    let _ = write!(out, "Page {} of {pages}", page + 1);
    if page + 1 < pages {
        let _ = write!(out, " · <a href=\"/?page={}\">Older calls</a>", page + 1);
    }
    out.push_str("</p></nav>");
}

fn call(out: &mut String, csrf: &str, shown: &CallShown) {
    let call = &shown.call;
    let _ = write!(
        out,
        "<article id=\"call-{id}\"><h3>Call #{id}: {tool}@{version}</h3><dl>\
         <dt>Client</dt><dd>{client}</dd>\
         <dt>Asked at</dt><dd>{at}</dd>\
         <dt>Why it waits</dt><dd>{why}</dd>\
         <dt>Content hash</dt><dd><code>{hash}</code></dd>\
         <dt>Grants</dt><dd>{grants}</dd></dl>\
         <p>Arguments:</p><pre>{arguments}</pre>",
        id = call.id,
        tool = text(&call.tool),
        version = text(&call.version),
        client = text(&call.client),
        at = text(&call.requested_at),
        why = text(&call.why),
        hash = text(&call.content_hash),
        grants = text(&shown.grants),
        arguments = block(&pretty(&call.arguments)),
    );
    let seen = format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"tool\" value=\"{}\">\
         <input type=\"hidden\" name=\"version\" value=\"{}\">\
         <input type=\"hidden\" name=\"content_hash\" value=\"{}\">\
         <input type=\"hidden\" name=\"arguments_digest\" value=\"{}\">",
        text(csrf),
        text(&call.tool),
        text(&call.version),
        text(&call.content_hash),
        text(&shown.arguments_digest),
    );
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/calls/{id}\">{seen}\
         <button type=\"submit\" name=\"answer\" value=\"once\">Approve</button>\
         <button type=\"submit\" name=\"answer\" value=\"always\">Approve always</button>\
         <label for=\"pattern-{id}\">Only when the arguments hold (JSON, optional)</label>\
         <input type=\"text\" id=\"pattern-{id}\" name=\"pattern\" maxlength=\"2000\" \
         placeholder=\"{{&quot;env&quot;: &quot;staging&quot;}}\" autocomplete=\"off\" spellcheck=\"false\">\
         <small>(always: later calls of this tool at this version and content run without asking, \
         those whose arguments hold the pattern when one is given)</small></form>\
         <form method=\"post\" action=\"/calls/{id}\">{seen}\
         <label for=\"reason-{id}\">Reason</label>\
         <input type=\"text\" id=\"reason-{id}\" name=\"reason\" required maxlength=\"2000\">\
         <button type=\"submit\" name=\"answer\" value=\"reject\">Reject</button></form></article>",
        id = call.id,
    );
}

fn candidates(out: &mut String, csrf: &str, candidates: &[CandidateShown]) {
    let _ = write!(
        out,
        "<section><h2>Candidates waiting for review: {}</h2>",
        candidates.len()
    );
    if candidates.is_empty() {
        out.push_str("<p>No candidate waits in experimental/.</p>");
    }
    for (n, shown) in candidates.iter().enumerate() {
        let item = &shown.item;
        let _ = write!(
            out,
            "<article><h3>Candidate: {name}@{version}</h3><dl>\
             <dt>Verdict</dt><dd>{verdict}</dd>\
             <dt>Content hash</dt><dd><code>{hash}</code></dd>\
             <dt>Proposed by</dt><dd>{client}</dd>\
             <dt>Evolved from</dt><dd>{parent}</dd>\
             <dt>Arrived</dt><dd>{at}</dd></dl>",
            name = text(&item.name),
            version = text(&item.version),
            verdict = text(item.verdict.as_deref().unwrap_or("not validated yet")),
            hash = text(&item.content_hash),
            client = text(item.client.as_deref().unwrap_or("a person")),
            parent = text(item.parent.as_deref().unwrap_or("nothing")),
            at = text(&item.arrived_at),
        );
        let failing = !shown.checks.is_empty();
        if failing {
            out.push_str("<p>Checks that did not pass:</p><ul>");
            for check in &shown.checks {
                let _ = write!(
                    out,
                    "<li><strong>{}: {}</strong> {}</li>",
                    text(check.check.as_str()),
                    text(check.status.as_str()),
                    text(&check.message)
                );
            }
            out.push_str("</ul>");
        }
        diff(out, &shown.diff);
        if item.content_hash.is_empty() {
            // An answer is bound to the content it was given for: a broken manifest has none
            // to bind, so the page takes none and says where to answer.
            let _ = write!(
                out,
                "<p>No answer here: nothing binds it to this candidate's content. Reject it in \
                 the workbench or with <code>toolbench reject {}</code>.</p></article>",
                text(&item.name)
            );
            continue;
        }
        let seen = format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"name\" value=\"{}\">\
             <input type=\"hidden\" name=\"version\" value=\"{}\">\
             <input type=\"hidden\" name=\"content_hash\" value=\"{}\">",
            text(csrf),
            text(&item.name),
            text(&item.version),
            text(&item.content_hash),
        );
        let accept = if failing {
            format!(
                "<label><input type=\"checkbox\" name=\"accept_failures\" value=\"yes\" id=\"accept-{n}\"> \
                 I accept the checks listed above</label>"
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/candidates\">{seen}{accept}\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button></form>\
             <form method=\"post\" action=\"/candidates\">{seen}\
             <label for=\"feedback-{n}\">What to change</label>\
             <input type=\"text\" id=\"feedback-{n}\" name=\"reason\" required maxlength=\"2000\">\
             <button type=\"submit\" name=\"decision\" value=\"request_changes\">Request changes</button></form>\
             <form method=\"post\" action=\"/candidates\">{seen}\
             <label for=\"creason-{n}\">Reason</label>\
             <input type=\"text\" id=\"creason-{n}\" name=\"reason\" required maxlength=\"2000\">\
             <button type=\"submit\" name=\"decision\" value=\"reject\">Reject</button></form></article>"
        );
    }
    out.push_str("</section>");
}

/// Lines of one candidate's diff the page shows; the workbench shows the rest.
const MAX_DIFF_LINES: usize = 400;

/// A candidate's changes: each file under its name, each hunk under its `@@` header, every
/// line with its old and new numbers and `-`, `+` or a blank before it, so it reads the same
/// without colour.
fn diff(out: &mut String, shown: &DiffShown) {
    let diff = match shown {
        DiffShown::Diff(diff) => diff,
        DiffShown::NoActive => {
            out.push_str(
                "<p>Diff: none, no version of this name is active; its files are all new.</p>",
            );
            return;
        }
        DiffShown::NotShown(why) => {
            let _ = write!(out, "<p>Diff not shown: {}.</p>", text(why));
            return;
        }
    };
    let _ = write!(
        out,
        "<details open><summary>Diff against {} ({} file(s) differ)</summary>",
        text(&diff.against),
        diff.files.len()
    );
    if diff.files.is_empty() {
        out.push_str("<p>No differences.</p>");
    }
    let mut left = MAX_DIFF_LINES;
    let mut cut = 0;
    out.push_str("<pre class=\"diff\">");
    for file in &diff.files {
        let mut lines: Vec<(&str, String)> = Vec::new();
        match file {
            FileDiff::Text { name, what, hunks } => {
                let what = what.map(|w| format!(" ({w})")).unwrap_or_default();
                lines.push(("file", format!("{name}{what}")));
                for hunk in hunks {
                    lines.push(("hunk", hunk.header()));
                    for line in &hunk.lines {
                        let (class, mark) = match line.kind {
                            Kind::Added => ("add", '+'),
                            Kind::Removed => ("del", '-'),
                            Kind::Same => ("same", ' '),
                        };
                        let number = |n: Option<usize>| n.map_or(String::new(), |n| n.to_string());
                        lines.push((
                            class,
                            format!(
                                "{:>5} {:>5} {mark}{}",
                                number(line.old),
                                number(line.new),
                                line.text()
                            ),
                        ));
                    }
                }
            }
            FileDiff::NotText { name, old, new } => {
                lines.push(("file", name.clone()));
                for (class, mark, side) in [("del", '-', old), ("add", '+', new)] {
                    if let Some(side) = side {
                        lines.push((class, format!("{mark}{side}")));
                    }
                }
            }
        }
        for (class, line) in lines {
            if left == 0 {
                cut += 1;
                continue;
            }
            left -= 1;
            // No newline between: each span is a block of its own.
            let _ = write!(out, "<span class=\"{class}\">{}</span>", text(&line));
        }
    }
    out.push_str("</pre>");
    if cut > 0 {
        let _ = write!(
            out,
            "<p>{cut} more line(s) not shown here: the workbench shows the whole diff.</p>"
        );
    }
    out.push_str("</details>");
}

fn requests(out: &mut String, csrf: &str, requests: &[RequestRow]) {
    let _ = write!(
        out,
        "<section><h2>Tool requests waiting: {}</h2>",
        requests.len()
    );
    if requests.is_empty() {
        out.push_str("<p>No agent asked for a tool.</p>");
    }
    for request in requests.iter().rev() {
        let _ = write!(
            out,
            "<article><h3>Request #{id}: {name}</h3><dl>\
             <dt>Client</dt><dd>{client}</dd><dt>Asked at</dt><dd>{at}</dd>\
             <dt>Description</dt><dd>{description}</dd><dt>Why</dt><dd>{rationale}</dd></dl>\
             <p>Inputs:</p><pre>{inputs}</pre>\
             <form method=\"post\" action=\"/requests/{id}\">{csrf_field}\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Write it</button>\
             <small>(the agent may write {name})</small></form>\
             <form method=\"post\" action=\"/requests/{id}\">{csrf_field}\
             <label for=\"rfeedback-{id}\">What to change</label>\
             <input type=\"text\" id=\"rfeedback-{id}\" name=\"reason\" required maxlength=\"2000\">\
             <button type=\"submit\" name=\"decision\" value=\"request_changes\">Request changes</button></form>\
             <form method=\"post\" action=\"/requests/{id}\">{csrf_field}\
             <label for=\"rreason-{id}\">Reason</label>\
             <input type=\"text\" id=\"rreason-{id}\" name=\"reason\" required maxlength=\"2000\">\
             <button type=\"submit\" name=\"decision\" value=\"reject\">Reject</button></form></article>",
            id = request.id,
            name = text(&request.name),
            client = text(&request.client),
            at = text(&request.requested_at),
            description = text(&request.description),
            rationale = text(&request.rationale),
            inputs = block(&pretty(&request.inputs)),
            csrf_field = format_args!(
                "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
                text(csrf)
            ),
        );
    }
    out.push_str("</section>");
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `s` as HTML text on one line: markup escaped, and every control, invisible or
/// direction-changing character shown as its code (`\u{1b}`), line breaks too.
pub(super) fn text(s: &str) -> String {
    escaped(s, false)
}

/// `s` as HTML text in a block (`<pre>`): as [`text`], but line breaks stay.
fn block(s: &str) -> String {
    escaped(s, true)
}

fn escaped(s: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' if keep_lines => out.push('\n'),
            c if crate::text::is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_text_and_hidden_characters_are_shown() {
        assert_eq!(
            text("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(text("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\u{a}");
        assert_eq!(text("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(block("a\nb\u{0}"), "a\nb\\u{0}");
        assert_eq!(text("\"x\""), "&quot;x&quot;");
    }

    #[test]
    fn the_pager_names_its_links_and_shows_nothing_for_one_page() {
        let mut out = String::new();
        pager(&mut out, 0, CALLS_PER_PAGE);
        assert!(out.is_empty());
        pager(&mut out, 1, 1000);
        assert!(out.contains("Newer calls") && out.contains("Older calls"));
        assert!(out.contains("Page 2 of 50"), "{out}");
    }
}
