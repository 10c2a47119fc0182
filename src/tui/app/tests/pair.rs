//! `D` shows a one-time link that pairs a device with the review page, and its QR code where
//! the terminal has room for it.

use super::*;
use crate::command::{DeviceError, PairingCode};

const LINK: &str = "http://127.0.0.1:7878/pair?code=0123456789abcdef0123456789abcdef";

/// `D`'s command.
fn asked() -> Command {
    Command::PairingCode {
        name: None,
        listen: None,
        host: None,
    }
}

/// The library's answer to `D`: a code and its link.
fn paired(app: &mut App) {
    app.update(AppEvent::Applied {
        command: Box::new(asked()),
        result: Ok(Applied::PairingCode(PairingCode {
            code: "0123456789abcdef0123456789abcdef".into(),
            device: "device-1".into(),
            expires_at: "2026-11-27T10:10:00.000Z".into(),
            link: LINK.into(),
        })),
    });
}

#[test]
fn d_asks_for_a_pairing_code_and_shows_its_link_and_qr_code() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('D'));
    assert!(
        app.effects.contains(&Effect::Apply(Box::new(asked()))),
        "{:?}",
        app.effects
    );
    assert!(render(&app, 80, 24).contains("making a pairing code"));
    paired(&mut app);
    let screen = render(&app, 120, 40);
    insta::assert_snapshot!(screen);
    assert!(
        screen.contains("████ ▄▄▄▄▄ █"),
        "the code's finder: {screen}"
    );
    // `y` copies the link, not what is selected under the overlay.
    key(&mut app, KeyCode::Char('y'));
    assert!(
        app.effects.contains(&Effect::Copy(LINK.into())),
        "{:?}",
        app.effects
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn on_a_small_terminal_the_link_shows_and_says_what_the_code_needs() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('D'));
    paired(&mut app);
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!(screen);
    assert!(screen.contains("make the terminal larger"), "{screen}");
    assert!(!screen.contains("████ ▄▄▄▄▄ █"), "no half code: {screen}");
}

#[test]
fn a_pairing_refused_says_why_in_the_overlay() {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('D'));
    app.update(AppEvent::Applied {
        command: Box::new(asked()),
        result: Err(DeviceError::NoHost("0.0.0.0:7878".parse().expect("address")).into()),
    });
    let screen = render(&app, 80, 24);
    assert!(screen.contains("set [web] host"), "{screen}");
    key(&mut app, KeyCode::Char('y'));
    assert!(!app.effects.iter().any(|e| matches!(e, Effect::Copy(_))));
}
