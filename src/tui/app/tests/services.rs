//! Service instances in the workbench: the catalog badge, the instance dialog, the Output
//! pane following an instance, `K` and the send dialog.

use super::*;
use crate::model::ServiceSpec;
use crate::model::services::{InstanceRow, InstanceState};

fn service(name: &str) -> ToolEntry {
    let mut entry = tool(Tier::Core, name, "1.0.0", CostTier::Low, "A cache");
    let mut m = manifest(name, "1.0.0", "A cache", None);
    m.run.input = InputMode::None;
    m.service = Some(ServiceSpec {
        kind: ServiceSpec::GENERIC.into(),
        port: "auto".into(),
        health_check: "ping".into(),
        launch_args: vec![],
        defined_by: None,
    });
    entry.manifest = Some(Arc::new(m));
    entry
}

fn instance(name: &str, tool: &str, port: u16, state: InstanceState) -> InstanceRow {
    InstanceRow {
        name: name.into(),
        tool: tool.into(),
        version: "1.0.0".into(),
        port,
        pid: Some(4242),
        start_ticks: Some(1),
        state,
        started_at: "2026-01-01T00:00:00Z".into(),
        stopped_at: None,
        last_exchange_at: None,
        log_dir: format!(".toolbench/services/{name}"),
        sandbox: String::new(),
        error: None,
    }
}

fn effects(app: &mut App) -> Vec<Effect> {
    app.take_effects()
        .into_iter()
        .filter(|e| !matches!(e, Effect::LoadHistory))
        .collect()
}

#[test]
fn the_catalog_shows_each_services_instances_and_port() {
    let mut app = app_with(vec![
        service("kv_cache"),
        service("echo_service"),
        tool(Tier::Core, "word_count", "1.0.0", CostTier::Low, "Counts"),
    ]);
    app.update(AppEvent::InstancesPolled(vec![
        instance("a", "kv_cache", 50123, InstanceState::Healthy),
        instance("b", "kv_cache", 50124, InstanceState::Healthy),
        instance("old", "echo_service", 50125, InstanceState::Stopped),
    ]));
    let screen = render(&app, 140, 24);
    let line = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("kv_cache").contains("● 2 running :50123"), "{screen}");
    assert!(line("echo_service").contains("○ service"), "{screen}");
    assert!(!line("word_count").contains("service"), "{screen}");
    app.update(AppEvent::InstancesPolled(vec![instance(
        "a",
        "kv_cache",
        50123,
        InstanceState::Unhealthy,
    )]));
    assert!(render(&app, 140, 24).contains("● 1 unhealthy :50123"));
}

#[test]
fn enter_on_a_service_asks_for_the_instance_and_launches_it() {
    let mut app = app_with(vec![service("kv_cache")]);
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Launch kv_cache@1.0.0"), "{screen}");
    // Named after the service unless named: an instance name stays its first tool's.
    assert!(screen.contains("│kv_cache"), "{screen}");
    effects(&mut app);
    // An empty name is refused in the dialog.
    for _ in 0.."kv_cache".len() {
        key(&mut app, KeyCode::Backspace);
    }
    key(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("✗ name the instance"));
    type_text(&mut app, "main");
    key(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    let effects = effects(&mut app);
    assert!(
        matches!(&effects[..], [
            Effect::Apply(command),
            Effect::FollowInstance { instance: followed, .. },
        ] if matches!(
            command.as_ref(),
            Command::Launch { tool, instance, confirmed: false }
                if tool == "kv_cache@1.0.0" && instance == "main"
        ) && followed == "main"),
        "{effects:?}"
    );
    assert_eq!(app.focus, Pane::Output);
    app.update(AppEvent::InstancesPolled(vec![instance(
        "main",
        "kv_cache",
        50200,
        InstanceState::Healthy,
    )]));
    let key_of = app.selected_run().map(|r| r.key).expect("a view");
    app.update(AppEvent::RunOutput {
        key: key_of,
        stream: Stream::Stdout,
        bytes: "→ get k\n← 42\n".into(),
        skipped: 0,
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("instance main · healthy :50200"),
        "{screen}"
    );
    assert!(screen.contains("← 42"), "{screen}");
}

/// The instance name is the dialog's one field: Tab has no field to move to, and types nothing.
#[test]
fn tab_in_the_instance_name_types_nothing() {
    let mut app = app_with(vec![service("kv_cache")]);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::BackTab);
    let Some(Overlay::Service(dialog)) = &app.overlay else {
        panic!("the dialog closed");
    };
    assert_eq!(dialog.text.lines(), ["kv_cache"]);
}

#[test]
fn enter_on_a_running_service_attaches_without_launching() {
    let mut app = app_with(vec![service("kv_cache")]);
    app.update(AppEvent::InstancesPolled(vec![instance(
        "a",
        "kv_cache",
        50123,
        InstanceState::Healthy,
    )]));
    key(&mut app, KeyCode::Enter);
    assert!(render(&app, 80, 24).contains("running: a"));
    effects(&mut app);
    key(&mut app, KeyCode::Enter);
    let effects = effects(&mut app);
    assert!(
        matches!(&effects[..], [Effect::FollowInstance { instance, .. }] if instance == "a"),
        "{effects:?}"
    );
}

#[test]
fn k_stops_the_selected_instance_and_ends_its_view() {
    let mut app = app_with(vec![service("kv_cache")]);
    key(&mut app, KeyCode::Char('K'));
    assert!(render(&app, 80, 24).contains("no service instance selected"));
    app.update(AppEvent::InstancesPolled(vec![instance(
        "a",
        "kv_cache",
        50123,
        InstanceState::Healthy,
    )]));
    effects(&mut app);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    effects(&mut app);
    assert_eq!(app.focus, Pane::Output);
    // K asks first; a second K stops it, any other key takes the question back.
    key(&mut app, KeyCode::Char('K'));
    assert!(effects(&mut app).is_empty());
    assert!(render(&app, 80, 24).contains("K again to stop instance a"));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('K'));
    assert!(effects(&mut app).is_empty(), "j took the question back");
    key(&mut app, KeyCode::Char('K'));
    let effects = effects(&mut app);
    let stop = Command::Stop {
        instance: "a".into(),
    };
    assert_eq!(effects, [Effect::Apply(Box::new(stop.clone()))]);
    app.update(AppEvent::Applied {
        command: Box::new(stop),
        result: Ok(Applied::Stopped(
            crate::model::services::Stopped::Terminated,
        )),
    });
    assert!(!app.selected_run().is_some_and(RunView::is_running));
    assert!(render(&app, 80, 24).contains("instance a stopped"));
}

