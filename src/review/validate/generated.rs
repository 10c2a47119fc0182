//! The generated-inputs check: inputs made from the input schema (`generate`) run in the
//! sandbox, a few at a time, within the validation's budget. Each distinct failure is reported
//! once, with the smallest input that still shows it and the seed that replays the search.

use std::time::Instant;

use futures::StreamExt;
use serde_json::Value;

use super::generate::{Rng, Schema, smaller};
use super::trial::{self, TrialOutcome, Trials};
use super::{Check, CheckKind, CheckStatus, GeneratedFailure, GeneratedReport};
use crate::model::{CostTier, InputMode, ToolEntry};

/// Generated inputs of one tool that run at the same time.
const PARALLEL: usize = 4;
/// Runs spent making one failure's input smaller.
const SHRINK_RUNS: usize = 24;
/// Random draws tried for each input that is kept (most fail the schema when it is strict).
const DRAWS_PER_INPUT: usize = 8;
/// Draws in a row that make nothing at all (each spent up to a value's size bound) after which
/// the schema is taken to give no random value: more would cost time and find nothing.
const EMPTY_DRAWS: usize = 16;

/// The seed of a validation when none is given: from the content, so validating the same
/// content again tries the same inputs.
pub(crate) fn seed_of(content_hash: &str) -> u64 {
    let hex: String = content_hash.chars().take(16).collect();
    u64::from_str_radix(&hex, 16).unwrap_or(0x5eed)
}

/// Why the check does not apply to `entry`, when it does not.
fn not_applicable(entry: &ToolEntry) -> Option<&'static str> {
    let Some(manifest) = entry.manifest.as_ref().filter(|_| entry.error.is_none()) else {
        return Some("manifest is broken");
    };
    if manifest.cost_tier == CostTier::Prohibited {
        return Some("cost_tier = \"prohibited\": it never runs");
    }
    if manifest.service.is_some() {
        return Some("a service is sent messages, not run once per input");
    }
    if manifest.run.input == InputMode::None {
        return Some("the tool takes no input");
    }
    if manifest.input_schema.is_none() {
        return Some("no input schema to generate inputs from");
    }
    None
}

/// The inputs to try: up to `count`, boundary values first, then random draws; all valid for
/// the schema. Boundaries take at most half the room while random draws can fill the rest.
pub(crate) fn plan(schema: &Value, count: usize, seed: u64) -> Vec<Value> {
    let Ok(validator) = jsonschema::validator_for(schema) else {
        return Vec::new();
    };
    let generator = Schema::new(schema);
    let mut boundaries: Vec<Value> = generator
        .boundaries()
        .into_iter()
        .filter(|v| validator.is_valid(v))
        .collect();
    let rest = boundaries.split_off(boundaries.len().min(count - count / 2));
    let mut inputs = boundaries;
    let mut rng = Rng::new(seed);
    let mut seen: std::collections::HashSet<String> = inputs.iter().map(Value::to_string).collect();
    let (mut draws, mut empty) = (0, 0);
    while inputs.len() < count && draws < count * DRAWS_PER_INPUT && empty < EMPTY_DRAWS {
        draws += 1;
        let Some(value) = generator.random(&mut rng) else {
            empty += 1;
            continue;
        };
        empty = 0;
        if validator.is_valid(&value) && seen.insert(value.to_string()) {
            inputs.push(value);
        }
    }
    // A schema too strict for random draws gets the rest of its boundaries instead.
    let room = count - inputs.len();
    inputs.extend(
        rest.into_iter()
            .filter(|v| !seen.contains(&v.to_string()))
            .take(room),
    );
    inputs
}

/// Runs the plan for `entry` until `deadline`, then shrinks each distinct failure.
pub(crate) async fn explore(
    trials: &Trials,
    entry: &ToolEntry,
    count: usize,
    seed: u64,
    deadline: Instant,
) -> Option<GeneratedReport> {
    if count == 0 || not_applicable(entry).is_some() {
        return None;
    }
    let manifest = entry.manifest.as_ref()?;
    let schema =
        crate::catalog::schema_file::load(manifest.input_schema.as_ref()?, &entry.folder()).ok()?;
    let inputs = plan(&schema, count, seed);
    let planned = inputs.len();
    let answers: Vec<(Value, TrialOutcome)> = futures::stream::iter(inputs)
        .take_while(|_| std::future::ready(Instant::now() < deadline))
        .map(|input| async move {
            let answer = trials.run(entry, &input.to_string()).await;
            (input, answer)
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    let tried = answers.len();
    // Distinct failures in the order first seen, with every input that showed each.
    let mut found: Vec<(String, GeneratedFailure, Value)> = Vec::new();
    for (input, answer) in answers {
        let Some((kind, message)) = trial::failure(&answer) else {
            continue;
        };
        let key = trial::failure_key(&kind, &message);
        match found.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, failure, smallest)) => {
                failure.seen += 1;
                if input.to_string().len() < smallest.to_string().len() {
                    *smallest = input;
                }
            }
            None => {
                let failure = GeneratedFailure {
                    kind,
                    message,
                    input: String::new(),
                    seen: 1,
                };
                found.push((key, failure, input));
            }
        }
    }
    let validator = jsonschema::validator_for(&schema).ok()?;
    let mut failures = Vec::new();
    for (key, mut failure, input) in found {
        let smallest = shrink(trials, entry, &validator, input, &key, deadline).await;
        failure.input = smallest.to_string();
        failures.push(failure);
    }
    let report = GeneratedReport {
        seed,
        tried,
        planned,
        out_of_budget: tried < planned,
        failures,
    };
    Some(report)
}

