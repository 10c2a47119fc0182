//! The detectors: each turns a slice of the history into suggestions, with the evidence, a
//! priority (how often × what it would save) and that priority in one line.

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use serde_json::json;

use super::Settings;
use crate::model::ToolEntry;
use crate::model::suggestions::{Found, SuggestionKind};
use crate::review::validate::similar::{DUPLICATE_SCORE, similarity};
use crate::store::suggestions::{RecentRuns, RunPair, UnmetCapability};
use crate::store::{Store, StoreError};

/// Every detector over the history up to `now`, highest priority first. `root` is the
/// workspace, whose run folders tell whether one run's output fed the next.
pub fn detect(
    root: &Path,
    store: &Store,
    active: &[ToolEntry],
    now: SystemTime,
    settings: &Settings,
) -> Result<Vec<Found>, StoreError> {
    let since = crate::clock::rfc3339(
        now.checked_sub(std::time::Duration::from_secs(
            settings.history_days * 24 * 60 * 60,
        ))
        .unwrap_or(SystemTime::UNIX_EPOCH),
    );
    let mut found: Vec<Found> = Vec::new();
    let pairs = store.run_pairs(
        &since,
        settings.gap.as_secs_f64(),
        settings.repeats,
        settings.max_runs,
    )?;
    for pair in &pairs {
        let feeds = output_fed(root, store, pair)?;
        found.push(compose(pair, feeds));
    }
    found.extend(store.unmet_capabilities(&since)?.iter().map(missing));
    for wanted in store.wanted_but_unwritten()? {
        found.push(Found {
            key: format!("missing:request:{}", wanted.request_id),
            kind: SuggestionKind::Missing,
            title: format!(
                "{} was asked for and approved; nobody wrote it yet",
                wanted.name
            ),
            tools: Vec::new(),
            evidence: json!({"request_id": wanted.request_id, "name": wanted.name,
                "description": wanted.description, "client": wanted.client,
                "approved_at": wanted.approved_at}),
            priority: 2.0,
            why: format!("a person said \"write it\" on {}", day(&wanted.approved_at)),
        });
    }
    let recent = store.recent_runs_by_tool(&since, settings.per_tool, settings.max_runs)?;
    for runs in &recent {
        let Some(entry) = active.iter().find(|e| e.name == runs.tool) else {
            continue;
        };
        if let Some(mut evolve) = evolve(entry, runs, settings) {
            let scenarios = store.frequent_failures(&runs.tool, &since, 3)?;
            let hint = hint_from(&scenarios);
            evolve.evidence["failures"] = json!(
                scenarios
                    .iter()
                    .map(|(scenario, tag, n)| json!({"scenario": scenario, "tag": tag, "count": n}))
                    .collect::<Vec<_>>()
            );
            evolve.evidence["hint"] = json!(hint);
            found.push(evolve);
        }
    }
    found.extend(merges(active, &recent));
    found.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(a.key.cmp(&b.key)));
    Ok(found)
}

fn compose(pair: &RunPair, feeds: bool) -> Found {
    let fed = if feeds {
        format!(", and {} took {}'s output", pair.then, pair.first)
    } else {
        String::new()
    };
    Found {
        key: format!("compose:{}:{}:{}", pair.who, pair.first, pair.then),
        kind: SuggestionKind::Compose,
        title: format!("compose {} → {} into one tool", pair.first, pair.then),
        tools: vec![pair.first.clone(), pair.then.clone()],
        evidence: json!({"count": pair.count, "client": pair.who, "from": pair.from,
            "to": pair.to, "runs": [pair.first_run, pair.last_run], "output_fed": feeds}),
        // A chain whose second step takes the first's output is the clearest case for one tool.
        priority: pair.count as f64 * if feeds { 1.5 } else { 1.0 },
        why: format!(
            "{} ran {} then {} {} times ({} to {}){fed}: one call instead of two each time",
            pair.who,
            pair.first,
            pair.then,
            pair.count,
            day(&pair.from),
            day(&pair.to)
        ),
    }
}

/// Whether, in the newest occurrence of `pair`, the second run's input holds the first run's
/// output: its whole output, or one of its lines of 8 characters or more, as a string value.
fn output_fed(root: &Path, store: &Store, pair: &RunPair) -> Result<bool, StoreError> {
    let Some(then) = store.run(pair.last_run)? else {
        return Ok(false);
    };
    let first = match store.run_before(pair.last_run, &pair.who)? {
        Some(id) => store.run(id)?,
        None => None,
    };
    let Some(output) = first
        .filter(|run| run.tool == pair.first)
        .and_then(|run| run.log_dir)
        .and_then(|dir| read_head(&root.join(dir).join("stdout.log")))
    else {
        return Ok(false);
    };
    let Ok(input) = serde_json::from_str::<serde_json::Value>(&then.input) else {
        return Ok(false);
    };
    let mut texts = Vec::new();
    strings_of(&input, &mut texts);
    let whole = output.trim();
    let pieces = std::iter::once(whole)
        .filter(|w| w.chars().count() >= 4)
        .chain(
            output
                .lines()
                .map(str::trim)
                .filter(|l| l.chars().count() >= 8),
        );
    Ok(pieces
        .into_iter()
        .any(|piece| texts.iter().any(|text| text.contains(piece))))
}

fn strings_of<'a>(value: &'a serde_json::Value, into: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(text) => into.push(text),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_of(v, into)),
        serde_json::Value::Object(fields) => fields.values().for_each(|v| strings_of(v, into)),
        _ => {}
    }
}

