//! The tool detail's overview names the environment a tool's packages are installed in and its
//! size, or says that it is not built here and how to build it.

use super::*;
use crate::model::deps::Environment;

/// The overview of the detail of a tool whose packages are in `environment`.
fn overview_with(environment: Environment) -> String {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('d'));
    let entry = detail_loaded(&mut app);
    let mut content = content_with_source("main.py", "import tinydep\n");
    content.environment = Some(environment);
    app.update(AppEvent::DetailLoaded {
        path: entry.path.clone(),
        content,
    });
    render(&app, 120, 30)
}

fn locked(built: bool) -> Environment {
    Environment {
        digest: "c729fc514bb9e0a1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d".into(),
        built,
        bytes: built.then_some(1_234_567),
        packages: vec!["tinydep==1.0.0".into(), "bigdep==1.0.0".into()],
    }
}

#[test]
fn the_detail_overview_names_the_environment_and_its_size() {
    let screen = overview_with(locked(true));
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("environment  c729fc514bb9 (tinydep==1.0.0 bigdep==1.0.0), 1.2 MiB"),
        "{screen}"
    );
}

#[test]
fn the_detail_overview_says_an_environment_not_built_here_needs_validation() {
    let screen = overview_with(locked(false));
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("not built here: validate the tool to build it"),
        "{screen}"
    );
}
