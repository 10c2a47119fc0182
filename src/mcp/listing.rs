//! What agents see: the active catalog as MCP tool definitions.
//!
//! A tool is listed when it is active (core or approved), its manifest is whole, it may run
//! (`prohibited` never does) and its name does not take one of toolbench's own. Schemas are
//! always objects, as MCP requires: a tool whose input or output is not an object gets it
//! wrapped in one field, and the call unwraps it again (`Wrapping`).

use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use crate::model::admission::{Admission, Asker, RunPolicy, admission};
use crate::model::input_schema;
use crate::model::{CostTier, InputMode, Manifest, Permissions, Tier, ToolEntry};
use crate::workbench::reads::schema_of;

/// The field that carries a non-object input or output.
pub(crate) const WRAPPED_INPUT: &str = "input";
pub(crate) const WRAPPED_OUTPUT: &str = "result";

/// Names that belong to toolbench's own tools.
pub(crate) const OWN_PREFIX: &str = "toolbench_";

/// How a call's arguments become the tool's input, and its output the structured result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wrapping {
    /// The arguments object is the input (or the output object is the result).
    Whole,
    /// The input (output) is the value of the one wrapping field.
    Field,
}

/// What a call of a listed tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One sandboxed run per call.
    Run,
    /// One exchange with the service's instance, launched on demand (DESIGN §7).
    Service,
}

/// One listed tool: its catalog entry, what `tools/list` shows, and how calls map onto it.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) entry: ToolEntry,
    pub(crate) tool: Tool,
    pub(crate) kind: Kind,
    pub(crate) input: Wrapping,
    /// `None` when the manifest declares no output schema.
    pub(crate) output: Option<Wrapping>,
}

/// The listed tools by name, in name order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub(crate) tools: BTreeMap<String, Arc<Listed>>,
    /// Active tools that are not listed, by name: why a call of one never runs. An agent
    /// that names one (from an older listing, or a person's hint) is told that, as a person
    /// at the CLI or the workbench is, rather than that no such tool exists.
    pub(crate) unlisted: BTreeMap<String, String>,
}

impl Listing {
    /// Builds the listing from every entry of the catalog; entries that cannot be listed are
    /// left out (a broken schema file is the tool's problem, not the agent's).
    pub(crate) fn of(entries: &[ToolEntry], policy: &RunPolicy) -> Self {
        let mut listing = Self::default();
        let active = entries
            .iter()
            .filter(|e| matches!(e.tier, Tier::Core | Tier::Approved))
            .filter(|e| !e.name.starts_with(OWN_PREFIX));
        for entry in active {
            match listed(entry) {
                Ok(l) => {
                    let l = Arc::new(warn_of_waiting(l, policy));
                    listing.tools.insert(entry.name.clone(), l);
                }
                Err(why) => {
                    listing
                        .unlisted
                        .insert(entry.name.clone(), refusal(entry, &why));
                }
            }
        }
        // Two active tools of one name: the listed one answers.
        let Listing { tools, unlisted } = &mut listing;
        unlisted.retain(|name, _| !tools.contains_key(name));
        listing
    }

    /// The definitions, in name order.
    pub(crate) fn definitions(&self) -> impl Iterator<Item = &Tool> {
        self.tools.values().map(|l| &l.tool)
    }

    /// True when agents would see the same tools defined the same way.
    pub(crate) fn same_as(&self, other: &Listing) -> bool {
        self.definitions().eq(other.definitions())
    }
}

/// Tells agents up front that a tool's calls wait for a human, so a slow answer is expected.
fn warn_of_waiting(mut listed: Listed, policy: &RunPolicy) -> Listed {
    if let Admission::Confirm(why) = admission(&listed.entry, policy, Asker::Agent) {
        let description = listed.tool.description.take().unwrap_or_default();
        listed.tool.description =
            Some(format!("{description}\n\nEach call waits for a human's approval: {why}.").into());
    }
    listed
}

