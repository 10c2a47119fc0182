//! What the health rules over run history found: tools that got worse, for a human to act on
//! (`review::health` finds them; the review queue shows them first).

/// Failures in a row since approval that propose a rollback.
pub const FAILURES_IN_A_ROW: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum HealthAlert {
    Degraded {
        name: String,
        version: String,
        success_rate: f64,
        runs: usize,
    },
    RollbackProposed {
        name: String,
        version: String,
        back_to: String,
    },
}

impl HealthAlert {
    pub(crate) fn name(&self) -> &str {
        match self {
            HealthAlert::Degraded { name, .. } | HealthAlert::RollbackProposed { name, .. } => name,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            HealthAlert::Degraded {
                name,
                version,
                success_rate,
                runs,
            } => {
                format!(
                    "{name}@{version} degraded: {:.0}% of its last {runs} runs succeeded",
                    success_rate * 100.0
                )
            }
            HealthAlert::RollbackProposed {
                name,
                version,
                back_to,
            } => {
                format!(
                    "{name}@{version} failed {FAILURES_IN_A_ROW} times in a row since approval: roll back to {back_to}?"
                )
            }
        }
    }
}
