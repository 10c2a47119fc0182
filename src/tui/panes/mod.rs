//! The four panes of the main screen, one file each.

pub mod catalog;
pub mod failures;
pub mod output;
pub mod review;
