//! `toolbench tools …`: long-running tools. Definitions (define, defined, undefine, export,
//! import) and instances (launch, stop, status, logs, send); DESIGN §7.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::term::{errln, outln, print_json};
use super::{CliError, CliResult, Workbench, apply, decide, unexpected};
use crate::command::{Applied, Command};
use crate::model::ServiceSpec;
use crate::model::run_output::Stream;
use crate::model::service_definition::{DefinedFile, Definition, Port, check_health_check};
use crate::model::services::InstanceState;
use crate::model::services::{FeedItem, launch_line};
use crate::model::services::{FeedStart, Follow, InstanceEvent};
use crate::text::human_size;
use crate::workbench::events::{Sources, WorkbenchEvent};

/// What `tools import` reads from stdin beyond the files it carries.
const IMPORT_FIELDS_BYTES: u64 = 1024 * 1024;
/// The key `tools logs --follow` follows its one instance under.
const FOLLOWED: u64 = 0;
/// How often `tools logs --follow` looks whether its reader is still there.
const READER_CHECK: Duration = Duration::from_millis(200);

#[derive(Debug, Args)]
pub(crate) struct ToolsArgs {
    #[command(subcommand)]
    command: ToolsCommand,
}

#[derive(Debug, Subcommand)]
enum ToolsCommand {
    /// Create or update a service tool in core/NAME (a tool.toml with a [service] section).
    Define(DefineArgs),
    /// List the active (core and approved) service tools, or show one definition.
    Defined {
        name: Option<String>,
        /// Print JSON: an array of definitions, or NAME's as one object ({name, type,
        /// executable, description, port, capabilities, launch_args, health_check,
        /// environment, defined_by, created_at}).
        #[arg(long)]
        json: bool,
    },
    /// Archive a service definition (never deleted; `toolbench restore` brings it back).
    Undefine { name: String },
    /// Print a service definition as JSON.
    Export { name: String },
    /// Create or update the service NAME from a JSON definition on stdin.
    Import { name: String },
    /// Start an instance of a service in the sandbox and wait until it is healthy.
    Launch {
        name: String,
        /// The instance's name; the service's own name when not given.
        #[arg(long, value_name = "I")]
        instance: Option<String>,
        /// Launch even when the tool's cost tier asks for a confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Stop an instance: SIGTERM, then SIGKILL after services.stop_grace_secs.
    Stop { instance: String },
    /// Every instance with its state and port.
    Status {
        /// Print a JSON array of {instance, tool, port, pid, state, started_at,
        /// last_exchange_at, error}.
        #[arg(long)]
        json: bool,
    },
    /// An instance's output and its exchanges.
    Logs {
        instance: String,
        /// Keep printing as more arrives, until the instance stops.
        #[arg(long)]
        follow: bool,
    },
    /// Send one message to an instance (relaunched first when stopped); prints the answer.
    Send {
        instance: String,
        message: String,
        /// A JSON object sent along as `context`.
        #[arg(long, value_name = "JSON")]
        context: Option<String>,
    },
}

#[derive(Debug, Args)]
struct DefineArgs {
    name: String,
    /// The adapter; only `generic`.
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    /// The program to launch: a path, or a name found in /usr/local/bin:/usr/bin:/bin.
    #[arg(long)]
    executable: Option<String>,
    /// Copy the executable file into the tool folder instead of referencing it.
    #[arg(long)]
    copy: bool,
    #[arg(long)]
    description: Option<String>,
    /// `auto` (from services.port_range) or a port number.
    #[arg(long)]
    port: Option<String>,
    /// Comma-separated.
    #[arg(long)]
    capabilities: Option<String>,
    /// Arguments, split on whitespace; `{port}` becomes the instance's port.
    #[arg(long, allow_hyphen_values = true)]
    launch_args: Option<String>,
    /// tcp, http:/path, ping, version, status or none.
    #[arg(long)]
    health_check: Option<String>,
    /// KEY=VALUE, repeatable.
    #[arg(long = "env", value_name = "K=V")]
    env: Vec<String>,
}

impl ToolsArgs {
    pub(crate) fn is_send(&self) -> bool {
        matches!(self.command, ToolsCommand::Send { .. })
    }
}

pub(crate) fn run(args: ToolsArgs, ws: &Workbench) -> CliResult {
    match args.command {
        ToolsCommand::Define(args) => define_cmd(args, ws),
        ToolsCommand::Defined { name, json } => defined(name.as_deref(), json, ws),
        ToolsCommand::Undefine { name } => undefine(&name, ws),
        ToolsCommand::Export { name } => export(&name, ws),
        ToolsCommand::Import { name } => import(&name, ws),
        ToolsCommand::Launch {
            name,
            instance,
            yes,
        } => {
            let unnamed = crate::model::services::default_instance(&name);
            launch(&name, instance.as_deref().unwrap_or(unnamed), yes, ws)
        }
        ToolsCommand::Stop { instance } => stop(&instance, ws),
        ToolsCommand::Status { json } => status(json, ws),
        ToolsCommand::Logs { instance, follow } => logs(&instance, follow, ws),
        ToolsCommand::Send {
            instance,
            message,
            context,
        } => send(&instance, &message, context.as_deref(), ws),
    }
}

fn define_cmd(args: DefineArgs, ws: &Workbench) -> CliResult {
    let cwd =
        std::env::current_dir().map_err(|e| CliError::msg(format!("current directory: {e}")))?;
    let existing = ws.service_definition(&args.name)?;
    let mut def = match existing {
        Some((def, _)) => def,
        None => Definition {
            name: args.name.clone(),
            kind: ServiceSpec::GENERIC.to_string(),
            executable: String::new(),
            description: String::new(),
            port: Port::Auto,
            capabilities: Vec::new(),
            launch_args: Vec::new(),
            health_check: "tcp".to_string(),
            environment: BTreeMap::new(),
            defined_by: ws.config().reviewer_name(),
            created_at: crate::clock::now_rfc3339(),
            files: BTreeMap::new(),
        },
    };
    if let Some(kind) = args.kind {
        if kind != ServiceSpec::GENERIC {
            return Err(CliError::msg(format!(
                "--type: unknown adapter {kind:?} (expected generic)"
            )));
        }
        def.kind = kind;
    }
    if let Some(executable) = args.executable {
        if args.copy {
            let (name, file) = copied(&cwd.join(&executable))?;
            def.executable = format!("./{name}");
            def.files.insert(name, file);
        } else if executable.contains('/') {
            // Referenced as an absolute path: the service does not run from here.
            def.executable = cwd.join(&executable).display().to_string();
        } else {
            def.executable = executable;
        }
    } else if args.copy {
        return Err(CliError::msg("--copy needs --executable FILE".to_string()));
    }
    if def.executable.is_empty() {
        return Err(CliError::msg(format!(
            "{}: --executable is required for a new service",
            args.name
        )));
    }
    if let Some(description) = args.description {
        def.description = description;
    }
    if let Some(port) = args.port {
        def.port = Port::parse(&port).map_err(|e| CliError::msg(format!("--port: {e}")))?;
    }
    if let Some(list) = args.capabilities {
        def.capabilities = list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
    }
    if let Some(launch_args) = args.launch_args {
        def.launch_args = launch_args.split_whitespace().map(str::to_string).collect();
    }
    if let Some(check) = args.health_check {
        check_health_check(&check).map_err(|e| CliError::msg(format!("--health-check: {e}")))?;
        def.health_check = check;
    }
    for pair in args.env {
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| CliError::msg(format!("--env {pair:?}: expected KEY=VALUE")))?;
        def.environment.insert(key.to_string(), value.to_string());
    }
    let (path, updated) = write_definition(ws, def)?;
    outln!(
        "{} service {} ({})",
        if updated { "updated" } else { "defined" },
        args.name,
        relative(ws.root(), &path)
    );
    tell_if_it_will_not_launch(ws, &args.name);
    Ok(())
}

