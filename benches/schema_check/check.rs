//! One input check as `toolbench run` makes it (`model::input_schema::check`): the tool's
//! schema compiled, one input validated and its first error put into words. Built by
//! `benches/schema_check.sh`, once per optimisation level of the validator.
use serde_json::json;

fn main() {
    // The sample workspace's csv_to_json input schema.
    let schema = json!({
        "type": "object",
        "required": ["csv"],
        "additionalProperties": false,
        "properties": {
            "csv": {"type": "string", "description": "CSV text; the first row is the header"},
            "delimiter": {"type": "string", "minLength": 1, "maxLength": 1, "default": ","}
        }
    });
    let valid = json!({"csv": "a,b\n1,2\n", "delimiter": ";"});
    let invalid = json!({"csv": 5, "other": 1});
    let checks = 20_000;
    for (label, input) in [("valid", &valid), ("invalid", &invalid)] {
        let mut fastest = f64::MAX;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            for _ in 0..checks {
                let validator = jsonschema::validator_for(&schema).expect("a valid schema");
                let first = validator.iter_errors(input).next().map(|e| e.to_string());
                std::hint::black_box(first);
            }
            let each = started.elapsed().as_secs_f64() / f64::from(checks) * 1e6;
            fastest = fastest.min(each);
        }
        println!("  {label} input: {fastest:.2} µs a check (fastest of 5 passes of {checks})");
    }
}
