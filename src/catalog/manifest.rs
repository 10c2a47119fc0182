//! Parsing and checking `tool.toml`.
//!
//! The field names are a contract with agents and scripts (DESIGN §1). Every error names the
//! file, the line and the field; unknown fields are warnings, never errors. This module reads
//! one file and nothing else.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use crate::io_text::read_text_capped;
use crate::model::deps::ManifestDependencies;
use crate::model::{
    ANYWHERE, Category, CostTier, InputMode, Manifest, McpHints, NAME_RULE, Network, Origin,
    Permissions, ProjectAccess, Provenance, RunSpec, SchemaSource, ServiceSpec, ToolId,
};

/// Manifests larger than this are refused before parsing: a tool description is never this big.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

const TOP_LEVEL_FIELDS: &[&str] = &[
    "name",
    "version",
    "description",
    "category",
    "cost_tier",
    "idempotent",
    "keywords",
    "capabilities",
    "use_cases",
    "run",
    "input",
    "output",
    "provenance",
    "service",
    "mcp",
    "permissions",
    "inferred",
    "dependencies",
];
const DEPENDENCIES_FIELDS: &[&str] = &["index", "find_links", "allow_direct"];
const RUN_FIELDS: &[&str] = &[
    "command",
    "input",
    "timeout_secs",
    "memory_mb",
    "network",
    "env",
];
const PROVENANCE_FIELDS: &[&str] = &["origin", "generator", "created", "parent", "hint"];
const SERVICE_FIELDS: &[&str] = &["type", "port", "health_check", "launch_args", "defined_by"];
/// The longest `[mcp] title`: a title, not a description.
const MAX_TITLE_CHARS: usize = 80;
const PERMISSIONS_FIELDS: &[&str] = &["project", "read", "write", "network"];
const MCP_FIELDS: &[&str] = &[
    "title",
    "read_only",
    "destructive",
    "open_world",
    "ask",
    "task",
];

/// A problem in a manifest: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub(crate) file: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) field: Option<String>,
    pub(crate) message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ManifestError {}

/// A checked manifest plus the warnings (unknown fields) found on the way.
#[derive(Debug, Clone)]
pub(crate) struct ParsedManifest {
    pub(crate) manifest: Manifest,
    pub(crate) warnings: Vec<String>,
}

/// Reads and checks the manifest at `path`, refusing non-regular, oversized and non-UTF-8 files.
pub(crate) fn read_manifest(path: &Path) -> Result<ParsedManifest, ManifestError> {
    let text = read_text_capped(path, MAX_MANIFEST_BYTES).map_err(|e| ManifestError {
        file: path.to_path_buf(),
        line: None,
        field: None,
        message: e.to_string(),
    })?;
    parse_manifest(&text, path)
}

