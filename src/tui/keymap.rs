//! Key bindings: `assets/keymap.toml`, with the user's `keymap.toml` on top.
//!
//! The one place that maps keys to actions; the help overlay is generated from it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, KeyContext};
use super::config_file;

/// A keymap file the workbench cannot use: the file, the line and what on it is wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeymapError {
    #[error(transparent)]
    File(#[from] super::config_file::ConfigFileError),
    #[error("{}:{line}: unknown section [{section}] (expected one of {expected})", .path.display())]
    UnknownSection {
        path: PathBuf,
        line: usize,
        section: String,
        expected: String,
    },
    #[error("{}:{line}: unknown action `{action}`", .path.display())]
    UnknownAction {
        path: PathBuf,
        line: usize,
        action: String,
    },
    #[error("{}:{line}: field `{field}`: unknown key {key:?}", .path.display())]
    UnknownKey {
        path: PathBuf,
        line: usize,
        field: String,
        key: String,
    },
}

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// One key with its modifiers, as written in the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyCombo {
    pub(crate) code: KeyCode,
    pub(crate) modifiers: KeyModifiers,
}

impl KeyCombo {
    pub(crate) fn parse(spec: &str) -> Option<Self> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            f if f.len() > 1 && f.starts_with('f') => {
                KeyCode::F(f[1..].parse().ok().filter(|n| (1..=12).contains(n))?)
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next()?),
            _ => return None,
        };
        Some(Self { code, modifiers })
    }

    /// Shift is part of the character itself (`G`, `?`), so it is ignored for characters.
    fn matches(&self, key: &KeyEvent) -> bool {
        let normalize = |code: KeyCode, mods: KeyModifiers| match code {
            KeyCode::Char(_) | KeyCode::BackTab => mods - KeyModifiers::SHIFT,
            _ => mods,
        };
        self.code == key.code
            && normalize(self.code, self.modifiers) == normalize(key.code, key.modifiers)
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            _ => f.write_str("?"),
        }
    }
}

#[derive(Debug, Clone)]
struct Binding {
    context: KeyContext,
    action: Action,
    keys: Vec<KeyCombo>,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

type RawKeymap = BTreeMap<String, BTreeMap<String, Vec<String>>>;

impl Keymap {
    /// The built-in keymap with `<config_dir>/keymap.toml` on top, when present.
    pub(crate) fn load(config_dir: Option<&Path>) -> Result<Self, KeymapError> {
        let mut keymap = Self::defaults();
        if let Some((path, text)) = config_file::read(config_dir, "keymap.toml")? {
            keymap.overlay(&text, &path)?;
        }
        Ok(keymap)
    }

    pub fn defaults() -> Self {
        let mut keymap = Self {
            bindings: Vec::new(),
        };
        // The built-in file is tested below; failing here would be a build defect.
        if let Err(e) = keymap.overlay(DEFAULT_KEYMAP, Path::new("assets/keymap.toml")) {
            debug_assert!(false, "{e}");
        }
        keymap
    }

