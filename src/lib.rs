//! toolbench: a terminal workbench where a human keeps AI-generated tools under control.
//!
//! The library does the work; `main.rs` only parses the command line and dispatches to the
//! CLI (`cli`) or the terminal UI (`tui`), which both call the same library functions.

#![warn(unreachable_pub)]

pub(crate) mod approvals;
pub(crate) mod blob;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod command;
pub mod config;
pub mod diff;
pub mod doctor;
pub(crate) mod error_chain;
pub(crate) mod git;
pub(crate) mod http_server;
pub(crate) mod io_text;
pub mod jobs;
pub(crate) mod lookup;
pub mod mcp;
pub mod model;
pub(crate) mod notify;
pub mod pause_point;
pub(crate) mod pipes;
pub mod proc_stat;
pub(crate) mod qr;
pub mod review;
pub mod runner;
pub(crate) mod safe_fs;
pub mod seal;
pub(crate) mod services;
pub mod signature;
pub mod store;
pub mod suggest;
#[cfg(test)]
mod test_fixtures;
pub(crate) mod text;
pub mod tui;
pub(crate) mod user_dirs;
pub(crate) mod versions;
pub mod watch;
pub(crate) mod web;
pub mod workbench;
pub mod workspace;
