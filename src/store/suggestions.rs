//! Suggestions of tools worth building or changing, and the evidence they are found in: the
//! run history, the capability calls that found no tool, and the tool requests no proposal
//! answered. Detectors (`crate::suggest`) read through the queries here; what they find is
//! stored by its pattern's key, so a dismissed pattern stays dismissed and a found one is
//! updated rather than suggested twice.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use super::{Store, StoreError};
use crate::model::RunOrigin;
use crate::model::suggestions::{Found, SuggestionKind, SuggestionRow, SuggestionState};

/// How a `call --capability` ended, as the unmet-capability detector counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapabilityOutcome {
    /// No active tool has the capability.
    NoTool,
    /// Tools were tried and none succeeded.
    AllFailed,
    /// A tool succeeded.
    Succeeded,
}

impl CapabilityOutcome {
    fn as_str(self) -> &'static str {
        match self {
            CapabilityOutcome::NoTool => "no_tool",
            CapabilityOutcome::AllFailed => "all_failed",
            CapabilityOutcome::Succeeded => "succeeded",
        }
    }
}

/// Two tools one client ran one after the other, `count` times.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunPair {
    pub(crate) who: String,
    pub(crate) first: String,
    pub(crate) then: String,
    pub(crate) count: usize,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) first_run: i64,
    pub(crate) last_run: i64,
}

/// A capability whose calls found no tool, or only failing ones, since it last succeeded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnmetCapability {
    pub(crate) capability: String,
    pub(crate) calls: usize,
    pub(crate) no_tool: usize,
    pub(crate) callers: Vec<String>,
    pub(crate) from: String,
    pub(crate) to: String,
}

/// A tool's recent runs (at most `per_tool`, newest first), for failure rate and duration.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RecentRuns {
    pub(crate) tool: String,
    pub(crate) runs: usize,
    pub(crate) failed: usize,
    pub(crate) durations_ms: Vec<u64>,
    pub(crate) callers: Vec<String>,
}

/// A tool a person said to write, that nobody wrote yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unwritten {
    pub(crate) request_id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) client: String,
    pub(crate) approved_at: String,
}

/// A person's answer to a suggestion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SuggestionAnswer {
    pub(crate) state: SuggestionState,
    pub(crate) by: String,
    pub(crate) at: String,
    pub(crate) reason: Option<String>,
    /// The tool request it became, or the one it watches.
    pub(crate) request_id: Option<i64>,
    /// For an evolve: the version it was about, to tell when a newer one is active.
    pub(crate) accepted_version: Option<String>,
}

impl SuggestionAnswer {
    /// `state`, by `by` now, with nothing more.
    pub(crate) fn new(state: SuggestionState, by: String) -> Self {
        SuggestionAnswer {
            state,
            by,
            at: crate::clock::now_rfc3339(),
            reason: None,
            request_id: None,
            accepted_version: None,
        }
    }
}

/// A tool a person accepted a suggestion to write, as agents are told of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WantedTool {
    pub(crate) request_id: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) rationale: String,
    pub(crate) suggestion_id: i64,
}

const COLUMNS: &str = "id, kind, title, tools, evidence, priority, why, state, found_at, seen_at,
    decided_by, decided_at, reason, request_id, accepted_version";

fn suggestion_row(row: &Row) -> rusqlite::Result<SuggestionRow> {
    let tools: String = row.get(3)?;
    let evidence: String = row.get(4)?;
    Ok(SuggestionRow {
        id: row.get(0)?,
        kind: SuggestionKind::parse(&row.get::<_, String>(1)?),
        title: row.get(2)?,
        tools: serde_json::from_str(&tools).unwrap_or_default(),
        evidence: serde_json::from_str(&evidence).unwrap_or(Value::Null),
        priority: row.get(5)?,
        why: row.get(6)?,
        state: SuggestionState::parse(&row.get::<_, String>(7)?),
        found_at: row.get(8)?,
        seen_at: row.get(9)?,
        decided_by: row.get(10)?,
        decided_at: row.get(11)?,
        reason: row.get(12)?,
        request_id: row.get(13)?,
        accepted_version: row.get(14)?,
    })
}

/// A suggestion whose state a refresh may change.
struct OpenRow {
    id: i64,
    key: String,
    kind: SuggestionKind,
    state: String,
    tools: String,
    request_id: Option<i64>,
    accepted_version: Option<String>,
}

/// Who made a run or a call: an MCP client by its name, a person by the front end.
use super::runs::IN_USE;

const WHO: &str = "CASE WHEN client IS NOT NULL THEN 'mcp:' || client ELSE origin END";