    /// Applies a keymap file: each action it names gets exactly the keys it lists.
    pub(crate) fn overlay(&mut self, text: &str, path: &Path) -> Result<(), KeymapError> {
        let raw: RawKeymap = config_file::parse(text, path)?;
        for (section, actions) in raw {
            let Some(context) = KeyContext::from_name(&section) else {
                let names: Vec<_> = KeyContext::ALL.iter().map(|c| c.name()).collect();
                return Err(KeymapError::UnknownSection {
                    path: path.to_path_buf(),
                    line: line_of(text, &format!("[{section}]")),
                    section,
                    expected: names.join(", "),
                });
            };
            for (name, specs) in actions {
                let line = line_of(text, &name);
                let Some(action) = Action::from_name(&name) else {
                    return Err(KeymapError::UnknownAction {
                        path: path.to_path_buf(),
                        line,
                        action: name,
                    });
                };
                let keys = specs
                    .iter()
                    .map(|s| {
                        KeyCombo::parse(s).ok_or_else(|| KeymapError::UnknownKey {
                            path: path.to_path_buf(),
                            line,
                            field: name.clone(),
                            key: s.clone(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                match self
                    .bindings
                    .iter_mut()
                    .find(|b| b.context == context && b.action == action)
                {
                    Some(binding) => binding.keys = keys,
                    None => self.bindings.push(Binding {
                        context,
                        action,
                        keys,
                    }),
                }
            }
        }
        Ok(())
    }

    /// The action bound to `key`, trying `contexts` in order.
    pub(crate) fn lookup(&self, contexts: &[KeyContext], key: &KeyEvent) -> Option<Action> {
        contexts.iter().find_map(|context| {
            self.bindings
                .iter()
                .filter(|b| b.context == *context)
                .find(|b| b.keys.iter().any(|k| k.matches(key)))
                .map(|b| b.action)
        })
    }

    /// Whether `key` is one of `action`'s in `context`: for a key two actions of a context
    /// share (`ctrl-p` in the evolve editor and the launch dialog), the dialog open picks.
    pub(crate) fn binds(&self, context: KeyContext, action: Action, key: &KeyEvent) -> bool {
        self.bindings
            .iter()
            .filter(|b| b.context == context && b.action == action)
            .any(|b| b.keys.iter().any(|k| k.matches(key)))
    }

    /// The first key bound to `action` anywhere, for hints like "press ? for help".
    pub(crate) fn hint(&self, action: Action) -> String {
        Self::first_key(self.bindings.iter().find(|b| b.action == action))
    }

    /// The first key bound to `action` in `context`: what a dialog's foot names, where
    /// another context's key for the same action would not be read.
    pub(crate) fn hint_in(&self, context: KeyContext, action: Action) -> String {
        Self::first_key(
            self.bindings
                .iter()
                .find(|b| b.context == context && b.action == action),
        )
    }

    fn first_key(binding: Option<&Binding>) -> String {
        binding
            .and_then(|b| b.keys.first())
            .map(|k| k.to_string())
            .unwrap_or_else(|| "(unbound)".to_string())
    }

    /// Bindings grouped by context, in context order, for the help overlay.
    pub(crate) fn sections(&self) -> Vec<(KeyContext, Vec<(String, Action)>)> {
        KeyContext::ALL
            .iter()
            .map(|context| {
                let mut bindings: Vec<&Binding> = self
                    .bindings
                    .iter()
                    .filter(|b| b.context == *context && !b.keys.is_empty())
                    .collect();
                // Vocabulary order, so related actions stay together whatever the file order.
                bindings.sort_by_key(|b| Action::ALL.iter().position(|a| *a == b.action));
                let rows = bindings
                    .into_iter()
                    .map(|b| {
                        (
                            b.keys
                                .iter()
                                .map(|k| k.to_string())
                                .collect::<Vec<_>>()
                                .join(" "),
                            b.action,
                        )
                    })
                    .collect();
                (*context, rows)
            })
            .filter(|(_, rows): &(KeyContext, Vec<_>)| !rows.is_empty())
            .collect()
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(needle) && !t.starts_with('#')
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn builtin_keymap_parses_and_binds_the_design_keys() {
        let mut keymap = Keymap {
            bindings: Vec::new(),
        };
        keymap
            .overlay(DEFAULT_KEYMAP, Path::new("assets/keymap.toml"))
            .expect("valid");
        let global = [KeyContext::Global];
        assert_eq!(
            keymap.lookup(&global, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.lookup(&global, &key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            keymap.lookup(&global, &key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        let nav = [KeyContext::Navigation];
        assert_eq!(
            keymap.lookup(&nav, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Last)
        );
        assert_eq!(
            keymap.lookup(
                &[KeyContext::Catalog],
                &key(KeyCode::Char('/'), KeyModifiers::NONE)
            ),
            Some(Action::Filter)
        );
    }

    #[test]
    fn every_decision_kind_has_a_key_named_as_it_is_recorded() {
        let bound: Vec<Action> = Keymap::defaults()
            .sections()
            .into_iter()
            .flat_map(|(_, bindings)| bindings.into_iter().map(|(_, action)| action))
            .collect();
        for kind in crate::model::decisions::DecisionKind::ALL.iter().copied() {
            let action = Action::asking_for(kind);
            assert_eq!(action.decision(), Some(kind));
            assert!(action.is_decision(), "{kind:?}");
            assert_eq!(action.name(), kind.name(), "{kind:?}");
            assert!(bound.contains(&action), "{kind:?} has no default key");
        }
    }

    #[test]
    fn user_keymap_replaces_keys_of_the_actions_it_names() {
        let mut keymap = Keymap::defaults();
        keymap
            .overlay("[global]\nquit = [\"ctrl-q\"]\n", Path::new("keymap.toml"))
            .expect("valid");
        let global = [KeyContext::Global];
        assert_eq!(
            keymap.lookup(&global, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            keymap.lookup(&global, &key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(keymap.hint(Action::Help), "?");
    }

    #[test]
    fn bad_keymaps_name_file_line_and_field() {
        let mut keymap = Keymap::defaults();
        let err = keymap
            .overlay("[global]\nfly = [\"f\"]\n", Path::new("keymap.toml"))
            .expect_err("bad action");
        assert_eq!(err.to_string(), "keymap.toml:2: unknown action `fly`");
        let err = keymap
            .overlay("[global]\nquit = [\"hyper-q\"]\n", Path::new("keymap.toml"))
            .expect_err("bad key");
        assert_eq!(
            err.to_string(),
            "keymap.toml:2: field `quit`: unknown key \"hyper-q\""
        );
        let err = keymap
            .overlay("[nowhere]\nquit = [\"q\"]\n", Path::new("keymap.toml"))
            .expect_err("bad section");
        assert!(
            err.to_string()
                .starts_with("keymap.toml:1: unknown section [nowhere]"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_keymap_file_in_the_config_folder_is_named_with_its_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("keymap.toml");
        std::fs::write(&file, "[global]\nquit = [\"q\"]\nhelp = [\"ctrl-hyper\"]\n")
            .expect("write keymap");
        let err = Keymap::load(Some(dir.path())).expect_err("bad key");
        assert!(
            matches!(&err, KeymapError::UnknownKey { path, line: 3, field, key }
                if *path == file && field == "help" && key == "ctrl-hyper"),
            "{err:?}"
        );
        assert_eq!(
            crate::error_chain::one_line(&err),
            format!(
                "{}:3: field `help`: unknown key \"ctrl-hyper\"",
                file.display()
            )
        );
    }
}