/// Why an active tool is not listed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotListed {
    #[error("the manifest is broken or was not read")]
    Broken,
    /// Its content is not what a person accepted (`seal`): it would be refused.
    #[error("{0}")]
    NotReviewed(&'static str),
    #[error("cost_tier = \"prohibited\"")]
    Prohibited,
    #[error(transparent)]
    Schema(#[from] input_schema::SchemaError),
}

/// What a call of an active tool that is not listed is answered, in the words every front
/// end uses for a tool that never runs.
pub(crate) fn refusal(entry: &ToolEntry, why: &NotListed) -> String {
    match (why, &entry.error) {
        (NotListed::Broken, Some(error)) => {
            format!("{} never runs: its manifest is broken: {error}", entry.name)
        }
        (NotListed::Broken | NotListed::Prohibited, _) => {
            format!("{} never runs: {why}", entry.name)
        }
        (NotListed::NotReviewed(_), _) => format!("{} will not run: {why}", entry.name),
        (NotListed::Schema(e), _) => format!("{} cannot run: {e}", entry.name),
    }
}

/// The definition of one active tool, or why it is not listed: only what may run is.
pub(crate) fn listed(entry: &ToolEntry) -> Result<Listed, NotListed> {
    let manifest = match (&entry.manifest, &entry.error) {
        (Some(m), None) if !entry.oversized => m,
        _ => return Err(NotListed::Broken),
    };
    if let Some(drift) = &entry.drift {
        return Err(NotListed::NotReviewed(drift.for_agent()));
    }
    if manifest.cost_tier == CostTier::Prohibited {
        return Err(NotListed::Prohibited);
    }
    if manifest.service.is_some() {
        return Ok(service_listed(entry, manifest));
    }
    let input_schema = match &manifest.input_schema {
        Some(source) => Some(schema_of(entry, source)?),
        None => None,
    };
    let (input_schema, input) = input_object(manifest.run.input, input_schema);
    let (output_schema, output) = match &manifest.output_schema {
        Some(source) => {
            let (schema, wrapping) = wrap_object(schema_of(entry, source)?, WRAPPED_OUTPUT);
            (Some(schema), Some(wrapping))
        }
        None => (None, None),
    };
    let mut tool = Tool::new_with_raw(
        entry.name.clone(),
        Some(description(manifest).into()),
        Arc::new(input_schema),
    )
    .with_title(title(manifest))
    .with_annotations(annotations(manifest, false));
    if let Some(schema) = output_schema {
        tool = tool.with_raw_output_schema(Arc::new(schema));
    }
    Ok(Listed {
        entry: entry.clone(),
        tool,
        kind: Kind::Run,
        input,
        output,
    })
}

/// A service takes one message (and an optional context object) and answers in text.
fn service_listed(entry: &ToolEntry, manifest: &Manifest) -> Listed {
    let schema = json!({
        "type": "object",
        "properties": {
            "message": {"type": "string", "description": "The message sent to the service"},
            "context": {"type": "object", "description": "Sent along with the message"},
        },
        "required": ["message"],
        "additionalProperties": false,
    });
    let mut text = description(manifest);
    text.push_str("\n\nA long-running service: each call sends `message` to its instance (started on the first call) and returns the answer.");
    let tool = Tool::new_with_raw(
        entry.name.clone(),
        Some(text.into()),
        Arc::new(as_object(schema)),
    )
    .with_title(title(manifest))
    // A message may change the instance's state, whatever its network.
    .with_annotations(annotations(manifest, true));
    Listed {
        entry: entry.clone(),
        tool,
        kind: Kind::Service,
        input: Wrapping::Whole,
        output: None,
    }
}

/// The description with its use cases, so an agent can tell when to reach for the tool, and
/// its permissions, so it knows what a call may read, write and reach.
fn description(manifest: &Manifest) -> String {
    let mut text = manifest.description.to_string();
    if !manifest.use_cases.is_empty() {
        text.push_str("\n\nUse it to:");
        for case in &manifest.use_cases {
            text.push_str("\n- ");
            text.push_str(case);
        }
    }
    if manifest.permissions != Permissions::default() {
        text.push_str(&format!(
            "\n\nPermissions: {}.",
            manifest.permissions.summary()
        ));
    }
    text
}

/// The manifest's `[mcp] title`, else from the name: `git_changed_files` → `Git changed files`.
fn title(manifest: &Manifest) -> String {
    if let Some(title) = &manifest.mcp.title {
        return title.clone();
    }
    let words = manifest.name.replace(['_', '-'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// The hints the manifest gives, else derived from its permissions: a tool that may write
/// nothing and reach nothing changes nothing (it writes only its own scratch folder), and
/// no hint makes a tool that may write read-only. Not read-only, it may destroy; with
/// network, it reaches an open world. `stateful`: a call may change the state of something
/// that outlives it (a service's instance), whatever the permissions.
fn annotations(manifest: &Manifest, stateful: bool) -> ToolAnnotations {
    let permissions = &manifest.permissions;
    let changes_nothing =
        !stateful && permissions.writes_nothing() && permissions.network.is_none();
    let read_only =
        manifest.mcp.read_only.unwrap_or(changes_nothing) && permissions.writes_nothing();
    ToolAnnotations::new()
        .read_only(read_only)
        .destructive(manifest.mcp.destructive.unwrap_or(!read_only))
        .idempotent(manifest.idempotent)
        .open_world(
            manifest
                .mcp
                .open_world
                .unwrap_or(!manifest.permissions.network.is_none()),
        )
}

/// The input schema agents see, always an object.
fn input_object(mode: InputMode, schema: Option<Value>) -> (JsonObject, Wrapping) {
    match (mode, schema) {
        (InputMode::None, _) => (
            as_object(json!({"type": "object", "additionalProperties": false})),
            Wrapping::Whole,
        ),
        (_, Some(schema)) => wrap_object(schema, WRAPPED_INPUT),
        // Without a schema, `args` takes scalar values (they become argv words) and
        // `stdin-json` any object.
        (InputMode::Args, None) => (
            as_object(json!({
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "integer", "boolean"]}
            })),
            Wrapping::Whole,
        ),
        (InputMode::StdinJson, None) => (as_object(json!({"type": "object"})), Wrapping::Whole),
    }
}

/// An object schema as it is; anything else as the one required field `field`.
fn wrap_object(schema: Value, field: &str) -> (JsonObject, Wrapping) {
    let is_object = match schema.get("type") {
        Some(Value::String(kind)) => kind == "object",
        Some(_) => false,
        None => schema.get("properties").is_some(),
    };
    if is_object {
        return (as_object(schema), Wrapping::Whole);
    }
    let wrapped = json!({
        "type": "object",
        "properties": { field: schema },
        "required": [field],
        "additionalProperties": false,
    });
    (as_object(wrapped), Wrapping::Field)
}

fn as_object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::manifest::parse_manifest;
    use crate::config::Config;
    use std::path::Path;

    fn entry(tier: Tier, toml: &str) -> ToolEntry {
        let parsed = parse_manifest(toml, Path::new("tool.toml")).expect("manifest");
        let name = parsed.manifest.name.clone();
        // As a scan fills it in: the listing fields come from the manifest.
        ToolEntry {
            cost_tier: Some(parsed.manifest.cost_tier),
            manifest: Some(Arc::new(parsed.manifest)),
            ..ToolEntry::fixture(tier, &name)
        }
    }

    fn tool_json(l: &Listed) -> Value {
        serde_json::to_value(&l.tool).expect("json")
    }

    #[test]
    fn only_active_runnable_tools_are_listed_in_name_order() {
        let make = |name: &str, extra: &str| {
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\n{extra}\n[run]\ncommand = [\"true\"]\n"
            )
        };
        let entries = vec![
            entry(Tier::Approved, &make("zeta", "")),
            entry(Tier::Core, &make("alpha", "")),
            entry(Tier::Experimental, &make("candidate", "")),
            entry(Tier::Archived, &make("old", "")),
            entry(Tier::Core, &make("never", "cost_tier = \"prohibited\"")),
            entry(Tier::Core, &make("toolbench_propose_tool", "")),
            ToolEntry {
                error: Some("broken".into()),
                ..ToolEntry::fixture(Tier::Core, "broken")
            },
        ];
        let config = Config::defaults().expect("defaults");
        let listing = Listing::of(&entries, &config.run_policy());
        let names: Vec<_> = listing.tools.keys().cloned().collect();
        assert_eq!(names, ["alpha", "zeta"]);
        // The active ones left out are known, with why they never run; candidates are not.
        let unlisted: Vec<_> = listing.unlisted.iter().collect();
        assert_eq!(
            unlisted,
            [
                (
                    &"broken".to_string(),
                    &"broken never runs: its manifest is broken: broken".to_string()
                ),
                (
                    &"never".to_string(),
                    &"never never runs: cost_tier = \"prohibited\"".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_tool_whose_calls_wait_says_so_in_its_description() {
        let make = |name: &str, cost: &str| {
            format!(
                "name = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"d\"\ncost_tier = \"{cost}\"\n[run]\ncommand = [\"true\"]\n"
            )
        };
        let entries = vec![
            entry(Tier::Core, &make("deploy", "high")),
            entry(Tier::Core, &make("count", "low")),
        ];
        let config = Config::defaults().expect("defaults");
        let listing = Listing::of(&entries, &config.run_policy());
        let description = |name: &str| {
            listing.tools[name]
                .tool
                .description
                .clone()
                .unwrap_or_default()
                .into_owned()
        };
        assert!(
            description("deploy").contains("Each call waits for a human's approval"),
            "{}",
            description("deploy")
        );
        assert_eq!(description("count"), "d");
    }

    #[test]
    fn without_network_a_tool_is_read_only_unless_it_says_otherwise() {
        let hints = |toml: &str| tool_json(&listed(&entry(Tier::Core, toml)).expect("listed"));
        let base = "name = \"csv_to_json\"\nversion = \"1.0.0\"\ndescription = \"d\"\n";
        let offline = hints(&format!("{base}[run]\ncommand = [\"true\"]\n"));
        assert_eq!(
            offline["annotations"],
            json!({"readOnlyHint": true, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false})
        );
        assert_eq!(offline["title"], "Csv to json", "from the name when unset");
        let renames = hints(&format!(
            "{base}[mcp]\ntitle = \"CSV to JSON\"\nread_only = false\n[run]\ncommand = [\"true\"]\n"
        ));
        assert_eq!(renames["title"], "CSV to JSON");
        assert_eq!(renames["annotations"]["readOnlyHint"], false);
        assert_eq!(renames["annotations"]["destructiveHint"], true);
        let service = hints(&format!(
            "{base}[run]\ncommand = [\"true\"]\n[service]\nport = \"auto\"\n"
        ));
        assert_eq!(
            service["annotations"]["readOnlyHint"], false,
            "a message may change a service's state"
        );
    }

    #[test]
    fn schemas_are_objects_and_hints_are_conservative() {
        let none = entry(
            Tier::Core,
            "name = \"n\"\nversion = \"1.0.0\"\ndescription = \"Counts\"\nuse_cases = [\"count words\"]\n[run]\ncommand = [\"true\"]\ninput = \"none\"\nnetwork = true\n",
        );
        let listed = listed(&none).expect("listed");
        let json = tool_json(&listed);
        assert_eq!(
            json["inputSchema"],
            json!({"type": "object", "additionalProperties": false})
        );
        assert_eq!(
            json["description"],
            "Counts\n\nUse it to:\n- count words\n\nPermissions: network anywhere."
        );
        assert_eq!(json["title"], "N");
        assert_eq!(
            json["annotations"],
            json!({"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": true})
        );

        let array_io = entry(
            Tier::Approved,
            "name = \"a\"\nversion = \"1.0.0\"\ndescription = \"d\"\nidempotent = true\n[mcp]\nread_only = true\n[run]\ncommand = [\"true\"]\n[input]\ntype = \"array\"\n[output]\ntype = \"array\"\n",
        );
        let listed = super::listed(&array_io).expect("listed");
        assert_eq!(
            (listed.input, listed.output),
            (Wrapping::Field, Some(Wrapping::Field))
        );
        let json = tool_json(&listed);
        assert_eq!(json["inputSchema"]["required"], json!(["input"]));
        assert_eq!(
            json["outputSchema"]["properties"]["result"],
            json!({"type": "array"})
        );
        assert_eq!(
            json["annotations"],
            json!({"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false})
        );
    }

    /// The annotations of a tool with `mcp` in its `[mcp]` and `permissions` in its `[permissions]`.
    fn annotated(mcp: &str, permissions: &str) -> Value {
        let toml = format!(
            "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[mcp]\n{mcp}\n\
             [run]\ncommand = [\"true\"]\n[permissions]\n{permissions}\n"
        );
        tool_json(&listed(&entry(Tier::Core, &toml)).expect("listed"))["annotations"].clone()
    }

    #[test]
    fn a_tool_that_may_write_is_never_read_only_whatever_its_mcp_section_says() {
        let nothing = annotated("", "");
        assert_eq!(nothing["readOnlyHint"], true, "no permissions: {nothing}");
        assert_eq!(nothing["destructiveHint"], false);
        assert_eq!(nothing["openWorldHint"], false);
        assert_eq!(
            annotated("", "project = \"read\"\nread = [\"~/data\"]")["readOnlyHint"],
            true,
            "reading is not changing"
        );
        for writes in [
            "project = \"write\"",
            "project = \"read\"\nwrite = [\"project/build\"]",
            "read = [\"~/out\"]\nwrite = [\"~/out\"]",
        ] {
            for mcp in ["", "read_only = true"] {
                let hints = annotated(mcp, writes);
                assert_eq!(hints["readOnlyHint"], false, "{mcp} {writes}: {hints}");
                assert_eq!(hints["destructiveHint"], true, "{mcp} {writes}: {hints}");
            }
        }
    }

    #[test]
    fn a_tool_that_may_reach_a_host_is_open_world_and_says_so_in_its_description() {
        let toml = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"Fetches\"\n[run]\ncommand = [\"true\"]\n\
                    [permissions]\nproject = \"read\"\nnetwork = [\"api.github.com:443\"]\n";
        let json = tool_json(&listed(&entry(Tier::Core, toml)).expect("listed"));
        assert_eq!(json["annotations"]["openWorldHint"], true, "{json}");
        assert_eq!(
            json["annotations"]["readOnlyHint"], false,
            "derived: a tool with network may change what it reaches"
        );
        assert_eq!(
            json["description"],
            "Fetches\n\nPermissions: project read · network api.github.com:443."
        );
        let offline = annotated("", "project = \"read\"");
        assert_eq!(offline["openWorldHint"], false, "{offline}");
        let plain = entry(
            Tier::Core,
            "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\n",
        );
        assert_eq!(
            tool_json(&listed(&plain).expect("listed"))["description"],
            "d",
            "no permissions, no sentence"
        );
    }

    #[test]
    fn a_service_takes_a_message_and_an_optional_context() {
        let service = entry(
            Tier::Core,
            "name = \"svc\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\ninput = \"none\"\n[service]\nport = \"auto\"\n",
        );
        let listed = listed(&service).expect("listed");
        assert_eq!(listed.kind, Kind::Service);
        let json = tool_json(&listed);
        assert_eq!(json["inputSchema"]["required"], json!(["message"]));
        assert_eq!(
            json["inputSchema"]["properties"]["context"]["type"],
            "object"
        );
        assert!(json.get("outputSchema").is_none());
    }

    #[test]
    fn args_tools_without_a_schema_take_scalar_values() {
        let args = entry(
            Tier::Core,
            "name = \"g\"\nversion = \"1.0.0\"\ndescription = \"d\"\n[run]\ncommand = [\"true\"]\ninput = \"args\"\n",
        );
        let json = tool_json(&listed(&args).expect("listed"));
        assert_eq!(json["inputSchema"]["type"], "object");
        assert_eq!(
            json["inputSchema"]["additionalProperties"]["type"],
            json!(["string", "number", "integer", "boolean"])
        );
    }
}