/// Makes `input` smaller while the same failure (`key`) still shows and the schema still
/// accepts it: greedy, one smaller value at a time, within `SHRINK_RUNS` runs and the budget.
async fn shrink(
    trials: &Trials,
    entry: &ToolEntry,
    validator: &jsonschema::Validator,
    input: Value,
    key: &str,
    deadline: Instant,
) -> Value {
    let mut current = input;
    let mut runs = 0;
    'smaller: while runs < SHRINK_RUNS && Instant::now() < deadline {
        for candidate in smaller(&current) {
            if !validator.is_valid(&candidate) {
                continue;
            }
            if runs >= SHRINK_RUNS || Instant::now() >= deadline {
                break 'smaller;
            }
            runs += 1;
            let answer = trials.run(entry, &candidate.to_string()).await;
            let same = trial::failure(&answer)
                .is_some_and(|(kind, why)| trial::failure_key(&kind, &why) == key);
            if same {
                current = candidate;
                continue 'smaller;
            }
        }
        break;
    }
    current
}

/// The checklist line: a failure found makes the verdict at least `warn`.
pub(crate) fn check(entry: &ToolEntry, report: Option<&GeneratedReport>, count: usize) -> Check {
    let kind = CheckKind::Generated;
    if let Some(why) = not_applicable(entry) {
        return Check::new(kind, CheckStatus::Skip, why);
    }
    if count == 0 {
        return Check::new(
            kind,
            CheckStatus::Skip,
            "off ([validate] generated_cases = 0)",
        );
    }
    let Some(report) = report else {
        return Check::new(
            kind,
            CheckStatus::Skip,
            "the input schema could not be read",
        );
    };
    if report.planned == 0 {
        return Check::new(
            kind,
            CheckStatus::Warn,
            "no input could be made that the input schema accepts: does it accept anything?",
        );
    }
    let budget = if report.out_of_budget {
        format!(
            " ({} of {} before the budget ran out)",
            report.tried, report.planned
        )
    } else {
        String::new()
    };
    if report.failures.is_empty() {
        return Check::new(
            kind,
            CheckStatus::Pass,
            format!(
                "{} generated input(s), no failure{budget} · seed {}",
                report.tried, report.seed
            ),
        );
    }
    let first = &report.failures[0];
    Check::new(
        kind,
        CheckStatus::Warn,
        format!(
            "{} distinct failure(s) in {} generated input(s){budget} · seed {}; first: {} on {}: {}",
            report.failures.len(),
            report.tried,
            report.seed,
            first.kind,
            crate::text::shorten(&first.input, 60),
            crate::text::shorten(&first.message, 80)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_plan_is_boundaries_then_random_inputs_all_valid_and_repeatable() {
        let schema = json!({"type": "object", "required": ["a", "b"], "properties": {
            "a": {"type": "integer"}, "b": {"type": "integer"}}});
        let inputs = plan(&schema, 50, 9);
        assert_eq!(inputs.len(), 50);
        assert_eq!(inputs[0], json!({"a": 0, "b": 0}));
        assert_eq!(inputs, plan(&schema, 50, 9));
        assert_ne!(inputs, plan(&schema, 50, 10));
        let validator = jsonschema::validator_for(&schema).expect("schema");
        assert!(inputs.iter().all(|i| validator.is_valid(i)));
    }

    #[test]
    fn a_schema_that_accepts_nothing_plans_nothing() {
        assert!(plan(&json!(false), 50, 1).is_empty());
        let contradiction = json!({"type": "string", "minLength": 5, "maxLength": 2});
        assert!(plan(&contradiction, 50, 1).is_empty());
    }

    #[test]
    fn the_seed_comes_from_the_content() {
        assert_eq!(seed_of("00000000000000ff0123"), 255);
        assert_eq!(seed_of("not hex"), 0x5eed);
    }
}