/// A definition sealed where signatures are required, and not signed, is told now rather
/// than at its first launch: what is missing, and how a reviewer signs it.
fn tell_if_it_will_not_launch(ws: &Workbench, name: &str) {
    let Ok(entry) = ws.find_reading(&crate::model::ToolId::named(name)) else {
        return;
    };
    if let Some(drift) = entry.drift.as_deref().filter(|d| d.is_signature()) {
        errln!(
            "toolbench: {name} will not launch as it is ({}, and [review] signatures = \
             \"require\"): `toolbench validate {name}`, then a reviewer's `toolbench approve \
             {name}` signs it",
            drift.label()
        );
    }
}

/// Writes `def` through the library's door: where it went, and whether it replaced one.
fn write_definition(ws: &Workbench, def: Definition) -> Result<(PathBuf, bool), CliError> {
    let command = Command::DefineService {
        definition: Box::new(def),
    };
    let Applied::ServiceDefined { path, updated } = apply(ws, command)? else {
        return Err(unexpected());
    };
    Ok((path, updated))
}

/// The file `--copy` brings into the tool folder, by its name.
fn copied(source: &Path) -> Result<(String, DefinedFile), CliError> {
    use std::os::unix::fs::PermissionsExt;
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::msg(format!("{}: not a file", source.display())))?;
    let cannot =
        |e: std::io::Error| CliError::msg(format!("{}: cannot copy: {e}", source.display()));
    let meta = std::fs::metadata(source).map_err(cannot)?;
    if !meta.is_file() {
        return Err(CliError::msg(format!("{}: not a file", source.display())));
    }
    let bytes = std::fs::read(source).map_err(cannot)?;
    let executable = meta.permissions().mode() & 0o111 != 0;
    Ok((name, DefinedFile { bytes, executable }))
}

