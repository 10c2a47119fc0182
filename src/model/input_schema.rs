//! JSON Schema checks for tool input (before spawning) and output (after a run), and the
//! example input a schema suggests. Reading a schema from a tool folder is
//! `catalog::schema_file`'s.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// Why a schema could not be read, or why a value does not match it. The messages are
/// details kept as text: runs and jobs clone and compare these errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("inline schema is not valid JSON ({0})")]
    InlineNotJson(String),
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: not valid JSON ({reason})")]
    FileNotJson { file: String, reason: String },
    #[error("the schema itself is invalid: {0}")]
    Invalid(String),
    /// A member `additionalProperties: false` does not allow.
    #[error("field `{field}`: not allowed (no such field)")]
    NotAllowed { field: String },
    #[error("{0}")]
    Mismatch(String),
    #[error("field `{field}`: {reason}")]
    FieldMismatch { field: String, reason: String },
}

/// A JSON value's type in words, for errors: "a string", "an object", "null".
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `instance` against `schema`; the error names the offending field, e.g.
/// `field `csv`: 5 is not of type "string"`.
pub(crate) fn check(schema: &Value, instance: &Value) -> Result<(), SchemaError> {
    let validator =
        jsonschema::validator_for(schema).map_err(|e| SchemaError::Invalid(e.to_string()))?;
    let Some(error) = validator.iter_errors(instance).next() else {
        return Ok(());
    };
    let path = error.instance_path().to_string();
    let field = path.trim_start_matches('/').replace('/', ".");
    // `additionalProperties: false` without `properties` is reported at the object, with the
    // value of its first member: name that member, which is the field that is not allowed.
    if matches!(error.kind(), ValidationErrorKind::FalseSchema)
        && error
            .schema_path()
            .as_str()
            .ends_with("/additionalProperties")
        && let Some(name) = instance
            .pointer(&path)
            .and_then(Value::as_object)
            .and_then(|object| object.keys().next())
    {
        let field = if field.is_empty() {
            name.clone()
        } else {
            format!("{field}.{name}")
        };
        return Err(SchemaError::NotAllowed { field });
    }
    if field.is_empty() {
        Err(SchemaError::Mismatch(shortened(error.to_string())))
    } else {
        Err(SchemaError::FieldMismatch {
            field,
            reason: shortened(error.to_string()),
        })
    }
}

/// A mismatch's message quotes the value that broke the schema: only its start, so a
/// megabyte argument is not sent back in the refusal (nor kept in a run's error).
fn shortened(mut message: String) -> String {
    const SHOWN_CHARS: usize = 300;
    if let Some((end, _)) = message.char_indices().nth(SHOWN_CHARS) {
        message.truncate(end);
        message.push('…');
    }
    message
}

/// A starting input for the launch dialog: defaults where the schema has them, otherwise
/// an empty value of the declared type, for every property; an optional property whose
/// empty value its own schema refuses (`minLength = 1`) is left out rather than shown wrong.
pub(crate) fn example_input(schema: &Value) -> Value {
    example_of(schema, 0)
}

fn example_of(schema: &Value, depth: usize) -> Value {
    if let Some(default) = schema.get("default") {
        return default.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            ""
        },
    );
    match kind {
        "object" if depth < 4 => {
            let mut out = serde_json::Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    let example = example_of(prop, depth + 1);
                    let fits =
                        || jsonschema::validator_for(prop).is_ok_and(|v| v.is_valid(&example));
                    if required.contains(&name.as_str()) || fits() {
                        out.insert(name.clone(), example);
                    }
                }
            }
            Value::Object(out)
        }
        "object" => Value::Object(Default::default()),
        "array" => Value::Array(vec![]),
        "string" => Value::String(String::new()),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The deepest schema and input a tool can give (JSON parses 128 levels deep at most) are
    /// checked within the stack of a runtime's worker (2 MiB), where an MCP call checks them:
    /// the validator is built unoptimised (Cargo.toml), with larger frames, and a stack
    /// overflow would end the whole server.
    #[test]
    fn the_deepest_schema_a_tool_can_give_is_checked_on_a_workers_stack() {
        let depth = 126;
        let schema_text = format!(
            "{}{{\"type\": \"string\"}}{}",
            "{\"type\": \"array\", \"items\": ".repeat(depth),
            "}".repeat(depth)
        );
        let input_text = format!("{}5{}", "[".repeat(depth), "]".repeat(depth));
        let schema: Value = serde_json::from_str(&schema_text).expect("parses");
        let input: Value = serde_json::from_str(&input_text).expect("parses");
        let checked = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || check(&schema, &input))
            .expect("thread")
            .join()
            .expect("checked without overflowing");
        assert!(
            matches!(checked, Err(SchemaError::FieldMismatch { .. })),
            "the innermost 5 is not a string: {checked:?}"
        );
    }

    fn schema() -> Value {
        json!({"type": "object", "required": ["csv"], "properties": {
            "csv": {"type": "string"}, "delimiter": {"type": "string", "default": ","}, "n": {"type": "integer"}}})
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(check(&schema(), &json!({"csv": "a"})), Ok(()));
        let err = check(&schema(), &json!({"csv": 5}))
            .expect_err("wrong type")
            .to_string();
        assert!(
            err.starts_with("field `csv`: 5 is not of type \"string\""),
            "{err}"
        );
        let err = check(&schema(), &json!({}))
            .expect_err("missing")
            .to_string();
        assert!(err.contains("\"csv\" is a required property"), "{err}");
    }

    #[test]
    fn a_mismatch_quotes_only_the_start_of_a_long_value() {
        let severity = json!({"type": "object", "properties": {
            "severity": {"type": "string", "enum": ["low", "high"]}}});
        let err = check(&severity, &json!({"severity": "x".repeat(1 << 20)}))
            .expect_err("not one of")
            .to_string();
        assert!(err.starts_with("field `severity`: \"xxx"), "{err}");
        assert!(err.ends_with('…') && err.len() < 400, "{} bytes", err.len());
    }

    #[test]
    fn a_field_no_schema_property_allows_is_named() {
        let none = json!({"type": "object", "additionalProperties": false});
        assert_eq!(check(&none, &json!({})), Ok(()));
        let err = check(&none, &json!({"path": "."})).expect_err("no input taken");
        assert_eq!(err.to_string(), "field `path`: not allowed (no such field)");
        let nested = json!({"type": "object", "properties": {
            "opts": {"type": "object", "additionalProperties": false}}});
        let err = check(&nested, &json!({"opts": {"deep": 1}})).expect_err("nested");
        assert_eq!(
            err.to_string(),
            "field `opts.deep`: not allowed (no such field)"
        );
    }

    #[test]
    fn example_input_uses_defaults_and_types() {
        assert_eq!(
            example_input(&schema()),
            json!({"csv": "", "delimiter": ",", "n": 0})
        );
    }

    #[test]
    fn an_optional_field_whose_empty_value_is_refused_is_left_out_of_the_example() {
        let schema = json!({"type": "object", "required": ["csv"], "properties": {
            "csv": {"type": "string", "minLength": 1},
            "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
            "header": {"type": "boolean"}}});
        // A required field stays for the person to fill in; the optional one is left out.
        assert_eq!(example_input(&schema), json!({"csv": "", "header": false}));
    }
}