/// Checks manifest text; `file` is only used to name the file in errors and warnings.
pub(crate) fn parse_manifest(text: &str, file: &Path) -> Result<ParsedManifest, ManifestError> {
    let doc = Doc { src: text, file };
    if text.trim().is_empty() {
        return Err(doc.error(
            None,
            None,
            "file is empty (expected at least name, version, description and [run] command)",
        ));
    }
    let root = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|span| doc.line_of(span.start));
        let message = e.message().trim().replace('\n', " ");
        doc.error(line, None, &format!("invalid TOML: {message}"))
    })?;
    let root = root.get_ref();
    let mut warnings = Vec::new();
    doc.warn_unknown(root, "", TOP_LEVEL_FIELDS, &mut warnings);

    let top = Section {
        doc: &doc,
        table: root,
        prefix: "",
        line: 1,
    };
    let name = top.required_str("name")?;
    check_name(&name, &top)?;
    let version = top.required_str("version")?;
    let version = semver::Version::parse(&version).map_err(|e| {
        top.field_error(
            "version",
            &format!("{version:?} is not a semantic version like 1.2.0 ({e})"),
        )
    })?;
    let description = top.required_str("description")?;
    let category = top
        .parsed::<Category>("category")?
        .unwrap_or(Category::Custom);
    let cost_tier = top
        .parsed::<CostTier>("cost_tier")?
        .unwrap_or(CostTier::Medium);
    let idempotent = top.bool("idempotent")?.unwrap_or(false);
    let keywords = top.one_line_items("keywords")?;
    let capabilities = top.one_line_items("capabilities")?;
    let use_cases = top.one_line_items("use_cases")?;
    let inferred = top.bool("inferred")?.unwrap_or(false);

    let run_section = top.required_table("run", &mut warnings, RUN_FIELDS)?;
    let (run, network_on) = parse_run(&run_section)?;
    let input_schema = top.schema("input")?;
    let output_schema = top.schema("output")?;
    let provenance = match top.table("provenance", &mut warnings, PROVENANCE_FIELDS)? {
        Some(section) => parse_provenance(&section)?,
        None => Provenance::default(),
    };
    let service = match top.table("service", &mut warnings, SERVICE_FIELDS)? {
        Some(section) => Some(parse_service(&section)?),
        None => None,
    };
    let mcp = match top.table("mcp", &mut warnings, MCP_FIELDS)? {
        Some(section) => McpHints {
            title: section.title("title")?,
            read_only: section.bool("read_only")?,
            destructive: section.bool("destructive")?,
            open_world: section.bool("open_world")?,
            ask: section.bool("ask")?.unwrap_or(false),
            task: section.parsed("task")?,
        },
        None => McpHints::default(),
    };
    let permissions = match top.table("permissions", &mut warnings, PERMISSIONS_FIELDS)? {
        Some(section) => parse_permissions(&section, network_on)?,
        None if network_on => Permissions {
            network: Network::Any,
            ..Permissions::default()
        },
        None => Permissions::default(),
    };
    let dependencies = match top.table("dependencies", &mut warnings, DEPENDENCIES_FIELDS)? {
        Some(section) => parse_dependencies(&section)?,
        None => ManifestDependencies::default(),
    };

    Ok(ParsedManifest {
        manifest: Manifest {
            name,
            version,
            description: description.into(),
            category,
            cost_tier,
            idempotent,
            keywords: keywords.into_iter().collect(),
            capabilities: capabilities.into_iter().collect(),
            use_cases,
            run,
            input_schema,
            output_schema,
            provenance,
            service,
            mcp,
            permissions,
            inferred,
            dependencies,
        },
        warnings,
    })
}

/// The line of the key at `path` (e.g. `["run", "env", "LD_PRELOAD"]`) in manifest text, for
/// reports about a field of a manifest that parsed. `None` when the text does not parse or has
/// no such key.
pub(crate) fn key_line(text: &str, path: &[&str]) -> Option<usize> {
    let doc = Doc {
        src: text,
        file: Path::new(""),
    };
    let root = DeTable::parse(text).ok()?;
    let (last, parents) = path.split_last()?;
    let mut table = root.get_ref();
    for name in parents {
        let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *name)?;
        let DeValue::Table(inner) = value.get_ref() else {
            return None;
        };
        table = inner;
    }
    let (key, _) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *last)?;
    Some(doc.line_of(key.span().start))
}

pub(crate) use crate::model::is_valid_name;

fn check_name(name: &str, top: &Section<'_, '_>) -> Result<(), ManifestError> {
    if is_valid_name(name) {
        return Ok(());
    }
    Err(top.field_error(
        "name",
        &format!("{name:?} is not a valid tool name ({NAME_RULE})"),
    ))
}

/// The `[run]` section, and whether its `network = true` asks for the network anywhere.
fn parse_run(run: &Section<'_, '_>) -> Result<(RunSpec, bool), ManifestError> {
    let command = run.str_list("command")?;
    if command.is_empty() || command[0].trim().is_empty() {
        return Err(run.field_error(
            "command",
            "must be a non-empty argv array such as [\"python3\", \"main.py\"]",
        ));
    }
    let input = run
        .parsed::<InputMode>("input")?
        .unwrap_or(InputMode::StdinJson);
    let timeout_secs = run
        .int_in("timeout_secs", RunSpec::TIMEOUT_SECS_RANGE)?
        .unwrap_or(RunSpec::DEFAULT_TIMEOUT_SECS);
    let memory_mb = run
        .int_in("memory_mb", RunSpec::MEMORY_MB_RANGE)?
        .unwrap_or(RunSpec::DEFAULT_MEMORY_MB);
    let network = run.bool("network")?.unwrap_or(false);
    let env = run.str_map("env")?;
    let spec = RunSpec {
        command,
        input,
        timeout_secs,
        memory_mb,
        env,
    };
    Ok((spec, network))
}

