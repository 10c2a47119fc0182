//! Devices paired with the review page (`toolbench web`): one session each, listed by
//! `toolbench web devices` and ended by `toolbench web revoke`.

use serde::Serialize;

/// A paired device: its name, and when its session began and ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DeviceRow {
    pub(crate) name: String,
    pub(crate) paired_at: String,
    /// RFC 3339: the session is refused from then on.
    pub(crate) expires_at: String,
    /// When `toolbench web revoke` ended it.
    pub(crate) revoked_at: Option<String>,
}
