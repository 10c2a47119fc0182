//! A first frame drawn from the first rows of the cached index (`App::with_head`): it looks
//! as the whole index's would, a key typed before the rest arrives acts on the whole catalog,
//! and the app the rest makes is the one the whole index makes at once.

use super::*;
use std::path::Path;

use crate::store::Store;

/// Tools in a generated index: more than `rows` of the head, spread over the tiers.
const TOOLS: usize = 600;
/// Rows of the head, as `tui::run` reads them.
const ROWS: usize = 128;

/// A store holding a cached index of `TOOLS` tools whose folder names do not sort as their
/// names do (so the Review pane's order, by path, is not the Catalog's), plus one row
/// corrected since the index was saved: it comes last by rowid but first by name.
fn cached_index() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path()).expect("store");
    let tiers = [
        Tier::Core,
        Tier::Approved,
        Tier::Experimental,
        Tier::Experimental,
        Tier::Archived,
    ];
    let entries: Vec<ToolEntry> = (0..TOOLS)
        .map(|i| {
            let tier = tiers[i % tiers.len()];
            let mut entry = tool(
                tier,
                &format!("tool_{:04}", (i * 7919) % TOOLS),
                "1.0.0",
                CostTier::Low,
                &format!("does thing {i}"),
            );
            entry.path = format!("/ws/{tier}/f{:04}", TOOLS - i).into();
            entry.manifest = None;
            entry
        })
        .collect();
    store.save_index(&entries).expect("saved");
    let mut corrected = tool(
        Tier::Experimental,
        "aaa_first",
        "0.1.0",
        CostTier::Low,
        "came after",
    );
    corrected.manifest = None;
    store
        .refresh_index(&[], &[corrected])
        .expect("corrected since");
    (dir, store)
}

/// The first frame's layout: the terminal's size, taken at once (nothing held yet).
fn settled(mut app: App) -> App {
    let mut held = Held::default();
    held.update(&mut app, AppEvent::Terminal(Event::Resize(160, 45)));
    assert_eq!(held.len(), 0);
    app
}

fn head_app(store: &Store, sort: SortOrder) -> App {
    head_app_at(store, Path::new("/ws"), sort)
}

/// The first rows as a workbench on `root` reads them (the index's paths are under `/ws`).
fn head_app_at(store: &Store, root: &Path, sort: SortOrder) -> App {
    let head = store
        .index_head(root, sort, ROWS)
        .expect("head read")
        .expect("more than the head");
    assert!(head.entries.len() < TOOLS, "only the first rows are read");
    settled(App::with_head(
        "tools/".into(),
        head,
        sort,
        Keymap::defaults(),
        Theme::builtin(),
        RunPolicy::default(),
    ))
}

fn whole_app(store: &Store, sort: SortOrder) -> App {
    settled(App::new(
        "tools/".into(),
        store.load_index().expect("index"),
        sort,
        Keymap::defaults(),
        Theme::builtin(),
    ))
}

/// Sends `event` through the loop's hold, as the event loop does.
fn send(held: &mut Held, app: &mut App, event: AppEvent) {
    held.update(app, event);
}

fn rest(store: &Store) -> AppEvent {
    let catalog = Catalog::new(store.load_index().expect("index"));
    catalog.search();
    AppEvent::IndexLoaded(Arc::new(catalog))
}