/// The `[permissions]` section; `network_on` is `[run] network = true`, a synonym of
/// `network = ["*"]` that must not contradict a list given here.
fn parse_permissions(
    section: &Section<'_, '_>,
    network_on: bool,
) -> Result<Permissions, ManifestError> {
    let project = section
        .parsed::<ProjectAccess>("project")?
        .unwrap_or_default();
    let network = match section.get("network") {
        None if network_on => Network::Any,
        None => Network::None,
        Some(_) => {
            let entries = section.str_list("network")?;
            let network = if entries.iter().any(|e| e == ANYWHERE) {
                Network::Any
            } else if entries.is_empty() {
                Network::None
            } else {
                let hosts = entries
                    .iter()
                    .map(|entry| entry.parse())
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(|why| section.field_error("network", &why))?;
                Network::Hosts(hosts)
            };
            if network_on && network != Network::Any {
                return Err(section.field_error(
                    "network",
                    "contradicts [run] network = true (which means [\"*\"]): keep one of them",
                ));
            }
            network
        }
    };
    let permissions = Permissions {
        project,
        read: section.str_list("read")?,
        write: section.str_list("write")?,
        network,
    };
    permissions
        .check()
        .map_err(|(field, why)| section.field_error(field, &why))?;
    Ok(permissions)
}

/// `[dependencies]`: an index and links, each an address the resolution may reach.
fn parse_dependencies(section: &Section<'_, '_>) -> Result<ManifestDependencies, ManifestError> {
    let index = section.str("index")?;
    if let Some(index) = &index {
        crate::model::deps::check_index(index).map_err(|why| section.field_error("index", &why))?;
    }
    let find_links = section.str_list("find_links")?;
    for link in &find_links {
        crate::model::deps::check_find_links(link, true)
            .map_err(|why| section.field_error("find_links", &why))?;
    }
    Ok(ManifestDependencies {
        index,
        find_links,
        allow_direct: section.bool("allow_direct")?.unwrap_or(false),
    })
}

fn parse_provenance(section: &Section<'_, '_>) -> Result<Provenance, ManifestError> {
    let parent = match section.str("parent")? {
        Some(parent) => Some(parse_parent(&parent, section)?),
        None => None,
    };
    Ok(Provenance {
        origin: section.parsed::<Origin>("origin")?,
        generator: section.str("generator")?,
        created: section.datetime_or_str("created")?,
        parent,
        hint: section.str("hint")?,
    })
}

/// `parent` is `name@version`, naming the tool this one evolved from.
fn parse_parent(parent: &str, section: &Section<'_, '_>) -> Result<ToolId, ManifestError> {
    match parent.parse::<ToolId>() {
        Ok(id) if id.version.is_some() => Ok(id),
        _ => Err(section.field_error(
            "parent",
            &format!("{parent:?} is not of the form name@version, e.g. csv_to_json@1.1.0"),
        )),
    }
}

fn parse_service(section: &Section<'_, '_>) -> Result<ServiceSpec, ManifestError> {
    let port = match section.get("port") {
        None => "auto".to_string(),
        Some(value) => match value.get_ref() {
            DeValue::String(s) if s == "auto" => "auto".to_string(),
            DeValue::Integer(i) => match i.as_str().parse::<u16>() {
                Ok(port) if port > 0 && i.radix() == 10 => port.to_string(),
                _ => {
                    return Err(section.value_error(
                        "port",
                        value,
                        "must be \"auto\" or a port number from 1 to 65535",
                    ));
                }
            },
            _ => {
                return Err(section.value_error(
                    "port",
                    value,
                    "must be \"auto\" or a port number from 1 to 65535",
                ));
            }
        },
    };
    let health_check = section
        .str("health_check")?
        .unwrap_or_else(|| "none".to_string());
    let valid_check = matches!(
        health_check.as_str(),
        "tcp" | "ping" | "version" | "status" | "none"
    ) || health_check.starts_with("http:/");
    if !valid_check {
        return Err(section.field_error(
            "health_check",
            &format!("unknown value {health_check:?} (expected tcp, http:/path, ping, version, status or none)"),
        ));
    }
    let kind = section
        .str("type")?
        .unwrap_or_else(|| ServiceSpec::GENERIC.to_string());
    if kind != ServiceSpec::GENERIC {
        return Err(section.field_error(
            "type",
            &format!("unknown adapter {kind:?} (expected generic)"),
        ));
    }
    Ok(ServiceSpec {
        kind,
        port,
        health_check,
        launch_args: section.str_list("launch_args")?,
        defined_by: section.str("defined_by")?,
    })
}

