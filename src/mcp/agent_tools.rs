//! toolbench's own tools, which put agents in the review loop: ask for a tool, propose one,
//! ask how the requests and proposals fared, report a tool that failed. Each calls the same library function as the
//! CLI and the workbench.

use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::model::{CallToolResult, JsonObject, Tool, ToolAnnotations};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Value, json};

use super::reply::{OwnToolError, client_name, refusal};
use super::request_tool::{self, REQUEST};
use super::shared::ServerState;
use crate::command::{Applied, Command};
use crate::model::failure_report::{FailureReport, MAX_FAILURE_TEXT_BYTES};
use crate::model::proposals::{Proposal, Proposed};
use crate::model::{MAX_NAME_BYTES, Tier};
use crate::text::human_size;

pub(crate) const PROPOSE: &str = "toolbench_propose_tool";
pub(crate) const REVIEW_STATUS: &str = "toolbench_review_status";
pub(crate) const REPORT_FAILURE: &str = "toolbench_report_failure";

/// The longest `tool` a failure report may name: a tool name, `@` and a version.
const MAX_TOOL_SPEC_BYTES: usize = 128;

pub(crate) fn is_own(name: &str) -> bool {
    [PROPOSE, REQUEST, REVIEW_STATUS, REPORT_FAILURE].contains(&name)
}

pub(crate) fn definitions() -> Vec<Tool> {
    let tool = |name: &'static str, title: &str, description: &str, schema: Value| {
        let Value::Object(schema) = schema else {
            unreachable!("the schemas below are objects")
        };
        Tool::new_with_raw(name, Some(description.to_string().into()), Arc::new(schema))
            .with_title(title)
    };
    let failure_text = human_size(MAX_FAILURE_TEXT_BYTES as u64);
    vec![
        tool(
            PROPOSE,
            "Propose a tool",
            "Propose a new tool (or a new version) for this workspace. It is written to experimental/, validated, and waits for a human's review; it cannot be called until approved. Give the tool.toml text as `manifest` and the other files as `files` (relative path -> text; names of ASCII letters, digits, `.`, `_` and `-`, with `/` between them). A name and version stand for one content: the same content again is answered with the folder that holds it, other content under a name and version that exist is refused (propose a new version).",
            json!({
                "type": "object",
                "properties": {
                    "manifest": {"type": "string", "description": "The tool.toml text"},
                    "files": {
                        "type": "object",
                        "description": "Relative path -> UTF-8 text of each other file of the tool",
                        "additionalProperties": {"type": "string"}
                    }
                },
                "required": ["manifest"],
                "additionalProperties": false
            }),
        )
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(false),
        ),
        request_tool::definition(),
        tool(
            REVIEW_STATUS,
            "Review status of my requests and proposals",
            "The tools this client requested (`requests`: request_pending, request_approved, request_rejected or changes_requested, with the human's words and the proposals that followed) and proposed (`proposals`: pending, approved, rejected, changes_requested, archived, withdrawn, with the validation verdict, the checks that did not pass (`failed_checks`: check, status, and for a check that reads the code without running it its message; the replay of real inputs is the person's to read, and moves neither) and what those found (`findings`: rule, file, line, severity, message), how each test case ended (`cases`: case, status, exit_code), the generated inputs that made it fail (`generated_failures`: kind, input), the reviewer's reason or feedback, the request it answers, and when), and the tools a person wants written (`wanted`: name, description, rationale, request_id; propose one with toolbench_propose_tool under that name and it answers the request).",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "Only the requests and proposals of this tool"}
                },
                "additionalProperties": false
            }),
        )
        .with_annotations(
            ToolAnnotations::new()
                .read_only(true)
                .destructive(false)
                .idempotent(true)
                .open_world(false),
        ),
        tool(
            REPORT_FAILURE,
            "Report a tool failure",
            "Report that a tool of this workspace failed or gave a wrong answer in a run you made: it lowers the tool's quality and shows in its history. The report is of your own run of the tool from the last 24 hours, `run_id` (the `run #N` a failed call answers with) or else your newest run of it; each run is reported once. A negative `tag` such as not-for-json says what the tool is not for.",
            json!({
                "type": "object",
                "properties": {
                    "tool": {"type": "string", "description": "NAME or NAME@VERSION"},
                    "scenario": {"type": "string", "description": format!("What the tool was asked to do (at most {failure_text})")},
                    "error": {"type": "string", "description": format!("What went wrong (at most {failure_text})")},
                    "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
                    "tag": {"type": "string", "description": "A negative tag such as not-for-json"},
                    "run_id": {"type": "integer", "description": "The run the failure was seen in; default: your newest run of the tool"}
                },
                "required": ["tool", "scenario", "error", "severity"],
                "additionalProperties": false
            }),
        )
        .with_annotations(
            ToolAnnotations::new()
                .read_only(false)
                .destructive(false)
                .idempotent(false)
                .open_world(false),
        ),
    ]
}

