//! Why a launch failed after the instance was claimed: a leaf the instances and the service
//! error both name.

use super::process;

/// Why a launched instance never became healthy; its process is gone.
#[derive(Debug, thiserror::Error)]
pub enum StartFailure {
    #[error("instance {instance}: could not start: {error}")]
    CouldNotStart { instance: String, error: String },
    #[error("instance {instance} exited at start with {exit}: {stderr}")]
    Exited {
        instance: String,
        exit: String,
        stderr: String,
    },
    #[error(
        "instance {instance}: unhealthy after {secs} s (health check {check} on port {port}); stopped"
    )]
    Unhealthy {
        instance: String,
        secs: u64,
        check: String,
        port: u16,
    },
    #[error(
        "instance {instance}: port {port} is answered by another program, not the service \
         (it took the port before the service could); stopped"
    )]
    PortTaken { instance: String, port: u16 },
    #[error("instance {instance}: cannot tell who listens on port {port}: {error}; stopped")]
    Listeners {
        instance: String,
        port: u16,
        error: std::io::Error,
    },
}

/// Why a launch failed after the instance was claimed.
#[derive(Debug, thiserror::Error)]
pub enum LaunchFailure {
    #[error(transparent)]
    Spawn(#[from] process::SpawnError),
    #[error(transparent)]
    Start(#[from] StartFailure),
}
