//! Which runs need a confirmation first, by cost tier and preset (DESIGN §2).

use crate::config::Preset;
use crate::model::CostTier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Runs at once.
    Open,
    /// Runs after `--yes` on the CLI or a typed confirmation in the TUI.
    Confirm,
    /// Never runs.
    Closed,
}

pub fn gate(cost: CostTier, preset: Preset) -> Gate {
    let allowed = match preset {
        Preset::Minimal => CostTier::Low,
        Preset::Default => CostTier::Medium,
        Preset::Full => CostTier::High,
    };
    match cost {
        CostTier::Prohibited => Gate::Closed,
        cost if cost <= allowed => Gate::Open,
        _ => Gate::Confirm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_decide_what_asks() {
        assert_eq!(gate(CostTier::Medium, Preset::Minimal), Gate::Confirm);
        assert_eq!(gate(CostTier::Medium, Preset::Default), Gate::Open);
        assert_eq!(gate(CostTier::High, Preset::Default), Gate::Confirm);
        assert_eq!(gate(CostTier::High, Preset::Full), Gate::Open);
        assert_eq!(gate(CostTier::Prohibited, Preset::Full), Gate::Closed);
    }
}
