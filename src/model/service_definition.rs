//! A service definition as `tools define`, `defined`, `export` and `import` see it: the seed's
//! storage fields, read from a manifest, written as one, and read from JSON with every wrong
//! field named.

use std::collections::BTreeMap;

use super::input_schema::kind_of;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Manifest, ServiceSpec};

/// The definition's fields, in the seed's storage format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Definition {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) executable: String,
    pub(crate) description: String,
    /// `"auto"` or a port number.
    pub(crate) port: Port,
    pub(crate) capabilities: Vec<String>,
    pub(crate) launch_args: Vec<String>,
    pub(crate) health_check: String,
    pub(crate) environment: BTreeMap<String, String>,
    pub(crate) defined_by: String,
    pub(crate) created_at: String,
    /// The files its folder holds besides `tool.toml` (a `--copy`'d executable), by relative
    /// path: filled by `tools export` so that `tools import` recreates the folder whole.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) files: BTreeMap<String, DefinedFile>,
}

/// One file of a definition's folder. Exported as `{"text": …}` when it is UTF-8, else as
/// `{"base64": …}`, with `"executable": true` when it has an executable bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DefinedFile {
    pub(crate) bytes: Vec<u8>,
    pub(crate) executable: bool,
}

impl Serialize for DefinedFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => map.serialize_entry("text", text)?,
            Err(_) => map.serialize_entry(
                "base64",
                &base64::engine::general_purpose::STANDARD.encode(&self.bytes),
            )?,
        }
        map.serialize_entry("executable", &self.executable)?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Port {
    Auto,
    Fixed(u16),
}

/// A port that is neither `auto` nor 1–65535.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not \"auto\" or a port number from 1 to 65535")]
pub(crate) struct BadPort(pub(crate) String);

/// A health check launch does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown health check {0:?} (expected tcp, http:/path, ping, version, status or none)")]
pub(crate) struct UnknownHealthCheck(pub(crate) String);

/// What is wrong with one field of an exported definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FieldProblem {
    #[error("unknown field (expected one of {0})")]
    Unknown(String),
    #[error("unknown adapter {0:?} (expected generic)")]
    UnknownAdapter(String),
    #[error("missing (the program to launch)")]
    NoExecutable,
    #[error(transparent)]
    Port(#[from] BadPort),
    #[error("{0} is not a port number from 1 to 65535")]
    PortNumber(serde_json::Number),
    #[error("expected \"auto\" or a number, got {0}")]
    PortKind(&'static str),
    #[error(transparent)]
    HealthCheck(#[from] UnknownHealthCheck),
    #[error("expected a string, got {0}")]
    NotString(&'static str),
    #[error("expected an array of strings, got {0}")]
    NotStrings(&'static str),
    #[error("expected an object of strings, got {0}")]
    NotStringMap(&'static str),
    #[error("expected an object of files by relative path, got {0}")]
    NotFiles(&'static str),
    #[error(
        "expected {{\"text\": …}} or {{\"base64\": …}}, with an optional \"executable\": true|false"
    )]
    NotFile,
    #[error("not valid base64: {0}")]
    NotBase64(String),
}

/// Why an exported definition was refused: one line naming the field.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DefinitionError {
    #[error("not valid JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("expected a JSON object, got {0}")]
    NotObject(&'static str),
    #[error("field `{field}`: {problem}")]
    Field {
        field: String,
        problem: FieldProblem,
    },
}

fn field(field: impl Into<String>, problem: impl Into<FieldProblem>) -> DefinitionError {
    DefinitionError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

impl Port {
    pub(crate) fn parse(text: &str) -> Result<Port, BadPort> {
        match text.trim() {
            "auto" => Ok(Port::Auto),
            other => match other.parse::<u16>() {
                Ok(port) if port > 0 => Ok(Port::Fixed(port)),
                _ => Err(BadPort(other.to_string())),
            },
        }
    }
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Port::Auto => f.write_str("auto"),
            Port::Fixed(port) => write!(f, "{port}"),
        }
    }
}

impl Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Port::Auto => s.serialize_str("auto"),
            Port::Fixed(port) => s.serialize_u16(*port),
        }
    }
}

/// The health checks launch knows.
pub(crate) fn check_health_check(text: &str) -> Result<(), UnknownHealthCheck> {
    let known = matches!(text, "tcp" | "ping" | "version" | "status" | "none")
        || text.starts_with("http:/");
    if known {
        Ok(())
    } else {
        Err(UnknownHealthCheck(text.to_string()))
    }
}

impl Definition {
    /// The definition of a service tool: its command's first word is the executable, the rest
    /// comes before the `[service]` launch arguments.
    pub(crate) fn of(manifest: &Manifest, service: &ServiceSpec) -> Self {
        let (executable, leading) = match manifest.run.command.split_first() {
            Some((first, rest)) => (first.clone(), rest.to_vec()),
            None => (String::new(), Vec::new()),
        };
        Definition {
            name: manifest.name.clone(),
            kind: service.kind.clone(),
            executable,
            description: manifest.description.to_string(),
            port: Port::parse(&service.port).unwrap_or(Port::Auto),
            capabilities: manifest.capabilities.iter().map(String::from).collect(),
            launch_args: leading
                .into_iter()
                .chain(service.launch_args.clone())
                .collect(),
            health_check: service.health_check.clone(),
            environment: manifest.run.env.clone(),
            defined_by: service.defined_by.clone().unwrap_or_default(),
            created_at: manifest.provenance.created.clone().unwrap_or_default(),
            files: BTreeMap::new(),
        }
    }

