//! Tool quality (DESIGN §3): one score in 0..1 from usage, success, speed and failures. What a
//! hand-reported failure must pass before it counts is `model::failure_report` and, for an
//! agent's, `command::agent_report`.
//!
//! Pure functions over numbers the store gathers; this module never does I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::quality::{QualityTrend, ToolStats};
use crate::model::{Severity, ToolEntry};

impl ToolStats {
    /// The stats of a tool with no runs and no failures: quality 0.40.
    pub(crate) fn unused(name: &str) -> Self {
        Self {
            name: name.to_string(),
            runs: 0,
            ok: 0,
            success_rate: 0.0,
            median_ms: None,
            quality: quality(0, 0, None, &[]),
            last_status: None,
            last_run_at: None,
        }
    }
}

/// How much one failure of this severity lowers quality.
pub(crate) fn severity_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Low => 0.02,
        Severity::Medium => 0.05,
        Severity::High => 0.10,
        Severity::Critical => 0.20,
    }
}

/// The most that failures can take off quality.
pub(crate) const MAX_PENALTY: f64 = 0.5;

/// The quality score in 0..1:
///
/// - success = (ok + 1) / (runs + 2), Laplace smoothing so a new tool starts at 0.5
/// - usage = min(1, ln(1 + runs) / ln(101)), so 100 runs earn full usage credit
/// - speed = 1 / (1 + median_ms / 1000), so a 1 s median scores 0.5; no runs: 0.5
/// - penalty = min(0.5, Σ weight(severity)), weights low 0.02, medium 0.05, high 0.10,
///   critical 0.20
/// - quality = clamp(0.5·success + 0.2·usage + 0.3·speed − penalty, 0, 1)
pub(crate) fn quality(runs: u64, ok: u64, median_ms: Option<u64>, failures: &[Severity]) -> f64 {
    let success = (ok as f64 + 1.0) / (runs as f64 + 2.0);
    let usage = ((1.0 + runs as f64).ln() / 101f64.ln()).min(1.0);
    let speed = median_ms.map_or(0.5, |ms| 1.0 / (1.0 + ms as f64 / 1000.0));
    let penalty = failures
        .iter()
        .map(|s| severity_weight(*s))
        .sum::<f64>()
        .min(MAX_PENALTY);
    (0.5 * success + 0.2 * usage + 0.3 * speed - penalty).clamp(0.0, 1.0)
}