impl Store {
    pub(crate) fn record_capability_call(
        &mut self,
        capability: &str,
        origin: RunOrigin,
        client: Option<&str>,
        outcome: CapabilityOutcome,
        at: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO capability_calls (capability, at, origin, client, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![capability, at, origin.as_str(), client, outcome.as_str()],
            )
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Pairs of different tools that one client ran one right after the other (the second
    /// starting within `gap_secs` of the first's end), at least `min` times, among the newest
    /// `max_runs` runs since `since`. Validation's runs are nobody's habit and are left out.
    pub(crate) fn run_pairs(
        &self,
        since: &str,
        gap_secs: f64,
        min: usize,
        max_runs: usize,
    ) -> Result<Vec<RunPair>, StoreError> {
        let sql = format!(
            "WITH recent AS (
                SELECT id, tool, started_at, duration_ms, {WHO} AS who FROM runs
                WHERE {IN_USE} AND started_at >= ?1
                ORDER BY id DESC LIMIT ?2
             ), ordered AS (
                SELECT id, tool, who, started_at,
                    LAG(tool) OVER w AS prev_tool,
                    LAG(started_at) OVER w AS prev_at,
                    LAG(duration_ms) OVER w AS prev_ms
                FROM recent WINDOW w AS (PARTITION BY who ORDER BY started_at, id)
             )
             SELECT who, prev_tool, tool, COUNT(*), MIN(started_at), MAX(started_at),
                MIN(id), MAX(id)
             FROM ordered
             WHERE prev_tool IS NOT NULL AND prev_tool != tool
                AND (julianday(started_at) - julianday(prev_at)) * 86400.0
                    - prev_ms / 1000.0 <= ?3
             GROUP BY who, prev_tool, tool HAVING COUNT(*) >= ?4
             ORDER BY COUNT(*) DESC, who, prev_tool, tool LIMIT 200"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(
                params![since, max_runs as i64, gap_secs, min as i64],
                |row| {
                    Ok(RunPair {
                        who: row.get(0)?,
                        first: row.get(1)?,
                        then: row.get(2)?,
                        count: row.get::<_, i64>(3)? as usize,
                        from: row.get(4)?,
                        to: row.get(5)?,
                        first_run: row.get(6)?,
                        last_run: row.get(7)?,
                    })
                },
            )
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// The run `who` made right before run `id` (by id), for telling whether one run's output
    /// fed the next.
    pub(crate) fn run_before(&self, id: i64, who: &str) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT id FROM runs WHERE id < ?1 AND {IN_USE} AND {WHO} = ?2
             ORDER BY id DESC LIMIT 1"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_row(params![id, who], |row| row.get(0))
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Capabilities called since `since` whose calls found no tool or only failing ones, and
    /// that no call has served since.
    pub(crate) fn unmet_capabilities(
        &self,
        since: &str,
    ) -> Result<Vec<UnmetCapability>, StoreError> {
        let sql = format!(
            "SELECT capability,
                SUM(outcome != 'succeeded' AND at > COALESCE(served, '')),
                SUM(outcome = 'no_tool' AND at > COALESCE(served, '')),
                group_concat(DISTINCT who), MIN(at), MAX(at)
             FROM (SELECT *, {WHO} AS who,
                    MAX(CASE WHEN outcome = 'succeeded' THEN at END)
                        OVER (PARTITION BY capability) AS served
                   FROM capability_calls WHERE at >= ?1)
             GROUP BY capability
             HAVING MAX(at) > COALESCE(MAX(served), '')
             ORDER BY capability LIMIT 200"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![since], |row| {
                let callers: String = row.get(3)?;
                Ok(UnmetCapability {
                    capability: row.get(0)?,
                    calls: row.get::<_, i64>(1)? as usize,
                    no_tool: row.get::<_, i64>(2)? as usize,
                    callers: callers.split(',').map(str::to_string).collect(),
                    from: row.get(4)?,
                    to: row.get(5)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))?;
        Ok(rows)
    }

    /// Every tool's newest `per_tool` runs among the newest `max_runs` since `since`
    /// (validation's left out), grouped by tool.
    pub(crate) fn recent_runs_by_tool(
        &self,
        since: &str,
        per_tool: usize,
        max_runs: usize,
    ) -> Result<Vec<RecentRuns>, StoreError> {
        let sql = format!(
            "SELECT tool, status, duration_ms, who FROM (
                SELECT tool, status, duration_ms, who,
                    ROW_NUMBER() OVER (PARTITION BY tool ORDER BY id DESC) AS nth
                FROM (SELECT id, tool, status, duration_ms, {WHO} AS who FROM runs
                      WHERE {IN_USE} AND started_at >= ?1
                      ORDER BY id DESC LIMIT ?3))
             WHERE nth <= ?2 ORDER BY tool"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        let mut rows = stmt
            .query(params![since, per_tool as i64, max_runs as i64])
            .map_err(|e| self.error(e))?;
        let mut tools: Vec<RecentRuns> = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let tool: String = row.get(0).map_err(|e| self.error(e))?;
            let status: String = row.get(1).map_err(|e| self.error(e))?;
            let duration: i64 = row.get(2).map_err(|e| self.error(e))?;
            let who: String = row.get(3).map_err(|e| self.error(e))?;
            if tools.last().is_none_or(|t| t.tool != tool) {
                tools.push(RecentRuns {
                    tool,
                    ..RecentRuns::default()
                });
            }
            if let Some(current) = tools.last_mut() {
                current.runs += 1;
                current.failed +=
                    usize::from(!matches!(status.as_str(), "ok" | "cancelled" | "bad_input"));
                current.durations_ms.push(duration.max(0) as u64);
                if !current.callers.contains(&who) {
                    current.callers.push(who);
                }
            }
        }
        Ok(tools)
    }

    /// The most frequent failure scenarios of `tool` since `since`, with their tags.
    pub(crate) fn frequent_failures(
        &self,
        tool: &str,
        since: &str,
        limit: usize,
    ) -> Result<Vec<(String, Option<String>, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT scenario, MAX(tag), COUNT(*) FROM failures
                 WHERE tool = ?1 AND at >= ?2 GROUP BY scenario
                 ORDER BY COUNT(*) DESC, scenario LIMIT ?3",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map(params![tool, since, limit as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)? as usize))
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.error(e))
    }

    /// Requests a human answered "write it" that no proposal (and no accepted suggestion)
    /// answers yet.
    pub(crate) fn wanted_but_unwritten(&self) -> Result<Vec<Unwritten>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, name, description, client, COALESCE(answered_at, requested_at)
                 FROM tool_requests r WHERE state = 'approved'
                    AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.request_id = r.id)
                    AND NOT EXISTS (SELECT 1 FROM suggestions s WHERE s.request_id = r.id)
                 ORDER BY id LIMIT 200",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |row| {
            Ok(Unwritten {
                request_id: row.get(0)?,
                name: row.get(1)?,
                description: row.get(2)?,
                client: row.get(3)?,
                approved_at: row.get(4)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.error(e))
    }