#[test]
fn the_send_dialog_sends_one_message_and_shows_the_answer() {
    let mut app = app_with(vec![service("kv_cache")]);
    app.update(AppEvent::InstancesPolled(vec![instance(
        "a",
        "kv_cache",
        50123,
        InstanceState::Healthy,
    )]));
    effects(&mut app);
    key(&mut app, KeyCode::Char('m'));
    type_text(&mut app, "get k");
    key(&mut app, KeyCode::Enter);
    let effects = effects(&mut app);
    let send = Command::Send {
        instance: "a".into(),
        message: "get k".into(),
        context: serde_json::json!({}),
    };
    assert_eq!(effects, [Effect::Apply(Box::new(send.clone()))]);
    assert!(render(&app, 80, 24).contains("waiting for the answer"));
    app.update(AppEvent::Applied {
        command: Box::new(send),
        result: Ok(Applied::Sent(Box::new(crate::services::Sent {
            answer: "42".into(),
            relaunched: None,
        }))),
    });
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Send to instance a"), "{screen}");
    assert!(screen.contains("← 42"), "{screen}");
}

#[test]
fn a_launch_the_library_refused_ends_its_view_with_the_reason() {
    let mut app = app_with(vec![service("kv_cache")]);
    key(&mut app, KeyCode::Enter);
    effects(&mut app);
    key(&mut app, KeyCode::Enter);
    let launch = effects(&mut app)
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Apply(command) if matches!(*command, Command::Launch { .. }) => Some(command),
            _ => None,
        })
        .expect("a launch asked for");
    assert!(app.selected_run().is_some_and(RunView::is_running));
    app.update(AppEvent::Applied {
        command: launch,
        result: Err(crate::command::CommandError::Stopped(
            "port 50200 is taken".into(),
        )),
    });
    assert!(!app.selected_run().is_some_and(RunView::is_running));
    assert!(render(&app, 80, 24).contains("port 50200 is taken"));
}

/// A launch the seal refused reads as a refused run does in the workbench: the library's
/// facts, then the keys that settle it rather than the CLI's commands.
#[test]
fn a_launch_refused_by_its_seal_names_the_review_keys_not_the_clis_commands() {
    use crate::seal::{Modification, SealError};
    let mut app = app_with(vec![service("kv_cache")]);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let launch = effects(&mut app)
        .into_iter()
        .find_map(|e| match e {
            Effect::Apply(command) if matches!(*command, Command::Launch { .. }) => Some(command),
            _ => None,
        })
        .expect("asked to launch");
    let refusal = crate::services::ServiceError::Sealed {
        tool: "kv_cache@1.0.0".into(),
        reason: Box::new(SealError::Modified(Box::new(Modification {
            name: "kv_cache".into(),
            folder: "core/kv_cache".into(),
            approved: "1.0.0".into(),
            approved_hash: "e5bbf7a1f15c".into(),
            version: "1.0.0".into(),
            hash: "bbbcb5a4ddc8".into(),
        }))),
    };
    // The CLI's words stay the CLI's.
    assert!(
        refusal
            .to_string()
            .contains("`toolbench resubmit kv_cache`")
    );
    app.update(AppEvent::Applied {
        command: launch,
        result: Err(refusal.into()),
    });
    let refused = "kv_cache@1.0.0 will not launch: core/kv_cache was modified since approval \
                   (approved 1.0.0 e5bbf7a1f15c, now 1.0.0 bbbcb5a4ddc8); b sends the change to \
                   review, a in Review approves it where it is";
    assert_eq!(message(&app), refused);
    assert!(
        app.selected_run().is_some_and(
            |view| matches!(&view.state, RunState::Refused(why) if why.ends_with(refused))
        ),
        "the instance's view ends with it too"
    );
}