/// The source text and its file name, for turning byte offsets into lines.
struct Doc<'a> {
    src: &'a str,
    file: &'a Path,
}

impl Doc<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn error(&self, line: Option<usize>, field: Option<String>, message: &str) -> ManifestError {
        ManifestError {
            file: self.file.to_path_buf(),
            line,
            field,
            message: message.to_string(),
        }
    }

    fn warn_unknown(
        &self,
        table: &DeTable<'_>,
        prefix: &str,
        known: &[&str],
        out: &mut Vec<String>,
    ) {
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                out.push(format!(
                    "{}:{}: unknown field `{prefix}{}` (ignored)",
                    self.file.display(),
                    self.line_of(key.span().start),
                    key.get_ref()
                ));
            }
        }
    }
}

/// One table of the manifest, with typed accessors that report errors with file, line and field.
struct Section<'a, 'i> {
    doc: &'a Doc<'a>,
    table: &'a DeTable<'i>,
    /// `""` for the top level, `"run."` for `[run]`, …
    prefix: &'static str,
    /// Line of the table header, for errors about a missing field.
    line: usize,
}

/// What a title or a list's word must be: shown on one line, and kept in the index's columns
/// (a list's items joined by a control character).
const ONE_LINE: &str = "one line without control characters";

fn is_one_line(text: &str) -> bool {
    !text.contains(char::is_control)
}

