//! What the state store can fail with: every front end names it, so it is a noun of the model;
//! the store makes it from SQLite's errors.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot create the state folder: {reason}")]
    CreateDir { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Sqlite { path: PathBuf, reason: String },
    #[error(
        "{path}: written by a newer toolbench (schema {found}, this build knows up to {known})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path}: cannot start the store writer: {reason}")]
    Thread { path: PathBuf, reason: String },
    /// SQLite says the file is not (or no longer) a whole database: only `toolbench doctor`
    /// gets the workspace going again, and the message says so.
    #[error("{path}: the state store is damaged ({reason}); run `toolbench doctor` to repair it")]
    Damaged { path: PathBuf, reason: String },
    /// The decision could not be written to the decision log first, so it was not stored.
    #[error("{reason}")]
    DecisionLog { path: PathBuf, reason: String },
}

impl StoreError {
    /// What is wrong, without the store's path or the way out: for a report that names both
    /// itself (the doctor's own findings).
    pub(crate) fn found(&self) -> String {
        match self {
            StoreError::Damaged { reason, .. } | StoreError::Sqlite { reason, .. } => {
                reason.clone()
            }
            other => other.to_string(),
        }
    }

    /// The store file is damaged (`toolbench doctor` repairs it).
    pub(crate) fn is_damaged(&self) -> bool {
        matches!(self, StoreError::Damaged { .. })
    }
}
