//! Which runs go at once, which wait for a person, and which never run (DESIGN §2, §8): one
//! rule for the CLI, the workbench and MCP. What "wait for a person" means is the front end's:
//! `--yes` on the CLI, a typed confirmation in the workbench, a human's answer to an agent's
//! call; what needs it is decided here only.

use serde::Deserialize;

use crate::model::{CostTier, ToolEntry};

/// The configuration's `preset`: the highest cost tier that runs without a person's yes.
/// Ordered from the strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Preset {
    Minimal,
    #[default]
    Default,
    Full,
}

/// What the admission rule reads from the configuration (`Config::run_policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunPolicy {
    pub(crate) preset: Preset,
    /// `[[approvals.ask]]`: tools whose every call from an agent waits for a human.
    pub(crate) ask_tools: Vec<String>,
}

impl Default for RunPolicy {
    fn default() -> Self {
        RunPolicy {
            preset: Preset::Default,
            ask_tools: Vec::new(),
        }
    }
}

/// Who asks for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asker {
    /// A person at the keyboard: the CLI or the workbench.
    Person,
    /// An agent over MCP.
    Agent,
}

/// What a run may do, with why in words the person and the agent both read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admission {
    Open,
    /// Runs once a person says so.
    Confirm(String),
    /// Never runs.
    Closed(String),
}

/// The one admission rule. A tool without a cost tier (its manifest could not be read) never
/// runs, for anyone; `prohibited` never runs; a cost tier above what the preset lets run
/// needs a person; an agent's call also waits when the manifest (`[mcp] ask = true`) or the
/// config (`[[approvals.ask]]`) asks for it, which a person at the keyboard is already.
pub(crate) fn admission(entry: &ToolEntry, policy: &RunPolicy, asker: Asker) -> Admission {
    if let Some(why) = never_runs(entry) {
        return Admission::Closed(why.into());
    }
    let Some(cost) = entry.cost_tier else {
        return Admission::Closed(NO_COST_TIER.into());
    };
    let allowed = match policy.preset {
        Preset::Minimal => CostTier::Low,
        Preset::Default => CostTier::Medium,
        Preset::Full => CostTier::High,
    };
    if cost > allowed {
        return Admission::Confirm(format!(
            "cost tier {cost} needs a confirmation with the {} preset",
            preset_name(policy.preset)
        ));
    }
    if asker == Asker::Agent {
        if entry.manifest.as_ref().is_some_and(|m| m.mcp.ask) {
            return Admission::Confirm("its manifest asks for it ([mcp] ask = true)".into());
        }
        if policy.ask_tools.contains(&entry.name) {
            return Admission::Confirm("the config asks for it ([[approvals.ask]])".into());
        }
    }
    Admission::Open
}

const NO_COST_TIER: &str = "it has no cost tier (its manifest could not be read)";

/// Why `entry` never runs, whoever asks and whatever the preset: the part of the rule the
/// runner itself holds to as its last check.
pub(crate) fn never_runs(entry: &ToolEntry) -> Option<&'static str> {
    match entry.cost_tier {
        None => Some(NO_COST_TIER),
        Some(CostTier::Prohibited) => Some("cost_tier = \"prohibited\""),
        Some(_) => None,
    }
}

fn preset_name(preset: Preset) -> &'static str {
    match preset {
        Preset::Minimal => "minimal",
        Preset::Default => "default",
        Preset::Full => "full",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn entry(cost: Option<CostTier>) -> ToolEntry {
        ToolEntry {
            cost_tier: cost,
            ..ToolEntry::fixture(Tier::Approved, "t")
        }
    }

    fn policy(preset: Preset) -> RunPolicy {
        RunPolicy {
            preset,
            ask_tools: Vec::new(),
        }
    }

    #[test]
    fn presets_decide_what_asks_for_a_person_and_an_agent_alike() {
        for asker in [Asker::Person, Asker::Agent] {
            let at = |cost, preset| admission(&entry(Some(cost)), &policy(preset), asker);
            assert!(matches!(
                at(CostTier::Medium, Preset::Minimal),
                Admission::Confirm(_)
            ));
            assert_eq!(at(CostTier::Medium, Preset::Default), Admission::Open);
            assert_eq!(
                at(CostTier::High, Preset::Default),
                Admission::Confirm(
                    "cost tier high needs a confirmation with the default preset".into()
                )
            );
            assert_eq!(at(CostTier::High, Preset::Full), Admission::Open);
            assert!(matches!(
                at(CostTier::Prohibited, Preset::Full),
                Admission::Closed(_)
            ));
        }
    }

    #[test]
    fn a_tool_without_a_cost_tier_runs_for_nobody() {
        for asker in [Asker::Person, Asker::Agent] {
            assert_eq!(
                admission(&entry(None), &policy(Preset::Full), asker),
                Admission::Closed(NO_COST_TIER.into())
            );
        }
    }

    #[test]
    fn the_config_asks_for_agents_calls_only() {
        let asked = RunPolicy {
            preset: Preset::Full,
            ask_tools: vec!["t".into()],
        };
        let low = entry(Some(CostTier::Low));
        assert!(matches!(
            admission(&low, &asked, Asker::Agent),
            Admission::Confirm(why) if why.contains("[[approvals.ask]]")
        ));
        assert_eq!(admission(&low, &asked, Asker::Person), Admission::Open);
    }
}
