//! Reading one column of a row into one of our string enums, shared by the tables that hold them.

use std::str::FromStr;

use rusqlite::Row;
use rusqlite::types::Type;

/// Reads a text column holding one of our string enums. An unknown spelling is an error
/// naming the column, not a silently dropped row: history must not vanish quietly.
pub(super) fn parse_column<T>(row: &Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = row.get(index)?;
    text.parse().map_err(|reason: T::Err| {
        let column = row
            .as_ref()
            .column_name(index)
            .map(str::to_string)
            .unwrap_or_else(|_| index.to_string());
        rusqlite::Error::FromSqlConversionFailure(
            index,
            Type::Text,
            format!("column {column}: {reason}").into(),
        )
    })
}
