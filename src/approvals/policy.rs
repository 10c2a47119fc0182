//! Which agent calls wait for a human: the cost tier against the preset, the config's
//! `[[approvals.ask]]` list, and the manifest's `[mcp] ask`.

use crate::config::{Config, Preset};
use crate::model::ToolEntry;
use crate::runner::gate::{Gate, gate};

/// What a call from an agent may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// Runs at once.
    Run,
    /// Waits for a human; why, in words the human and the agent both see.
    Ask(String),
    /// Never runs; why.
    Never(String),
}

pub fn policy(entry: &ToolEntry, config: &Config) -> Policy {
    let Some(cost) = entry.cost_tier else {
        return Policy::Never("the manifest has no cost tier".into());
    };
    match gate(cost, config.preset) {
        Gate::Closed => return Policy::Never("this tool never runs (cost tier prohibited)".into()),
        Gate::Confirm => {
            return Policy::Ask(format!(
                "cost tier {cost} needs a human with the {} preset",
                preset_name(config.preset)
            ));
        }
        Gate::Open => {}
    }
    if entry.manifest.as_ref().is_some_and(|m| m.mcp.ask) {
        return Policy::Ask("its manifest asks for it ([mcp] ask = true)".into());
    }
    if config.approvals.ask_tools.contains(&entry.name) {
        return Policy::Ask("the config asks for it ([[approvals.ask]])".into());
    }
    Policy::Run
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
    use crate::model::{CostTier, Tier};

    fn entry(cost: CostTier) -> ToolEntry {
        ToolEntry {
            cost_tier: Some(cost),
            content_hash: "h".into(),
            ..ToolEntry::fixture(Tier::Approved, "t")
        }
    }

    #[test]
    fn cost_preset_and_config_decide_what_waits() {
        let mut config = Config::defaults().expect("defaults");
        assert_eq!(policy(&entry(CostTier::Medium), &config), Policy::Run);
        assert!(
            matches!(policy(&entry(CostTier::High), &config), Policy::Ask(why) if why.contains("default preset"))
        );
        assert!(matches!(
            policy(&entry(CostTier::Prohibited), &config),
            Policy::Never(_)
        ));
        config.preset = Preset::Full;
        assert_eq!(policy(&entry(CostTier::High), &config), Policy::Run);
        config.approvals.ask_tools.push("t".into());
        assert!(
            matches!(policy(&entry(CostTier::Low), &config), Policy::Ask(why) if why.contains("config"))
        );
    }
}