/// The first 64 KiB of a run's log, as text; `None` for anything but a regular file (the
/// open neither follows a link nor waits on a FIFO).
fn read_head(path: &Path) -> Option<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut head = Vec::new();
    file.take(64 * 1024).read_to_end(&mut head).ok()?;
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn missing(unmet: &UnmetCapability) -> Found {
    let found_what = if unmet.no_tool == unmet.calls {
        "found no tool"
    } else {
        "found no tool or only failing ones"
    };
    Found {
        key: format!("missing:capability:{}", unmet.capability),
        kind: SuggestionKind::Missing,
        title: format!("a tool for {} is missing", unmet.capability),
        tools: Vec::new(),
        evidence: json!({"capability": unmet.capability, "calls": unmet.calls,
            "no_tool": unmet.no_tool, "clients": unmet.callers, "from": unmet.from,
            "to": unmet.to}),
        // A call that found nothing is a task left undone: twice a saved call.
        priority: 2.0 * unmet.calls as f64,
        why: format!(
            "{} call(s) by {} {found_what} ({} to {})",
            unmet.calls,
            unmet.callers.join(", "),
            day(&unmet.from),
            day(&unmet.to)
        ),
    }
}

fn evolve(entry: &ToolEntry, runs: &RecentRuns, settings: &Settings) -> Option<Found> {
    if runs.runs < settings.min_runs {
        return None;
    }
    let rate = runs.failed as f64 / runs.runs as f64;
    let p95 = percentile_95(&runs.durations_ms);
    let failing = rate >= settings.failure_rate;
    let slow = p95 >= settings.slow_p95.as_millis() as u64;
    if !failing && !slow {
        return None;
    }
    let mut said = Vec::new();
    if failing {
        said.push(format!(
            "failed {} of its last {} runs",
            runs.failed, runs.runs
        ));
    }
    if slow {
        said.push(format!(
            "95% of its runs take up to {:.1} s",
            p95 as f64 / 1000.0
        ));
    }
    let title = format!("evolve {}: {}", entry.name, said.join("; "));
    Some(Found {
        // A dismissal holds for the version it was about: a new version is judged afresh.
        key: format!("evolve:{}@{}", entry.name, entry.version),
        kind: SuggestionKind::Evolve,
        title,
        tools: vec![entry.name.clone()],
        evidence: json!({"version": entry.version, "runs": runs.runs, "failed": runs.failed,
            "p95_ms": p95, "clients": runs.callers}),
        // Each failure is a task redone; a slow tool costs every caller a little.
        priority: 1.5 * runs.failed as f64 + if slow { 0.5 * runs.runs as f64 } else { 0.0 },
        why: format!("{} (used by {})", said.join("; "), runs.callers.join(", ")),
    })
}

/// A hint for the evolver drafted from the most frequent failures.
fn hint_from(scenarios: &[(String, Option<String>, usize)]) -> String {
    if scenarios.is_empty() {
        return "make it fail less often and run faster".to_string();
    }
    let cases: Vec<String> = scenarios
        .iter()
        .map(|(scenario, tag, n)| match tag {
            Some(tag) => format!("{scenario} ({n}×, {tag})"),
            None => format!("{scenario} ({n}×)"),
        })
        .collect();
    format!("handle what it fails on: {}", cases.join("; "))
}

/// Pairs of active tools that share a capability, read alike, and were both used.
fn merges(active: &[ToolEntry], recent: &[RecentRuns]) -> Vec<Found> {
    let used: HashMap<&str, usize> = recent.iter().map(|r| (r.tool.as_str(), r.runs)).collect();
    let in_use: Vec<&ToolEntry> = active
        .iter()
        .filter(|e| used.contains_key(e.name.as_str()))
        .collect();
    let mut found = Vec::new();
    for (i, a) in in_use.iter().enumerate() {
        for b in &in_use[i + 1..] {
            if a.name == b.name || !a.capabilities.iter().any(|c| b.capabilities.contains(c)) {
                continue;
            }
            let score = similarity(a, b);
            if score < DUPLICATE_SCORE {
                continue;
            }
            let (a, b) = if a.name < b.name { (a, b) } else { (b, a) };
            let (runs_a, runs_b) = (used[a.name.as_str()], used[b.name.as_str()]);
            found.push(Found {
                key: format!("merge:{}:{}", a.name, b.name),
                kind: SuggestionKind::Merge,
                title: format!("merge {} and {}, or retire one", a.name, b.name),
                tools: vec![a.name.clone(), b.name.clone()],
                evidence: json!({"similarity": (score * 100.0).round() / 100.0,
                    "runs": {a.name.clone(): runs_a, b.name.clone(): runs_b}}),
                priority: score * runs_a.min(runs_b) as f64 / 10.0,
                why: format!(
                    "similarity {score:.2}, both in use ({} {runs_a} runs, {} {runs_b})",
                    a.name, b.name
                ),
            });
        }
    }
    found
}

fn percentile_95(durations: &[u64]) -> u64 {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    let index = (sorted.len() * 95).div_ceil(100).saturating_sub(1);
    sorted.get(index).copied().unwrap_or_default()
}

/// `2026-11-24` of a stored timestamp.
fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_95th_percentile_is_a_duration_that_happened() {
        assert_eq!(percentile_95(&[]), 0);
        assert_eq!(percentile_95(&[7]), 7);
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile_95(&hundred), 95);
        assert_eq!(
            percentile_95(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 50]),
            1
        );
    }

    #[test]
    fn a_hint_names_the_frequent_failures_with_their_tags() {
        let hint = hint_from(&[
            ("empty input".into(), Some("edge".into()), 3),
            ("bad quote".into(), None, 1),
        ]);
        assert_eq!(
            hint,
            "handle what it fails on: empty input (3×, edge); bad quote (1×)"
        );
    }
}