/// `tools export`: the definition with the files of its folder, which `tools import` needs
/// to recreate it (a `--copy`'d executable).
fn export(name: &str, ws: &Workbench) -> CliResult {
    let (mut def, dir) = definition_and_folder(name, ws)?;
    def.files = crate::workbench::reads::service_files(&dir)?;
    print_json(&def)
}

/// `tools defined`: every active service tool, or one definition.
fn defined(name: Option<&str>, json: bool, ws: &Workbench) -> CliResult {
    if let Some(name) = name {
        let def = definition_of(name, ws)?;
        if json {
            return print_json(&def);
        }
        for (key, value) in serde_json::to_value(&def)?
            .as_object()
            .into_iter()
            .flatten()
        {
            outln!("{key:<13} {value}");
        }
        return Ok(());
    }
    let catalog = ws.scan();
    let services: Vec<Definition> = catalog
        .entries()
        .iter()
        .filter(|e| e.tier.is_active())
        .filter_map(|e| {
            let manifest = e.manifest.as_ref()?;
            Some(Definition::of(manifest, manifest.service.as_ref()?))
        })
        .collect();
    if json {
        return print_json(&services);
    }
    if services.is_empty() {
        errln!("no service tools (define one with toolbench tools define NAME --executable PATH)");
    }
    for def in services {
        outln!(
            "{:<24} port {:<6} health {:<10} {}",
            def.name,
            def.port.to_string(),
            def.health_check,
            def.description
        );
    }
    Ok(())
}

/// The definition of the active service `name`: one archived (undefined) or still in
/// experimental is not defined.
fn definition_of(name: &str, ws: &Workbench) -> Result<Definition, CliError> {
    definition_and_folder(name, ws).map(|(def, _)| def)
}

/// `definition_of`, and the folder it is in.
fn definition_and_folder(
    name: &str,
    ws: &Workbench,
) -> Result<(Definition, std::path::PathBuf), CliError> {
    let entry = ws.find_service(name)?;
    if !entry.tier.is_active() {
        let what = if entry.tier == crate::model::Tier::Archived {
            format!("archived, `toolbench restore {name}` brings it back")
        } else {
            format!("a candidate, `toolbench approve {name}` makes it active")
        };
        return Err(CliError::msg(format!(
            "{name}: no active service of that name ({} is {what})",
            relative(ws.root(), &entry.path)
        )));
    }
    let manifest = entry
        .manifest
        .as_ref()
        .ok_or_else(|| CliError::msg(format!("{name}: manifest is broken")))?;
    let service = manifest
        .service
        .as_ref()
        .ok_or_else(|| CliError::msg(format!("{name}: not a service (no [service] section)")))?;
    Ok((Definition::of(manifest, service), entry.path.clone()))
}

fn undefine(name: &str, ws: &Workbench) -> CliResult {
    // Read first: it names why a name is no active service, as `defined` and `export` do.
    definition_of(name, ws)?;
    decide::apply(
        ws,
        Command::UndefineService {
            name: name.to_string(),
        },
    )
}