    /// The `tool.toml` of this definition, at `version`.
    pub(crate) fn to_manifest_toml(&self, version: &str) -> Result<String, toml::ser::Error> {
        let strings = |items: &[String]| {
            toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
        };
        let mut top = toml::Table::new();
        top.insert("name".into(), self.name.clone().into());
        top.insert("version".into(), version.into());
        let description = if self.description.trim().is_empty() {
            format!(
                "Service {} (defined with toolbench tools define)",
                self.name
            )
        } else {
            self.description.clone()
        };
        top.insert("description".into(), description.into());
        top.insert("category".into(), "custom".into());
        // It listens on the network: never below medium.
        top.insert("cost_tier".into(), "medium".into());
        top.insert("idempotent".into(), false.into());
        top.insert("capabilities".into(), strings(&self.capabilities));
        let mut run = toml::Table::new();
        run.insert(
            "command".into(),
            strings(std::slice::from_ref(&self.executable)),
        );
        run.insert("input".into(), "none".into());
        run.insert("network".into(), true.into());
        let env: toml::Table = self
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
            .collect();
        run.insert("env".into(), env.into());
        top.insert("run".into(), run.into());
        let mut service = toml::Table::new();
        service.insert("type".into(), self.kind.clone().into());
        let port = match self.port {
            Port::Auto => toml::Value::String("auto".into()),
            Port::Fixed(port) => toml::Value::Integer(port.into()),
        };
        service.insert("port".into(), port);
        service.insert("health_check".into(), self.health_check.clone().into());
        service.insert("launch_args".into(), strings(&self.launch_args));
        service.insert("defined_by".into(), self.defined_by.clone().into());
        top.insert("service".into(), service.into());
        let mut provenance = toml::Table::new();
        provenance.insert("origin".into(), "human".into());
        provenance.insert("created".into(), self.created_at.clone().into());
        top.insert("provenance".into(), provenance.into());
        toml::to_string(&top)
    }

    /// Reads an exported definition; `name` (the command's argument) wins over the JSON's.
    /// Every error names the field and what it should have been.
    pub(crate) fn from_json(
        name: &str,
        text: &str,
        defined_by: &str,
    ) -> Result<Self, DefinitionError> {
        let value: Value = serde_json::from_str(text).map_err(DefinitionError::NotJson)?;
        let Value::Object(map) = value else {
            return Err(DefinitionError::NotObject(kind_of(&value)));
        };
        const KNOWN: [&str; 12] = [
            "name",
            "type",
            "executable",
            "description",
            "port",
            "capabilities",
            "launch_args",
            "health_check",
            "environment",
            "defined_by",
            "created_at",
            "files",
        ];
        if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(field(
                unknown.as_str(),
                FieldProblem::Unknown(KNOWN.join(", ")),
            ));
        }
        let kind = string(&map, "type")?.unwrap_or_else(|| ServiceSpec::GENERIC.to_string());
        if kind != ServiceSpec::GENERIC {
            return Err(field("type", FieldProblem::UnknownAdapter(kind)));
        }
        let executable = string(&map, "executable")?
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| field("executable", FieldProblem::NoExecutable))?;
        let port = match map.get("port") {
            None | Some(Value::Null) => Port::Auto,
            Some(Value::String(s)) => Port::parse(s).map_err(|e| field("port", e))?,
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
                .map(Port::Fixed)
                .ok_or_else(|| field("port", FieldProblem::PortNumber(n.clone())))?,
            Some(other) => {
                return Err(field("port", FieldProblem::PortKind(kind_of(other))));
            }
        };
        let health_check = string(&map, "health_check")?.unwrap_or_else(|| "tcp".to_string());
        check_health_check(&health_check).map_err(|e| field("health_check", e))?;
        Ok(Definition {
            name: name.to_string(),
            kind,
            executable,
            description: string(&map, "description")?.unwrap_or_default(),
            port,
            capabilities: strings(&map, "capabilities")?,
            launch_args: strings(&map, "launch_args")?,
            health_check,
            environment: environment(&map)?,
            defined_by: defined_by.to_string(),
            created_at: string(&map, "created_at")?.unwrap_or_else(crate::clock::now_rfc3339),
            files: files(&map)?,
        })
    }
}

