//! How a SQLite error becomes a [`StoreError`] (the error itself is a model noun, which front
//! ends name): a leaf every file of the store takes from.

use std::path::Path;

pub use crate::model::store_error::StoreError;

pub(super) fn sqlite_error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let damaged = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    );
    if damaged {
        return StoreError::Damaged {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
    }
    StoreError::Sqlite {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}