fn press(code: KeyCode) -> AppEvent {
    AppEvent::Terminal(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// What the Catalog pane lists, in its order.
fn listed(app: &App) -> Vec<PathBuf> {
    app.view
        .iter()
        .map(|i| app.catalog.entries()[*i].path.clone())
        .collect()
}

#[test]
fn the_first_frame_from_the_first_rows_is_the_whole_indexs_first_frame() {
    let (_dir, store) = cached_index();
    for sort in [SortOrder::Name, SortOrder::Tier, SortOrder::Quality] {
        let head = head_app(&store, sort);
        let whole = whole_app(&store, sort);
        let screen = render(&head, 160, 45);
        assert_eq!(screen, render(&whole, 160, 45), "{sort:?}");
        // An index written under another spelling of the root: counted and read the slow way.
        let elsewhere = head_app_at(&store, Path::new("/elsewhere/ws"), sort);
        assert_eq!(render(&elsewhere, 160, 45), screen, "{sort:?}");
        // The counts are the whole index's, not the rows read.
        assert!(
            screen.contains(&format!("Catalog ({})", TOOLS + 1)),
            "{screen}"
        );
        assert!(screen.contains("Review (241)"), "{screen}");
        assert!(
            screen.contains("core 120 appr 120 exp 241 arch 120"),
            "{screen}"
        );
        // The row corrected since the index was saved leads, as in the whole index.
        assert!(screen.contains("aaa_first"), "{screen}");
        // Nothing that needs the whole catalog starts on the first rows.
        assert!(head.effects.is_empty(), "{:?}", head.effects);
    }
}

#[test]
fn the_rest_makes_the_app_the_whole_index_makes_at_once() {
    let (_dir, store) = cached_index();
    for sort in [SortOrder::Name, SortOrder::Tier] {
        let mut head = head_app(&store, sort);
        let mut whole = whole_app(&store, sort);
        send(&mut Held::default(), &mut head, rest(&store));
        assert!(head.rest.is_none());
        assert_eq!(head.catalog.entries(), whole.catalog.entries(), "{sort:?}");
        assert_eq!(listed(&head), listed(&whole));
        assert_eq!(head.review, whole.review);
        assert_eq!(
            head.take_effects(),
            whole.take_effects(),
            "the history is read"
        );
        // The same from there on: a filter, a move, the review pane.
        for app in [&mut head, &mut whole] {
            key(app, KeyCode::Char('/'));
            type_text(app, "tool_05");
            key(app, KeyCode::Enter);
            key(app, KeyCode::Char('4'));
        }
        assert_eq!(render(&head, 160, 45), render(&whole, 160, 45));
        assert_eq!(listed(&head), listed(&whole));
    }
}

#[test]
fn keys_typed_before_the_rest_arrives_act_on_the_whole_catalog() {
    let (_dir, store) = cached_index();
    let mut head = head_app(&store, SortOrder::Name);
    let mut whole = whole_app(&store, SortOrder::Name);
    let mut held = Held::default();
    // A filter typed before the rest: held, not applied to the first rows.
    for c in "/tool_059".chars() {
        send(&mut held, &mut head, press(KeyCode::Char(c)));
    }
    assert!(head.filter.query.is_empty(), "held, not yet taken");
    assert_eq!(held.len(), 9);
    send(&mut held, &mut head, rest(&store));
    assert_eq!(held.len(), 0);
    assert_eq!(head.filter.query, "tool_059");
    assert_eq!(head.catalog.len(), TOOLS + 1);
    key(&mut whole, KeyCode::Char('/'));
    type_text(&mut whole, "tool_059");
    let after = render(&head, 160, 45);
    assert!(after.contains("tool_0590"), "{after}");
    assert_eq!(after, render(&whole, 160, 45));
    assert_eq!(listed(&head), listed(&whole));
    assert!(listed(&head).len() >= 10);
}

#[test]
fn enter_on_a_row_shown_before_the_rest_arrives_runs_that_tool() {
    let (_dir, store) = cached_index();
    let mut head = head_app(&store, SortOrder::Name);
    let mut whole = whole_app(&store, SortOrder::Name);
    let mut held = Held::default();
    for code in [KeyCode::Down, KeyCode::Enter, KeyCode::Esc] {
        send(&mut held, &mut head, press(code));
    }
    // A tick and a resize after the keys wait behind them, in order.
    send(&mut held, &mut head, AppEvent::Tick);
    send(
        &mut held,
        &mut head,
        AppEvent::Terminal(Event::Resize(160, 45)),
    );
    assert_eq!(held.len(), 5, "held");
    assert!(
        head.take_effects().is_empty(),
        "nothing acted on the first rows"
    );
    send(&mut held, &mut head, rest(&store));
    key(&mut whole, KeyCode::Down);
    key(&mut whole, KeyCode::Enter);
    key(&mut whole, KeyCode::Esc);
    whole.update(AppEvent::Tick);
    whole.update(AppEvent::Terminal(Event::Resize(160, 45)));
    assert_eq!(render(&head, 160, 45), render(&whole, 160, 45));
    assert_eq!(head.take_effects(), whole.take_effects());
    assert_eq!(
        head.selected_entry().map(|e| e.name.clone()),
        Some("tool_0000".to_string()),
        "the second row of the first frame"
    );
}

#[test]
fn a_rest_that_could_not_be_read_scans_the_workspace() {
    let (_dir, store) = cached_index();
    let mut head = head_app(&store, SortOrder::Name);
    send(
        &mut Held::default(),
        &mut head,
        AppEvent::IndexLoaded(Arc::new(Catalog::new(Vec::new()))),
    );
    assert!(head.take_effects().contains(&Effect::Scan));
}