impl<'a, 'i> Section<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn field_name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn field_error(&self, key: &str, message: &str) -> ManifestError {
        let line = self
            .get(key)
            .map(|v| self.doc.line_of(v.span().start))
            .unwrap_or(self.line);
        self.doc
            .error(Some(line), Some(self.field_name(key)), message)
    }

    fn value_error(&self, key: &str, value: &Spanned<DeValue<'_>>, message: &str) -> ManifestError {
        let line = self.doc.line_of(value.span().start);
        self.doc
            .error(Some(line), Some(self.field_name(key)), message)
    }

    fn type_error(&self, key: &str, value: &Spanned<DeValue<'_>>, expected: &str) -> ManifestError {
        let found = value.get_ref().type_str();
        self.value_error(key, value, &format!("expected {expected}, found {found}"))
    }

    fn str(&self, key: &str) -> Result<Option<String>, ManifestError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.get_ref() {
                DeValue::String(s) => Ok(Some(s.to_string())),
                _ => Err(self.type_error(key, value, "a string")),
            },
        }
    }

    /// A short one-line text: a title.
    fn title(&self, key: &str) -> Result<Option<String>, ManifestError> {
        match self.str(key)? {
            Some(s) if s.trim().is_empty() => Err(self.field_error(key, "must not be empty")),
            Some(s) if !is_one_line(&s) => {
                Err(self.field_error(key, &format!("must be {ONE_LINE}")))
            }
            Some(s) if s.chars().count() > MAX_TITLE_CHARS => Err(self.field_error(
                key,
                &format!("must be at most {MAX_TITLE_CHARS} characters"),
            )),
            other => Ok(other),
        }
    }

    fn required_str(&self, key: &str) -> Result<String, ManifestError> {
        match self.str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(self.field_error(key, "must not be empty")),
            None => Err(self.doc.error(
                Some(self.line),
                Some(self.field_name(key)),
                "missing required field",
            )),
        }
    }

    fn parsed<T: std::str::FromStr<Err = crate::model::UnknownValue>>(
        &self,
        key: &str,
    ) -> Result<Option<T>, ManifestError> {
        match self.str(key)? {
            None => Ok(None),
            Some(s) => s
                .parse::<T>()
                .map(Some)
                .map_err(|e| self.field_error(key, &e.to_string())),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, ManifestError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.get_ref() {
                DeValue::Boolean(b) => Ok(Some(*b)),
                _ => Err(self.type_error(key, value, "true or false")),
            },
        }
    }

    /// A whole number within `range`; anything else (negative, huge, a float) is refused
    /// here, so limits never overflow or wrap where they are applied.
    fn int_in(
        &self,
        key: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Option<u64>, ManifestError> {
        let expected = format!("a whole number from {} to {}", range.start(), range.end());
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.get_ref() {
                DeValue::Integer(i) => match u64::from_str_radix(i.as_str(), i.radix()) {
                    Ok(n) if range.contains(&n) => Ok(Some(n)),
                    _ => {
                        Err(self.value_error(key, value, &format!("must be {expected}, found {i}")))
                    }
                },
                _ => Err(self.type_error(key, value, &expected)),
            },
        }
    }

    fn datetime_or_str(&self, key: &str) -> Result<Option<String>, ManifestError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.get_ref() {
                DeValue::Datetime(d) => Ok(Some(d.to_string())),
                DeValue::String(s) => Ok(Some(s.to_string())),
                _ => Err(self.type_error(key, value, "a date-time such as 2026-10-28T10:00:00Z")),
            },
        }
    }

    fn str_list(&self, key: &str) -> Result<Vec<String>, ManifestError> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.type_error(key, value, "an array of strings"));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Ok(s.to_string()),
                _ => Err(self.type_error(key, item, "an array of strings")),
            })
            .collect()
    }

    /// A list of one-line items: keywords and capabilities, which the index keeps as one
    /// column, their items joined by a control character that no item may hold; use cases,
    /// each a line of the list an agent reads in the tool's description, where a line break
    /// would let an item write lines of its own (a forged `Permissions:` line).
    fn one_line_items(&self, key: &str) -> Result<Vec<String>, ManifestError> {
        let words = self.str_list(key)?;
        if !words.iter().all(|w| is_one_line(w)) {
            return Err(self.field_error(key, &format!("each item must be {ONE_LINE}")));
        }
        Ok(words)
    }

    fn str_map(
        &self,
        key: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, ManifestError> {
        let Some(value) = self.get(key) else {
            return Ok(Default::default());
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.type_error(key, value, "a table of strings, e.g. { LC_ALL = \"C\" }"));
        };
        table
            .iter()
            .map(|(k, v)| match v.get_ref() {
                DeValue::String(s) => Ok((k.get_ref().to_string(), s.to_string())),
                _ => Err(self.type_error(&format!("{key}.{}", k.get_ref()), v, "a string")),
            })
            .collect()
    }

    fn table(
        &self,
        key: &'static str,
        warnings: &mut Vec<String>,
        known: &[&str],
    ) -> Result<Option<Section<'a, 'i>>, ManifestError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.type_error(key, value, "a table"));
        };
        let prefix = match key {
            "run" => "run.",
            "provenance" => "provenance.",
            "service" => "service.",
            "mcp" => "mcp.",
            "permissions" => "permissions.",
            _ => "",
        };
        self.doc.warn_unknown(table, prefix, known, warnings);
        Ok(Some(Section {
            doc: self.doc,
            table,
            prefix,
            line: self.doc.line_of(value.span().start),
        }))
    }

    fn required_table(
        &self,
        key: &'static str,
        warnings: &mut Vec<String>,
        known: &[&str],
    ) -> Result<Section<'a, 'i>, ManifestError> {
        self.table(key, warnings, known)?.ok_or_else(|| {
            self.doc.error(
                None,
                Some(self.field_name(key)),
                "missing required table (add [run] with command = [...])",
            )
        })
    }

    /// `[input]` / `[output]`: an inline JSON Schema or `schema_file = "…"`.
    fn schema(&self, key: &str) -> Result<Option<SchemaSource>, ManifestError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.type_error(key, value, "a table holding a JSON Schema"));
        };
        if let Some((_, file)) = table.iter().find(|(k, _)| k.get_ref() == "schema_file") {
            return match file.get_ref() {
                DeValue::String(path) if is_relative_inside(path) => {
                    Ok(Some(SchemaSource::File(path.to_string())))
                }
                _ => Err(self.value_error(
                    &format!("{key}.schema_file"),
                    file,
                    "must be a relative path inside the tool folder",
                )),
            };
        }
        if table.is_empty() {
            return Ok(None);
        }
        Ok(Some(SchemaSource::Inline(table_to_json(table).to_string())))
    }
}

/// True for a relative path that cannot climb out of the folder it is resolved in.
pub(crate) fn is_relative_inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}

fn table_to_json(table: &DeTable<'_>) -> serde_json::Value {
    serde_json::Value::Object(
        table
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), value_to_json(v.get_ref())))
            .collect(),
    )
}

fn value_to_json(value: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .map(Value::from)
            .unwrap_or(Value::Null),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => {
            Value::Array(items.iter().map(|v| value_to_json(v.get_ref())).collect())
        }
        DeValue::Table(table) => table_to_json(table),
    }
}

#[cfg(test)]
mod tests;