fn import(name: &str, ws: &Workbench) -> CliResult {
    // Files as large as a tool may be, in base64 at worst (4 bytes for 3).
    let max = (ws.config().catalog.max_tool_bytes / 3)
        .saturating_mul(4)
        .saturating_add(IMPORT_FIELDS_BYTES);
    let mut text = String::new();
    std::io::stdin()
        .take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::msg(format!("stdin: {e}")))?;
    if text.len() as u64 > max {
        return Err(CliError::msg(format!("stdin: more than {max} bytes")));
    }
    let def = Definition::from_json(name, &text, &ws.config().reviewer_name())
        .map_err(|e| CliError::msg(format!("import {name}: {e}")))?;
    // A field the definition's checks refuse is named as the JSON's own errors name theirs.
    let (path, updated) = write_definition(ws, def).map_err(|e| match e.refused_field() {
        Some((field, reason)) => CliError::msg(format!("import {name}: field `{field}`: {reason}")),
        None => e,
    })?;
    outln!(
        "{} service {name} ({})",
        if updated { "updated" } else { "imported" },
        relative(ws.root(), &path)
    );
    tell_if_it_will_not_launch(ws, name);
    Ok(())
}

fn launch(name: &str, instance: &str, yes: bool, ws: &Workbench) -> CliResult {
    let command = Command::Launch {
        tool: name.to_string(),
        instance: instance.to_string(),
        confirmed: yes,
    };
    let Applied::Launched(launched) = apply(ws, command)? else {
        return Err(unexpected());
    };
    let row = &launched.row;
    outln!(
        "instance {} of {}@{} is healthy on port {} (pid {}, {} ms)",
        row.name,
        row.tool,
        row.version,
        row.port,
        row.pid.unwrap_or(0),
        launched.took.as_millis()
    );
    outln!("sandbox: {}", row.sandbox);
    Ok(())
}

fn stop(instance: &str, ws: &Workbench) -> CliResult {
    let command = Command::Stop {
        instance: instance.to_string(),
    };
    let Applied::Stopped(how) = apply(ws, command)? else {
        return Err(unexpected());
    };
    let what = match how {
        crate::model::services::Stopped::NotRunning => "was not running",
        crate::model::services::Stopped::Terminated => "stopped",
        crate::model::services::Stopped::Killed => "killed after the grace period",
        crate::model::services::Stopped::Stuck => "still there",
    };
    outln!("instance {instance} {what}");
    Ok(())
}

/// The `tools status --json` shape (a contract for scripts).
#[derive(Serialize)]
struct Listed<'a> {
    instance: &'a str,
    tool: &'a str,
    port: u16,
    pid: Option<u32>,
    state: InstanceState,
    started_at: &'a str,
    last_exchange_at: Option<&'a str>,
    error: Option<&'a str>,
}

fn status(json: bool, ws: &Workbench) -> CliResult {
    let rows = match ws.existing_reader() {
        Some(reader) => reader.instances(false)?,
        None => Vec::new(),
    };
    if json {
        let listed: Vec<Listed> = rows
            .iter()
            .map(|r| Listed {
                instance: &r.name,
                tool: &r.tool,
                port: r.port,
                pid: r.pid,
                state: r.state,
                started_at: &r.started_at,
                last_exchange_at: r.last_exchange_at.as_deref(),
                error: r.error.as_deref(),
            })
            .collect();
        return print_json(&listed);
    }
    if rows.is_empty() {
        errln!("no instances (start one with toolbench tools launch NAME --instance I)");
        return Ok(());
    }
    outln!(
        "{:<20} {:<20} {:<9} {:<5} {:<8} ERROR",
        "INSTANCE",
        "TOOL",
        "STATE",
        "PORT",
        "PID"
    );
    for r in &rows {
        outln!(
            "{:<20} {:<20} {:<9} {:<5} {:<8} {}",
            r.name,
            r.tool,
            r.state.as_str(),
            r.port,
            r.pid.map_or("-".to_string(), |p| p.to_string()),
            crate::text::visible(r.error.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}

fn send(instance: &str, message: &str, context: Option<&str>, ws: &Workbench) -> CliResult {
    let context = match context {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| CliError::msg(format!("--context is not valid JSON: {e}")))?,
        None => serde_json::json!({}),
    };
    // An exchange is a log line of a live service: it is not worth a synchronous fsync (the
    // round-trip figure, BENCHMARKS.md); see `sync_lightly` for what a power loss may drop.
    ws.sync_lightly()?;
    let command = Command::Send {
        instance: instance.to_string(),
        message: message.to_string(),
        context,
    };
    let Applied::Sent(sent) = apply(ws, command)? else {
        return Err(unexpected());
    };
    if let Some(launched) = &sent.relaunched {
        errln!(
            "instance {instance} was stopped: relaunched on port {}",
            launched.row.port
        );
    }
    outln!("{}", sent.answer);
    Ok(())
}

fn logs(instance: &str, follow: bool, ws: &Workbench) -> CliResult {
    if ws.reader()?.instance(instance)?.is_none() {
        return Err(CliError::msg(format!(
            "no instance named {instance} (see toolbench tools status)"
        )));
    }
    let mut printed = HistoryPrinter::default();
    if follow {
        follow_logs(instance, ws, &mut printed)?;
    } else {
        let items = ws.instance_history(instance)?;
        items.into_iter().for_each(|item| printed.print(item));
    }
    printed.finish();
    Ok(())
}

/// Prints the instance's history from its beginning as the workbench's stream of events
/// tells it, until the instance stops (all it wrote before is printed) or nobody reads.
fn follow_logs(instance: &str, ws: &Workbench, printed: &mut HistoryPrinter) -> CliResult {
    let follow = Follow {
        key: FOLLOWED,
        from: FeedStart::Beginning,
    };
    ws.follow_instance(instance.to_string(), follow);
    super::runtime()?.block_on(async {
        let mut events = ws.events(Sources {
            services: true,
            ..Sources::default()
        })?;
        let mut reader_check = tokio::time::interval(READER_CHECK);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(WorkbenchEvent::Services(InstanceEvent::Feed { key: FOLLOWED, item })) => {
                        printed.print(item);
                    }
                    Some(WorkbenchEvent::Services(InstanceEvent::Stopped { key: FOLLOWED })) | None => {
                        return Ok(());
                    }
                    Some(WorkbenchEvent::Services(InstanceEvent::Unreadable(e))) => {
                        return Err(e.into());
                    }
                    Some(_) => {}
                },
                _ = reader_check.tick() => if super::term::reader_left() {
                    return Ok(());
                },
            }
        }
    })
}

