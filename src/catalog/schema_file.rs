//! A tool's JSON Schema as declared by its manifest: inline, or a file in its folder.

use std::path::Path;

use serde_json::Value;

use crate::catalog::manifest::MAX_MANIFEST_BYTES;
use crate::io_text::read_text_capped;
use crate::model::SchemaSource;
use crate::model::input_schema::SchemaError;

/// The schema as JSON, read from the tool folder when it lives in a `schema_file`.
pub(crate) fn load(source: &SchemaSource, tool_dir: &Path) -> Result<Value, SchemaError> {
    match source {
        SchemaSource::Inline(text) => {
            serde_json::from_str(text).map_err(|e| SchemaError::InlineNotJson(e.to_string()))
        }
        SchemaSource::File(file) => {
            let text = read_text_capped(&tool_dir.join(file), MAX_MANIFEST_BYTES).map_err(|r| {
                SchemaError::Unreadable {
                    file: file.clone(),
                    reason: r.to_string(),
                }
            })?;
            serde_json::from_str(&text).map_err(|e| SchemaError::FileNotJson {
                file: file.clone(),
                reason: e.to_string(),
            })
        }
    }
}
