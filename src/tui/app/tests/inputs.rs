//! What validation's own inputs found, in the review overlay: the generated inputs' failures
//! in Checks (`t` makes one a test case) and the parent's inputs answered differently in Diff.

use super::*;

/// The review overlay of csv_to_json 1.3.0 with a report whose generated inputs found one
/// failure and whose replay found one difference; the content loaded with a one-line diff.
fn reviewed() -> (App, ToolEntry) {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    let report: crate::model::validation_report::ValidationReport = serde_json::from_value(serde_json::json!({
        "name": entry.name, "version": entry.version, "tier": "experimental",
        "path": "experimental/csv_to_json-1.3.0", "verdict": "warn",
        "content_hash": entry.content_hash, "validated_at": "2026-11-24T10:00:00.000Z",
        "checks": [
            {"check": "generated", "status": "warn", "message": "1 distinct failure(s)"},
            {"check": "differential", "status": "warn", "message": "answers differ on 1 of 3"}
        ],
        "findings": [
            {"rule": "eval-exec", "file": "main.py", "line": 2, "severity": "warning", "message": "eval runs text", "check": "security"}
        ],
        "tests": [], "similar": [],
        "generated": {"seed": 42, "tried": 50, "planned": 50, "out_of_budget": false, "failures": [
            {"kind": "exit 1", "message": "ZeroDivisionError: division by zero", "input": "{\"csv\":\"\",\"n\":0}", "seen": 3}
        ]},
        "differential": {"parent": "csv_to_json@1.2.0", "replayed": 3, "from_history": 2, "from_tests": 1,
            "out_of_budget": false, "not_deterministic": 0, "differences": [
            {"input": "{\"csv\":\"a,b\\n1,2\"}", "source": "history", "what": ["stdout"],
             "parent": {"status": "ok", "exit_code": 0, "stdout": "[{\"a\":\"1\",\"b\":\"2\"}]\n", "schema_violation": false, "refused": null},
             "candidate": {"status": "ok", "exit_code": 0, "stdout": "[{\"a\":1,\"b\":2}]\n", "schema_violation": false, "refused": null}}
        ]}
    }))
    .expect("report JSON");
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    let mut content = content_with_source("main.py", "print(1)\n");
    content.diff = Some(vec![Line::from("- old line"), Line::from("+ new line")]);
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content,
    });
    (app, entry)
}

#[test]
fn a_generated_failure_is_listed_in_checks_and_t_makes_it_a_test_case() {
    let (mut app, entry) = reviewed();
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("generated inputs · 50 run · seed 42")
            && screen.contains(r#"✗ exit 1 ×3 {"csv":"","n":0}"#)
            && screen.contains("ZeroDivisionError: division by zero"),
        "{screen}"
    );
    // `t` on the finding is not a failing input.
    key(&mut app, KeyCode::Char('t'));
    assert!(
        app.take_effects()
            .iter()
            .all(|e| !matches!(e, Effect::Apply(c) if matches!(**c, Command::AddCase { .. })))
    );
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('t'));
    let added = commands(&mut app).into_iter().find_map(|c| match c {
        Command::AddCase { tool, input, why } => Some((tool, input, why)),
        _ => None,
    });
    assert_eq!(
        added,
        Some((
            ToolId::content_of(&entry),
            r#"{"csv":"","n":0}"#.to_string(),
            "exit 1: ZeroDivisionError: division by zero".to_string()
        ))
    );
}

#[test]
fn the_diff_tab_shows_the_parents_inputs_answered_differently_side_by_side() {
    let (mut app, _) = reviewed();
    key(&mut app, KeyCode::Tab);
    let screen = render(&app, 100, 30);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("+ new line"),
        "the code diff stays first: {screen}"
    );
    assert!(
        screen
            .contains("behaviour on csv_to_json@1.2.0's real inputs: 1 of 3 answered differently"),
        "{screen}"
    );
    assert!(
        screen.contains(r#"input (history) {"csv":"a,b\n1,2"}"#),
        "{screen}"
    );
    let row = screen
        .lines()
        .find(|l| l.contains(r#"[{"a":"1","b":"2"}]"#))
        .unwrap_or_else(|| panic!("no parent answer: {screen}"));
    assert!(row.contains(r#"│ [{"a":1,"b":2}]"#), "side by side: {row}");
}

#[test]
fn a_validation_that_ends_while_the_diff_is_open_replaces_its_behaviour_lines() {
    let (mut app, entry) = reviewed();
    let mut report = app.validations.get(&entry.path).cloned().expect("report");
    report.differential = None;
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    key(&mut app, KeyCode::Tab);
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("behaviour on"), "{screen}");
    assert!(screen.contains("+ new line"), "{screen}");
}

#[test]
fn a_long_check_line_wraps_in_checks_at_80_columns() {
    let (mut app, entry) = reviewed();
    let mut report = app.validations.get(&entry.path).cloned().expect("report");
    report.checks[0].message = "1 distinct failure(s) in 50 generated input(s) · seed 42; \
        first: exit 1 on {\"csv\":\"\",\"n\":0}: ZeroDivisionError: division by zero"
        .into();
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("ZeroDivisionError: division by"),
        "{screen}"
    );
    // The rows below keep their place under the cursor.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('t'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::Apply(c) if matches!(**c, Command::AddCase { .. })))
    );
}
