//! The argument pattern that narrows an "approve always" rule: the call's arguments must
//! contain the pattern's values (objects key by key, anything else equal).

use crate::model::input_schema::kind_of;
use serde_json::Value;

use crate::model::calls::RuleRow;

/// Why a pattern was refused; each front end says where it came from (`--match`, a field).
#[derive(Debug, thiserror::Error)]
pub(crate) enum PatternError {
    #[error("not valid JSON ({0})")]
    NotJson(serde_json::Error),
    #[error("must be a JSON object such as {{\"path\": \"docs/\"}}, not {0}")]
    NotObject(&'static str),
}

/// Reads a pattern (`--match`, the dialog's or the page's field): a JSON object, nothing else.
pub(crate) fn parse(text: &str) -> Result<Value, PatternError> {
    let value: Value = serde_json::from_str(text).map_err(PatternError::NotJson)?;
    if !value.is_object() {
        return Err(PatternError::NotObject(kind_of(&value)));
    }
    Ok(value)
}

/// True when `arguments` holds every value of `pattern`.
pub(crate) fn contains(arguments: &Value, pattern: &Value) -> bool {
    match (arguments, pattern) {
        (Value::Object(have), Value::Object(want)) => want
            .iter()
            .all(|(key, value)| have.get(key).is_some_and(|h| contains(h, value))),
        _ => arguments == pattern,
    }
}

/// The first rule in force whose pattern the arguments hold.
pub(crate) fn first_match<'a>(rules: &'a [RuleRow], arguments: &Value) -> Option<&'a RuleRow> {
    rules
        .iter()
        .find(|rule| rule.pattern.as_ref().is_none_or(|p| contains(arguments, p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_are_objects_contained_in_the_arguments() {
        assert!(
            parse("[1]")
                .expect_err("array")
                .to_string()
                .contains("not an array")
        );
        assert!(
            parse("nope")
                .expect_err("json")
                .to_string()
                .starts_with("not valid JSON")
        );
        let pattern = parse(r#"{"env": "staging", "opts": {"dry": true}}"#).expect("object");
        let args = json!({"env": "staging", "opts": {"dry": true, "n": 2}, "x": 1});
        assert!(contains(&args, &pattern));
        assert!(!contains(
            &json!({"env": "prod", "opts": {"dry": true}}),
            &pattern
        ));
        assert!(!contains(&json!({"env": "staging"}), &pattern));
        assert!(contains(&json!({}), &json!({})));
    }
}
