//! The evolve dialog's built-in editor: numbered lines, and the file's language in colour.

use super::*;
use ratatui::style::{Color, Modifier};

/// The evolve dialog open on `files`, the editor focused at its first line.
fn editing(files: Vec<(String, String)>) -> App {
    let mut app = app_with(sample());
    key(&mut app, KeyCode::Char('e'));
    let entry = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::LoadEvolve(entry) => Some(entry),
            _ => None,
        })
        .expect("files requested");
    app.update(AppEvent::EvolveLoaded {
        path: entry.path.clone(),
        files,
    });
    type_text(&mut app, "number the lines");
    key(&mut app, KeyCode::Tab);
    app
}

fn buffer(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// Where `needle` starts on the screen.
fn find(buffer: &ratatui::buffer::Buffer, needle: &str) -> (u16, u16) {
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        if let Some(at) = line.find(needle) {
            return (line[..at].chars().count() as u16, y);
        }
    }
    panic!("{needle:?} is not on the screen");
}

#[test]
fn the_editor_numbers_its_lines_and_keeps_them_numbered_as_lines_are_added() {
    let script = "import sys\n\ndef main():\n    print(sys.argv)\n";
    let mut app = editing(vec![
        ("main.py".into(), script.into()),
        ("tool.toml".into(), "name = \"x\"\n".into()),
    ]);
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "# the entry point");
    key(&mut app, KeyCode::Enter);
    let screen = render(&app, 100, 30);
    insta::assert_snapshot!(screen);
    assert!(screen.contains(" 2 # the entry point"), "{screen}");
    assert!(screen.contains(" 5     print(sys.argv)"), "{screen}");
}

#[test]
fn the_editor_colours_the_files_language_and_leaves_the_cursor_alone() {
    crate::tui::highlight::syntaxes();
    let mut app = editing(vec![(
        "main.py".into(),
        "def main():\n    return 'text'\n".into(),
    )]);
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "    pass\n");
    let buffer = buffer(&app, 100, 30);
    let (x, y) = find(&buffer, "def main");
    let keyword = buffer[(x, y)].fg;
    let name = buffer[(x + 4, y)].fg;
    assert_ne!(keyword, Color::Reset, "`def` is coloured");
    assert_ne!(keyword, name, "a keyword and a name differ");
    let (x, y) = find(&buffer, "'text'");
    assert_ne!(buffer[(x, y)].fg, Color::Reset, "a string is coloured");
    assert_ne!(buffer[(x, y)].fg, keyword);
    // The line typed in is coloured as it is drawn.
    let (x, y) = find(&buffer, "pass");
    assert_ne!(buffer[(x, y)].fg, Color::Reset, "`pass` is coloured");
    // The cursor's cell keeps the textarea's own style.
    let cursor = buffer
        .content
        .iter()
        .find(|cell| cell.modifier.contains(Modifier::REVERSED))
        .expect("a cursor");
    assert_eq!(cursor.fg, Color::Reset);
}
