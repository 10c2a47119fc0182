//! A field of a service definition refused by the checks a definition passes before it is
//! written, said once for both front ends that write one: `tools define` and `tools import`.

use super::executable::ExecutableError;

/// A field of a definition that cannot be written as given. It says what is wrong as
/// `tools define` always has (`executable nonexist is not found in …`); `field` is the
/// field's name in the definition's JSON and `reason` the rest, for `tools import` to name
/// the field as the JSON's own errors do (``field `executable`: nonexist is not found …``).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{said}")]
pub struct FieldRefused {
    pub(crate) field: String,
    pub(crate) reason: String,
    said: String,
}

impl FieldRefused {
    /// `said` names the field by `subject` (`executable `, `files: `) before its reason.
    pub(super) fn new(field: &str, said: String, subject: &str) -> Self {
        let reason = said.strip_prefix(subject).unwrap_or(&said).to_string();
        FieldRefused {
            field: field.to_string(),
            reason,
            said,
        }
    }

    /// A refusal whose remedy is said in each front end's own terms: `said` in `tools
    /// define`'s (its flags), `reason` in `tools import`'s (the JSON's fields).
    pub(super) fn with_import_reason(field: &str, said: String, reason: String) -> Self {
        FieldRefused {
            field: field.to_string(),
            reason,
            said,
        }
    }

    pub(super) fn executable(e: ExecutableError) -> Self {
        FieldRefused::new("executable", e.to_string(), "executable ")
    }
}