pub(crate) async fn call(
    shared: &Arc<ServerState>,
    name: &str,
    arguments: Option<JsonObject>,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let arguments = Value::Object(arguments.unwrap_or_default());
    let schema = definitions()
        .into_iter()
        .find(|t| t.name == name)
        .map(|t| Value::Object((*t.input_schema).clone()))
        .unwrap_or(Value::Null);
    if let Err(reason) = crate::model::input_schema::check(&schema, &arguments) {
        return refusal(format!(
            "{name}: arguments do not match the input schema: {reason}"
        ));
    }
    let client = client_name(context);
    let result = match name {
        PROPOSE => propose_tool(shared, &arguments, client).await,
        REQUEST => request_tool::request_tool(shared, &arguments, client).await,
        REVIEW_STATUS => review_status(shared, &arguments, client).await,
        _ => report_failure(shared, &arguments, client).await,
    };
    match result {
        Ok(value) => CallToolResult::structured(value),
        Err(reason) => refusal(format!("{name}: {}", crate::error_chain::one_line(&reason))),
    }
}

fn text<'a>(arguments: &'a Value, field: &str) -> Option<&'a str> {
    arguments.get(field).and_then(Value::as_str)
}

async fn propose_tool(
    shared: &Arc<ServerState>,
    arguments: &Value,
    client: String,
) -> Result<Value, OwnToolError> {
    let files: BTreeMap<String, String> = arguments
        .get("files")
        .and_then(Value::as_object)
        .map(|files| {
            files
                .iter()
                .map(|(path, text)| (path.clone(), text.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let proposal = Proposal {
        manifest: text(arguments, "manifest").unwrap_or_default().to_string(),
        files,
    };
    let command = Command::Propose {
        proposal,
        client: client.clone(),
    };
    let Applied::Proposed(landed) = shared.apply(Some(client), command).await? else {
        return Err(OwnToolError::Unanswered);
    };
    if let Some(tier) = landed.already_in {
        return Ok(already_there(&landed, tier));
    }
    shared.validate_later(shared.workbench().root().join(&landed.folder));
    Ok(json!({
        "name": landed.name,
        "version": landed.version,
        "folder": landed.folder,
        "content_hash": landed.content_hash,
        "state": "pending",
        "request_id": landed.request_id,
        "next": "A human reviews it in toolbench; call toolbench_review_status to see the decision.",
    }))
}

/// The answer to a proposal whose name, version and content are already in `tier`: where
/// they are, and what that means for the agent. Nothing was written or recorded.
fn already_there(landed: &Proposed, tier: Tier) -> Value {
    let (state, next) = match tier {
        Tier::Experimental => (
            "pending",
            format!(
                "{} already holds this name, version and content, waiting for a human's review; nothing was written.",
                landed.folder
            ),
        ),
        Tier::Core | Tier::Approved => (
            "active",
            format!(
                "This name, version and content is already active ({}): call {}.",
                landed.folder, landed.name
            ),
        ),
        Tier::Archived => (
            "archived",
            format!(
                "This name, version and content was archived ({}): rejected or retired; propose a changed version instead.",
                landed.folder
            ),
        ),
    };
    json!({
        "name": landed.name,
        "version": landed.version,
        "folder": landed.folder,
        "content_hash": landed.content_hash,
        "state": state,
        "already_there": true,
        "next": next,
    })
}

async fn review_status(
    shared: &Arc<ServerState>,
    arguments: &Value,
    client: String,
) -> Result<Value, OwnToolError> {
    let name = text(arguments, "name").map(str::to_string);
    if let Some(name) = &name {
        crate::text::bounded::check("name", name, MAX_NAME_BYTES)?;
    }
    let status = shared
        .read(move |workbench| workbench.agent_status(&client, name.as_deref()))
        .await?;
    Ok(json!({
        "requests": status.requests,
        "proposals": status.proposals,
        "wanted": status.wanted,
    }))
}

async fn report_failure(
    shared: &Arc<ServerState>,
    arguments: &Value,
    client: String,
) -> Result<Value, OwnToolError> {
    let tool = text(arguments, "tool").unwrap_or_default();
    crate::text::bounded::check("tool", tool, MAX_TOOL_SPEC_BYTES)?;
    let command = Command::MarkFailure {
        tool: tool.parse()?,
        report: FailureReport {
            scenario: text(arguments, "scenario").unwrap_or_default().to_string(),
            error: text(arguments, "error").unwrap_or_default().to_string(),
            severity: text(arguments, "severity").unwrap_or_default().parse()?,
            tag: text(arguments, "tag").map(str::to_string),
        },
        run: arguments.get("run_id").and_then(Value::as_i64),
    };
    let Applied::FailureMarked { failure, .. } = shared.apply(Some(client), command).await? else {
        return Err(OwnToolError::Unanswered);
    };
    Ok(json!({
        "id": failure.id,
        "tool": failure.tool,
        "version": failure.version,
        "severity": failure.severity,
        "run_id": failure.run_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_tools_have_valid_object_schemas() {
        for tool in definitions() {
            assert!(is_own(&tool.name));
            assert_eq!(tool.input_schema.get("type"), Some(&json!("object")));
            jsonschema::validator_for(&Value::Object((*tool.input_schema).clone()))
                .expect("a valid schema");
        }
    }
}
