//! Running tools: the sandbox, spawning, streaming events, limits and cancellation.

#[cfg(target_os = "linux")]
pub mod sandbox;