fn files(map: &Map<String, Value>) -> Result<BTreeMap<String, DefinedFile>, DefinitionError> {
    use base64::Engine;
    let files = match map.get("files") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(files)) => files,
        Some(other) => return Err(field("files", FieldProblem::NotFiles(kind_of(other)))),
    };
    files
        .iter()
        .map(|(path, file)| {
            let name = || format!("files.{path}");
            let Value::Object(file) = file else {
                return Err(field(name(), FieldProblem::NotFile));
            };
            if file
                .keys()
                .any(|k| !["text", "base64", "executable"].contains(&k.as_str()))
            {
                return Err(field(name(), FieldProblem::NotFile));
            }
            let bytes = match (file.get("text"), file.get("base64")) {
                (Some(Value::String(text)), None) => text.clone().into_bytes(),
                (None, Some(Value::String(encoded))) => base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| field(name(), FieldProblem::NotBase64(e.to_string())))?,
                _ => return Err(field(name(), FieldProblem::NotFile)),
            };
            let executable = match file.get("executable") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(x)) => *x,
                Some(_) => return Err(field(name(), FieldProblem::NotFile)),
            };
            Ok((path.clone(), DefinedFile { bytes, executable }))
        })
        .collect()
}

fn string(map: &Map<String, Value>, name: &str) -> Result<Option<String>, DefinitionError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(field(name, FieldProblem::NotString(kind_of(other)))),
    }
}

fn strings(map: &Map<String, Value>, name: &str) -> Result<Vec<String>, DefinitionError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(field(
                    format!("{name}[{i}]"),
                    FieldProblem::NotString(kind_of(other)),
                )),
            })
            .collect(),
        Some(other) => Err(field(name, FieldProblem::NotStrings(kind_of(other)))),
    }
}

fn environment(map: &Map<String, Value>) -> Result<BTreeMap<String, String>, DefinitionError> {
    match map.get("environment") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(vars)) => vars
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(field(
                    format!("environment.{k}"),
                    FieldProblem::NotString(kind_of(other)),
                )),
            })
            .collect(),
        Some(other) => Err(field(
            "environment",
            FieldProblem::NotStringMap(kind_of(other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_names_the_wrong_field_and_what_it_should_be() {
        let err = |text: &str| {
            Definition::from_json("x", text, "ana")
                .expect_err(text)
                .to_string()
        };
        assert!(err("{not json").starts_with("not valid JSON"));
        assert_eq!(err("[]"), "expected a JSON object, got an array");
        assert_eq!(
            err(r#"{"executable": "/bin/true", "port": true}"#),
            "field `port`: expected \"auto\" or a number, got a boolean"
        );
        assert_eq!(
            err(r#"{"executable": "/bin/true", "capabilities": "a,b"}"#),
            "field `capabilities`: expected an array of strings, got a string"
        );
        assert_eq!(
            err(r#"{"executable": "/bin/true", "environment": {"K": 1}}"#),
            "field `environment.K`: expected a string, got a number"
        );
        assert_eq!(
            err(r#"{"port": 80}"#),
            "field `executable`: missing (the program to launch)"
        );
        assert!(
            err(r#"{"executable": "/bin/true", "heath_check": "tcp"}"#)
                .starts_with("field `heath_check`: unknown field")
        );
        assert_eq!(
            err(r#"{"executable": "./s.py", "files": {"s.py": "print()"}}"#),
            "field `files.s.py`: expected {\"text\": …} or {\"base64\": …}, with an optional \"executable\": true|false"
        );
        assert!(
            err(r#"{"executable": "./s", "files": {"s": {"base64": "%%"}}}"#)
                .starts_with("field `files.s`: not valid base64")
        );
    }

    #[test]
    fn files_export_as_text_or_base64_and_read_back() {
        let mut def =
            Definition::from_json("kv", r#"{"executable": "./kv.py"}"#, "ana").expect("valid");
        def.files.insert(
            "kv.py".into(),
            DefinedFile {
                bytes: b"print('hi')\n".to_vec(),
                executable: true,
            },
        );
        def.files.insert(
            "blob".into(),
            DefinedFile {
                bytes: vec![0xff, 0x00, 0x7f],
                executable: false,
            },
        );
        let json = serde_json::to_value(&def).expect("json");
        assert_eq!(
            json["files"]["kv.py"],
            serde_json::json!({"text": "print('hi')\n", "executable": true})
        );
        assert_eq!(json["files"]["blob"]["base64"], "/wB/");
        let back = Definition::from_json("kv", &json.to_string(), "ana").expect("read back");
        assert_eq!(back.files, def.files);
    }

    #[test]
    fn a_definition_round_trips_through_its_manifest() {
        let json = r#"{"name": "other", "type": "generic", "executable": "/usr/bin/python3",
            "description": "kv", "port": 8405, "capabilities": ["cache"],
            "launch_args": ["kv.py", "--port", "{port}"], "health_check": "ping",
            "environment": {"MODE": "fast"}, "created_at": "2026-01-01T00:00:00Z"}"#;
        let def = Definition::from_json("kv", json, "ana").expect("valid");
        assert_eq!(def.name, "kv");
        assert_eq!(def.port, Port::Fixed(8405));
        let text = def.to_manifest_toml("1.0.0").expect("toml");
        let manifest =
            crate::catalog::manifest::parse_manifest(&text, std::path::Path::new("tool.toml"))
                .expect("parses")
                .manifest;
        let service = manifest.service.clone().expect("service");
        assert_eq!(Definition::of(&manifest, &service), def);
    }
}
