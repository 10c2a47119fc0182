//! What an agent's report of a failure is checked against: a run of its own, over MCP, of
//! the tool it names, recent enough, and reported once. A person's report needs no run.

use crate::model::failure_report::{AGENT_REPORT_HOURS, FailureReportError};
use crate::model::{RunOrigin, RunRecord, ToolId};
use crate::runner::record::automatic_failure;

/// The failures a run may carry: its automatic one when it failed, and one report. An agent
/// reports a failure only of its own runs, each once, so no number of reports lowers a
/// tool's quality more than the agent's own use of it can.
pub(crate) fn failures_a_run_carries(run: &RunRecord) -> usize {
    1 + usize::from(automatic_failure(run).is_some())
}

/// Whether the MCP client `client` may report a failure of `tool` seen in `run`: its own run
/// over MCP, of that tool (and version, when `tool` names one), started at `since` or later.
pub(crate) fn check_agent_run(
    run: &RunRecord,
    tool: &ToolId,
    client: &str,
    since: &str,
) -> Result<(), FailureReportError> {
    let problem = if run.origin != RunOrigin::Mcp || run.client.as_deref() != Some(client) {
        format!("was not made by {client} over MCP")
    } else if run.tool != tool.name {
        format!("is a run of {}, not of {}", run.tool, tool.name)
    } else if tool
        .version
        .as_ref()
        .is_some_and(|v| v.to_string() != run.version)
    {
        format!("is a run of {}@{}, not of {tool}", run.tool, run.version)
    } else if run.started_at.as_str() < since {
        format!("started more than {AGENT_REPORT_HOURS} hours ago")
    } else {
        return Ok(());
    };
    Err(FailureReportError::NotItsRun {
        run: run.id,
        problem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RunStatus, Tier};

    #[test]
    fn an_agent_reports_only_its_own_recent_runs_of_the_tool() {
        let run = RunRecord {
            id: 7,
            tool: "slugify".into(),
            version: "1.0.0".into(),
            tier: Tier::Core,
            input: "{}".into(),
            started_at: "2026-11-21T10:00:00.000Z".into(),
            duration_ms: 5,
            exit_code: Some(0),
            signal: None,
            peak_memory_kb: None,
            bytes_out: 0,
            status: RunStatus::Ok,
            origin: RunOrigin::Mcp,
            client: Some("agent".into()),
            project: None,
            log_dir: None,
            sandbox: String::new(),
            error: None,
        };
        let since = "2026-11-20T12:00:00.000Z";
        let spec = |s: &str| s.parse::<ToolId>().expect("spec");
        assert_eq!(
            check_agent_run(&run, &spec("slugify"), "agent", since),
            Ok(())
        );
        assert_eq!(
            check_agent_run(&run, &spec("slugify@1.0.0"), "agent", since),
            Ok(())
        );
        let problem = |run: &RunRecord, tool: &str, client: &str, since: &str| {
            check_agent_run(run, &spec(tool), client, since)
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            problem(&run, "slugify", "other", since),
            "run_id: run #7 was not made by other over MCP"
        );
        let by_hand = RunRecord {
            origin: RunOrigin::Cli,
            client: None,
            ..run.clone()
        };
        assert_eq!(
            problem(&by_hand, "slugify", "agent", since),
            "run_id: run #7 was not made by agent over MCP"
        );
        assert_eq!(
            problem(&run, "word_count", "agent", since),
            "run_id: run #7 is a run of slugify, not of word_count"
        );
        assert_eq!(
            problem(&run, "slugify@2.0.0", "agent", since),
            "run_id: run #7 is a run of slugify@1.0.0, not of slugify@2.0.0"
        );
        assert_eq!(
            problem(&run, "slugify", "agent", "2026-11-21T10:00:00.001Z"),
            "run_id: run #7 started more than 24 hours ago"
        );
        // A failed run carries its automatic failure besides the one report.
        assert_eq!(failures_a_run_carries(&run), 1);
        let failed = RunRecord {
            status: RunStatus::Failed,
            ..run
        };
        assert_eq!(failures_a_run_carries(&failed), 2);
    }
}