/// Best quality first; equal scores by name, so the order is stable.
pub(crate) fn sort_by_quality(stats: &mut [ToolStats]) {
    stats.sort_by(|a, b| {
        b.quality
            .total_cmp(&a.quality)
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The quality of a tool name: its recorded statistics', else that of a tool that never ran.
pub(crate) fn quality_of(stats: &HashMap<String, ToolStats>, name: &str) -> f64 {
    stats
        .get(name)
        .map_or_else(|| ToolStats::unused(name).quality, |s| s.quality)
}

/// Stats of every active tool name in `catalog` (all tiers but archived), best first: recorded
/// stats where the store has them, `ToolStats::unused` for tools that never ran or failed.
pub(crate) fn stats_for_active_tools(
    catalog: &[ToolEntry],
    recorded: Vec<ToolStats>,
) -> Vec<ToolStats> {
    let active: BTreeSet<&str> = catalog
        .iter()
        // Active means core and approved: a candidate is not ranked before it is approved.
        .filter(|e| e.tier.is_active())
        .map(|e| e.name.as_str())
        .collect();
    let mut recorded: BTreeMap<String, ToolStats> =
        recorded.into_iter().map(|s| (s.name.clone(), s)).collect();
    let mut stats: Vec<ToolStats> = active
        .into_iter()
        .map(|name| {
            recorded
                .remove(name)
                .unwrap_or_else(|| ToolStats::unused(name))
        })
        .collect();
    sort_by_quality(&mut stats);
    stats
}

/// Every active tool ranked as `stats_for_active_tools` ranks them (what `toolbench stats`
/// lists), each with its quality from `earlier` stats; a tool missing there had not run yet.
pub(crate) fn trends(
    catalog: &[ToolEntry],
    now: Vec<ToolStats>,
    earlier: Vec<ToolStats>,
) -> Vec<QualityTrend> {
    let earlier: HashMap<String, ToolStats> =
        earlier.into_iter().map(|s| (s.name.clone(), s)).collect();
    stats_for_active_tools(catalog, now)
        .into_iter()
        .map(|stats| QualityTrend {
            earlier: quality_of(&earlier, &stats.name),
            stats,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_new_tool_scores_point_four() {
        let q = quality(0, 0, None, &[]);
        assert!(close(q, 0.5 * 0.5 + 0.0 + 0.3 * 0.5), "{q}");
        assert!(close(q, 0.40), "{q}");
        assert!(close(ToolStats::unused("x").quality, 0.40));
    }

    #[test]
    fn many_fast_successful_runs_score_near_the_top() {
        let q = quality(1000, 1000, Some(10), &[]);
        assert!(q > 0.95 && q <= 1.0, "{q}");
        // 100 runs already earn full usage credit; a 1 s median halves the speed term.
        let at_100 = quality(100, 100, Some(1000), &[]);
        assert!(
            close(at_100, 0.5 * 101.0 / 102.0 + 0.2 + 0.3 * 0.5),
            "{at_100}"
        );
    }

    #[test]
    fn a_critical_failure_lowers_quality_by_point_two() {
        let clean = quality(50, 45, Some(300), &[]);
        let failed = quality(50, 45, Some(300), &[Severity::Critical]);
        assert!(close(clean - failed, 0.20), "{clean} {failed}");
        let low = quality(
            50,
            45,
            Some(300),
            &[Severity::Low, Severity::Medium, Severity::High],
        );
        assert!(close(clean - low, 0.17), "{clean} {low}");
    }

    #[test]
    fn the_penalty_is_capped_at_one_half() {
        let clean = quality(100, 100, Some(0), &[]);
        let many = quality(100, 100, Some(0), &[Severity::Critical; 10]);
        assert!(close(clean - many, MAX_PENALTY), "{clean} {many}");
    }

    #[test]
    fn quality_is_clamped_at_zero() {
        let q = quality(10, 0, Some(600_000), &[Severity::Critical; 3]);
        assert_eq!(q, 0.0);
    }

    fn entry(name: &str, tier: Tier) -> ToolEntry {
        ToolEntry::fixture(tier, name)
    }

    #[test]
    fn active_tools_without_history_are_listed_and_candidates_and_archived_ones_are_not() {
        let catalog = [
            entry("candidate", Tier::Experimental),
            entry("used", Tier::Approved),
            entry("used", Tier::Experimental),
            entry("retired", Tier::Archived),
            entry("another", Tier::Core),
            entry("fresh", Tier::Approved),
        ];
        let used = ToolStats {
            runs: 100,
            ok: 100,
            median_ms: Some(5),
            quality: quality(100, 100, Some(5), &[]),
            ..ToolStats::unused("used")
        };
        let recorded = vec![used.clone(), ToolStats::unused("retired")];
        let stats = stats_for_active_tools(&catalog, recorded);
        let names: Vec<&str> = stats.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["used", "another", "fresh"]);
        assert_eq!(stats[0], used);
        assert!(close(stats[2].quality, 0.40));
    }

    #[test]
    fn trends_rank_like_stats_and_compare_with_the_earlier_quality() {
        let catalog = [
            entry("steady", Tier::Core),
            entry("new", Tier::Approved),
            entry("candidate", Tier::Experimental),
            entry("retired", Tier::Archived),
        ];
        let steady_now = ToolStats {
            runs: 100,
            ok: 100,
            median_ms: Some(5),
            quality: quality(100, 100, Some(5), &[]),
            ..ToolStats::unused("steady")
        };
        let steady_before = ToolStats {
            quality: 0.7,
            ..steady_now.clone()
        };
        let trends = trends(
            &catalog,
            vec![steady_now.clone(), ToolStats::unused("retired")],
            vec![steady_before],
        );
        let names: Vec<&str> = trends.iter().map(|t| t.stats.name.as_str()).collect();
        assert_eq!(names, ["steady", "new"]);
        assert!(close(trends[0].change(), steady_now.quality - 0.7));
        // A tool that had no record earlier compares with an unused tool's 0.40.
        assert!(close(trends[1].earlier, 0.40));
        assert!(close(trends[1].change(), 0.0));
    }
}