/// An instance's history printed: each stream's output a line at a time, prefixed with its
/// stream, launches and exchanges as lines of their own.
struct HistoryPrinter {
    lines: [LogLines; 2],
}

impl Default for HistoryPrinter {
    fn default() -> Self {
        Self {
            lines: [LogLines::new("out"), LogLines::new("err")],
        }
    }
}

impl HistoryPrinter {
    fn print(&mut self, item: FeedItem) {
        match item {
            FeedItem::Output {
                stream,
                bytes,
                dropped,
            } => self.lines[slot(stream)].print(&bytes, dropped),
            FeedItem::Launch(launch) => {
                self.finish();
                outln!("{}", launch_line(&launch));
            }
            FeedItem::Exchange(exchange) => {
                self.finish();
                // One line each, to a pipe too: a message's line break would start a line that
                // reads as an exchange of its own.
                let one_line = crate::text::visible;
                outln!("[{}] → {}", exchange.at, one_line(&exchange.message));
                match (&exchange.response, &exchange.error) {
                    (_, Some(error)) => outln!("[{}] ✗ {}", exchange.at, one_line(error)),
                    (Some(response), None) => {
                        outln!("[{}] ← {}", exchange.at, one_line(response))
                    }
                    (None, None) => {}
                }
            }
        }
    }

    /// Prints the half-written lines, if any.
    fn finish(&mut self) {
        self.lines.iter_mut().for_each(LogLines::finish);
    }
}

fn slot(stream: Stream) -> usize {
    match stream {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

/// One stream's output printed a line at a time, each prefixed with its stream, with a line
/// saying how much was rotated away before what follows. A half-written line waits for its
/// end, or for the next launch or exchange (which it came before).
struct LogLines {
    label: &'static str,
    partial: Vec<u8>,
}

impl LogLines {
    fn new(label: &'static str) -> Self {
        LogLines {
            label,
            partial: Vec::new(),
        }
    }

    fn print(&mut self, bytes: &[u8], dropped: u64) {
        if dropped > 0 {
            self.finish();
            outln!(
                "{} | … {} dropped (rotated) …",
                self.label,
                human_size(dropped)
            );
        }
        self.partial.extend_from_slice(bytes);
        let complete = self
            .partial
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let rest = self.partial.split_off(complete);
        for line in String::from_utf8_lossy(&self.partial).lines() {
            outln!("{} | {line}", self.label);
        }
        self.partial = rest;
    }

    /// Prints the half-written line, if any.
    fn finish(&mut self) {
        if !self.partial.is_empty() {
            outln!(
                "{} | {}",
                self.label,
                String::from_utf8_lossy(&self.partial)
            );
            self.partial.clear();
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
