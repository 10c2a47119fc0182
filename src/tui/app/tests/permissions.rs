//! What a candidate may read, write and reach, in the review overlay: the permissions check
//! and its escalation first in Checks, and in the Overview the new permissions marked.

use super::*;
use crate::model::{Network, Permissions, ProjectAccess};

/// The sample with csv_to_json 1.2.0 granted the project to read, and its candidate 1.3.0
/// asking to write it and to reach evil.example:443.
fn escalating() -> Vec<ToolEntry> {
    let mut entries = sample();
    for entry in &mut entries {
        let Some(manifest) = entry.manifest.as_deref() else {
            continue;
        };
        let permissions = match (entry.name.as_str(), entry.version.as_str()) {
            ("csv_to_json", "1.2.0") => Permissions {
                project: ProjectAccess::Read,
                ..Permissions::default()
            },
            ("csv_to_json", "1.3.0") => Permissions {
                project: ProjectAccess::Write,
                network: Network::Hosts(vec!["evil.example:443".parse().expect("host")]),
                ..Permissions::default()
            },
            _ => continue,
        };
        entry.manifest = Some(Arc::new(Manifest {
            permissions,
            ..manifest.clone()
        }));
    }
    entries
}

/// The review overlay of csv_to_json 1.3.0 (Checks first), its content loaded.
fn reviewing(entries: Vec<ToolEntry>) -> (App, ToolEntry) {
    let mut app = app_with(entries);
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let entry = detail_loaded(&mut app);
    assert_eq!(
        (entry.name.as_str(), entry.version.as_str()),
        ("csv_to_json", "1.3.0")
    );
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content: content_with_source("main.py", "print(1)\n"),
    });
    (app, entry)
}

/// The lines of the overlay's text: what is between its borders, trimmed.
fn overlay_lines(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('│');
            parts.nth(2).map(|inner| inner.trim().to_string())
        })
        .filter(|line| !line.is_empty())
        .collect()
}

#[test]
fn the_permission_escalation_leads_the_checks_and_its_findings() {
    let (mut app, entry) = reviewing(escalating());
    let report: crate::model::validation_report::ValidationReport = serde_json::from_value(serde_json::json!({
        "name": entry.name, "version": entry.version, "tier": "experimental",
        "path": "experimental/csv_to_json-1.3.0", "verdict": "warn",
        "content_hash": entry.content_hash, "validated_at": "2026-11-24T10:00:00.000Z",
        "checks": [
            {"check": "permissions", "status": "warn", "message": "permission-escalation: asks for what csv_to_json@1.2.0 was not granted: project: read → write; network: evil.example:443"},
            {"check": "manifest", "status": "pass", "message": "tool.toml is valid"},
            {"check": "security", "status": "warn", "message": "0 error(s), 1 warning(s): eval-exec"}
        ],
        "findings": [
            {"rule": "permission-escalation", "file": "tool.toml", "line": 7, "severity": "warning", "message": "asks for what csv_to_json@1.2.0 was not granted: project: read → write; network: evil.example:443", "check": "permissions"},
            {"rule": "eval-exec", "file": "main.py", "line": 1, "severity": "warning", "message": "eval runs text", "check": "security"}
        ],
        "tests": [], "similar": [],
        "permissions": {"project": "write", "read": [], "write": [], "network": ["evil.example:443"],
            "summary": "project write · network evil.example:443", "parent": "csv_to_json@1.2.0",
            "escalations": ["project: read → write", "network: evil.example:443"]}
    }))
    .expect("report JSON");
    app.update(AppEvent::Validated {
        path: entry.path.clone(),
        report: Box::new(report),
        unstored: Vec::new(),
    });
    let screen = render(&app, 160, 30);
    let lines = overlay_lines(&screen);
    assert!(lines[0].starts_with("verdict warn"), "{screen}");
    assert!(
        lines[1].starts_with("! permissions")
            && lines[1].contains("permission-escalation")
            && lines[1].contains("project: read → write; network: evil.example:443"),
        "the permissions lead the checklist: {screen}"
    );
    assert_eq!(
        lines[2], "declared: project write · network evil.example:443",
        "{screen}"
    );
    let findings = lines
        .iter()
        .position(|l| l == "findings")
        .expect("findings");
    assert!(
        lines[findings + 1].starts_with("tool.toml:7 permission-escalation asks for what"),
        "the escalation leads the findings: {screen}"
    );
}

#[test]
fn the_overview_marks_what_the_parent_was_not_granted() {
    let (mut app, _) = reviewing(escalating());
    key(&mut app, KeyCode::Left);
    let screen = render(&app, 120, 30);
    let lines = overlay_lines(&screen);
    let at = lines
        .iter()
        .position(|l| l.starts_with("permissions"))
        .unwrap_or_else(|| panic!("a permissions line: {screen}"));
    assert!(at <= 2, "near the top: {screen}");
    assert_eq!(
        lines[at],
        "permissions  project write · network evil.example:443"
    );
    assert_eq!(
        &lines[at + 1..at + 3],
        [
            "! beyond csv_to_json@1.2.0: project: read → write",
            "! beyond csv_to_json@1.2.0: network: evil.example:443",
        ],
        "{screen}"
    );
}

#[test]
fn a_candidate_asking_for_nothing_new_has_nothing_marked() {
    let (mut app, _) = reviewing(sample());
    key(&mut app, KeyCode::Left);
    let screen = render(&app, 120, 30);
    assert!(
        overlay_lines(&screen).contains(&"permissions  none".to_string()),
        "{screen}"
    );
    assert!(!screen.contains("! beyond"), "{screen}");
}