    /// The tools people accepted a suggestion to write, which no proposal answers yet: what
    /// agents are told is wanted, with the request a proposal of that name answers.
    pub(crate) fn wanted_tools(&self) -> Result<Vec<WantedTool>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.id, r.name, r.description, r.rationale, s.id FROM suggestions s
                    JOIN tool_requests r ON r.id = s.request_id
                 WHERE s.state = 'accepted' AND r.state = 'approved'
                    AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.request_id = r.id)
                 ORDER BY s.priority DESC, s.id LIMIT 100",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([], |row| {
            Ok(WantedTool {
                request_id: row.get(0)?,
                name: row.get(1)?,
                description: row.get(2)?,
                rationale: row.get(3)?,
                suggestion_id: row.get(4)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.error(e))
    }

    /// Stores what the detectors found at `now`, in one transaction: a new pattern is added,
    /// a known one updated (its state kept: a dismissed one stays dismissed); an undecided
    /// suggestion no detector found any more is dropped; an undecided one naming a tool
    /// `is_active` denies is stale; an accepted one whose request a proposal answered, or
    /// whose evolved tool `active_version` no longer reports as the version accepted, is
    /// done.
    pub(crate) fn record_suggestions(
        &mut self,
        found: &[Found],
        now: &str,
        active_version: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        for f in found {
            let tools = serde_json::to_string(&f.tools).unwrap_or_default();
            let evidence = f.evidence.to_string();
            // An update first: an upsert would use up an id for every pattern found again,
            // and the ids people type would grow with every refresh.
            let updated = tx
                .execute(
                    "UPDATE suggestions SET title = ?2, tools = ?3, evidence = ?4,
                        priority = ?5, why = ?6, seen_at = ?7 WHERE key = ?1",
                    params![f.key, f.title, tools, evidence, f.priority, f.why, now],
                )
                .map_err(err)?;
            if updated == 0 {
                tx.execute(
                    "INSERT INTO suggestions (key, kind, title, tools, evidence, priority, why,
                        state, found_at, seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'new', ?8, ?8)",
                    params![
                        f.key,
                        f.kind.as_str(),
                        f.title,
                        tools,
                        evidence,
                        f.priority,
                        f.why,
                        now
                    ],
                )
                .map_err(err)?;
            }
        }
        let keys: HashSet<&str> = found.iter().map(|f| f.key.as_str()).collect();
        let open: Vec<OpenRow> = {
            let mut stmt = tx
                .prepare(
                    "SELECT id, key, kind, state, tools, request_id, accepted_version
                     FROM suggestions WHERE state IN ('new', 'stale', 'accepted')",
                )
                .map_err(err)?;
            stmt.query_map([], |row| {
                Ok(OpenRow {
                    id: row.get(0)?,
                    key: row.get(1)?,
                    kind: SuggestionKind::parse(&row.get::<_, String>(2)?),
                    state: row.get(3)?,
                    tools: row.get(4)?,
                    request_id: row.get(5)?,
                    accepted_version: row.get(6)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(err)?
        };
        for OpenRow {
            id,
            key,
            kind,
            state,
            tools,
            request_id,
            accepted_version,
        } in open
        {
            let tools: Vec<String> = serde_json::from_str(&tools).unwrap_or_default();
            let next = if state == "accepted" {
                let answered = match request_id {
                    Some(request) => tx
                        .query_row(
                            "SELECT 1 FROM proposals WHERE request_id = ?1 LIMIT 1",
                            [request],
                            |_| Ok(()),
                        )
                        .optional()
                        .map_err(err)?
                        .is_some(),
                    None => false,
                };
                let evolved = accepted_version.as_deref().is_some_and(|accepted| {
                    tools
                        .first()
                        .and_then(|tool| active_version(tool))
                        .is_some_and(|now| now != accepted)
                });
                let retired = kind == SuggestionKind::Merge
                    && tools.iter().any(|t| active_version(t).is_none());
                if answered || evolved || retired {
                    "done"
                } else {
                    continue;
                }
            } else if !keys.contains(key.as_str()) {
                tx.execute("DELETE FROM suggestions WHERE id = ?1", [id])
                    .map_err(err)?;
                continue;
            } else if tools.iter().any(|t| active_version(t).is_none()) {
                "stale"
            } else {
                "new"
            };
            if next != state {
                tx.execute(
                    "UPDATE suggestions SET state = ?2 WHERE id = ?1",
                    params![id, next],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Suggestions, highest priority first: the open ones (new and accepted), or with `all`
    /// every one, dismissed, done and stale included.
    pub(crate) fn suggestions(&self, all: bool) -> Result<Vec<SuggestionRow>, StoreError> {
        let filter = if all {
            ""
        } else {
            "WHERE state IN ('new', 'accepted')"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM suggestions {filter} ORDER BY priority DESC, id LIMIT 500"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_map([], suggestion_row)
            .and_then(Iterator::collect)
            .map_err(|e| self.error(e))
    }

    pub(crate) fn suggestion(&self, id: i64) -> Result<Option<SuggestionRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM suggestions WHERE id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.error(e))?;
        stmt.query_row([id], suggestion_row)
            .optional()
            .map_err(|e| self.error(e))
    }

    /// Moves a new (or stale) suggestion to `answer.state`; `false` when it was already
    /// decided, so of two people deciding at once one is told.
    pub(crate) fn decide_suggestion(
        &mut self,
        id: i64,
        answer: &SuggestionAnswer,
    ) -> Result<bool, StoreError> {
        let path = self.path.clone();
        let err = |e| super::sqlite_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let changed = tx
            .execute(
                "UPDATE suggestions SET state = ?2, decided_by = ?3, decided_at = ?4,
                    reason = ?5, request_id = ?6, accepted_version = ?7
                 WHERE id = ?1 AND state IN ('new', 'stale')",
                params![
                    id,
                    answer.state.as_str(),
                    answer.by,
                    answer.at,
                    answer.reason,
                    answer.request_id,
                    answer.accepted_version
                ],
            )
            .map_err(err)?;
        if changed != 1 {
            return Ok(false);
        }
        // A person's answer to a suggestion is a decision: logged like the others.
        let entry = super::decision_log::NewEntry {
            at: answer.at.clone(),
            who: answer.by.clone(),
            action: format!("suggestion_{}", answer.state.as_str()),
            subject: format!("suggestion {id}"),
            rows: Vec::new(),
        };
        super::log_decision(&path, &tx, entry, &[("suggestions", id)])?;
        tx.commit().map_err(err)?;
        Ok(true)
    }
}
