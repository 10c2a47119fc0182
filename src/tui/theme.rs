//! Colours and text styles by role: `assets/theme.toml`, with the user's `theme.toml` on top.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};

use super::config_file;
use crate::model::{CostTier, Tier};

const DEFAULT_THEME: &str = include_str!("../../assets/theme.toml");

/// Declares the theme roles once: the struct fields and their names in `theme.toml`.
macro_rules! roles {
    ($($role:ident),+ $(,)?) => {
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme { $(pub $role: Style),+ }

        impl Theme {
            fn slot(&mut self, name: &str) -> Option<&mut Style> {
                match name { $(stringify!($role) => Some(&mut self.$role),)+ _ => None }
            }
        }

        impl Default for Theme {
            fn default() -> Self { Self { $($role: Style::default()),+ } }
        }
    };
}

roles!(
    border,
    border_focused,
    title,
    title_focused,
    selected,
    text,
    dim,
    error,
    warning,
    ok,
    key,
    filter,
    search_match,
    search_current,
    status_bar,
    tier_core,
    tier_approved,
    tier_experimental,
    tier_archived,
    cost_low,
    cost_medium,
    cost_high,
    cost_prohibited,
    syntax_keyword,
    syntax_string,
    syntax_comment,
    syntax_number,
    syntax_heading,
);

/// A theme file the workbench cannot use: the file, the line and the role that is wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ThemeError {
    #[error(transparent)]
    File(#[from] super::config_file::ConfigFileError),
    #[error("{}:{line}: field `{role}`", .path.display())]
    Style {
        path: PathBuf,
        line: usize,
        role: String,
        #[source]
        source: StyleError,
    },
    #[error("{}:{line}: unknown theme role `{role}`", .path.display())]
    UnknownRole {
        path: PathBuf,
        line: usize,
        role: String,
    },
}

/// A style spec that is not `colour [on colour] [modifier…]`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StyleError {
    #[error("`on` needs a colour after it")]
    NoBackground,
    #[error("unknown word {0:?} (expected a colour, `on`, or a modifier)")]
    UnknownWord(String),
    #[error("{0:?} is not a #rrggbb colour")]
    NotHex(String),
    #[error("unknown colour {0:?}")]
    UnknownColour(String),
}

impl Theme {
    pub(crate) fn load(config_dir: Option<&Path>) -> Result<Self, ThemeError> {
        let mut theme = Self::builtin();
        if let Some((path, text)) = config_file::read(config_dir, "theme.toml")? {
            theme.overlay(&text, &path)?;
        }
        Ok(theme)
    }

    pub fn builtin() -> Self {
        let mut theme = Self::default();
        // The built-in file is tested below; failing here would be a build defect.
        if let Err(e) = theme.overlay(DEFAULT_THEME, Path::new("assets/theme.toml")) {
            debug_assert!(false, "{e}");
        }
        theme
    }

    pub(crate) fn overlay(&mut self, text: &str, path: &Path) -> Result<(), ThemeError> {
        let raw: BTreeMap<String, String> = config_file::parse(text, path)?;
        for (role, spec) in raw {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(&role))
                .map_or(1, |i| i + 1);
            let style = parse_style(&spec).map_err(|source| ThemeError::Style {
                path: path.to_path_buf(),
                line,
                role: role.clone(),
                source,
            })?;
            let Some(slot) = self.slot(&role) else {
                return Err(ThemeError::UnknownRole {
                    path: path.to_path_buf(),
                    line,
                    role,
                });
            };
            *slot = style;
        }
        Ok(())
    }

    pub(crate) fn tier(&self, tier: Tier) -> Style {
        match tier {
            Tier::Core => self.tier_core,
            Tier::Approved => self.tier_approved,
            Tier::Experimental => self.tier_experimental,
            Tier::Archived => self.tier_archived,
        }
    }

    pub(crate) fn cost(&self, cost: CostTier) -> Style {
        match cost {
            CostTier::Low => self.cost_low,
            CostTier::Medium => self.cost_medium,
            CostTier::High => self.cost_high,
            CostTier::Prohibited => self.cost_prohibited,
        }
    }
}

/// `"cyan"`, `"white on #303030 bold"`.
fn parse_style(spec: &str) -> Result<Style, StyleError> {
    let mut style = Style::default();
    let mut words = spec.split_whitespace().peekable();
    if let Some(first) = words.next_if(|w| !is_modifier(w) && *w != "on") {
        style = style.fg(parse_color(first)?);
    }
    while let Some(word) = words.next() {
        match word {
            "on" => {
                let bg = words.next().ok_or(StyleError::NoBackground)?;
                style = style.bg(parse_color(bg)?);
            }
            "bold" => style = style.add_modifier(Modifier::BOLD),
            "italic" => style = style.add_modifier(Modifier::ITALIC),
            "dim" => style = style.add_modifier(Modifier::DIM),
            "underlined" => style = style.add_modifier(Modifier::UNDERLINED),
            "reversed" => style = style.add_modifier(Modifier::REVERSED),
            other => {
                return Err(StyleError::UnknownWord(other.to_string()));
            }
        }
    }
    Ok(style)
}

fn is_modifier(word: &str) -> bool {
    matches!(word, "bold" | "italic" | "dim" | "underlined" | "reversed")
}

fn parse_color(word: &str) -> Result<Color, StyleError> {
    if let Some(hex) = word.strip_prefix('#') {
        let value = u32::from_str_radix(hex, 16).ok().filter(|_| hex.len() == 6);
        return value
            .map(|v| Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
            .ok_or_else(|| StyleError::NotHex(word.to_string()));
    }
    Ok(match word {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        other => return Err(StyleError::UnknownColour(other.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_theme_sets_every_role() {
        let mut theme = Theme::default();
        theme
            .overlay(DEFAULT_THEME, Path::new("assets/theme.toml"))
            .expect("valid");
        assert_eq!(theme.border_focused, Style::default().fg(Color::Cyan));
        assert_eq!(
            theme.status_bar,
            Style::default()
                .fg(Color::White)
                .bg(Color::Rgb(0x30, 0x30, 0x30))
        );
    }

    #[test]
    fn bad_themes_name_file_line_and_role() {
        let mut theme = Theme::builtin();
        let err = theme
            .overlay(
                "border = \"cyan\"\nerror = \"blood\"\n",
                Path::new("theme.toml"),
            )
            .expect_err("bad colour");
        assert!(
            matches!(&err, ThemeError::Style { line: 2, role, source: StyleError::UnknownColour(c), .. }
                if role == "error" && c == "blood"),
            "{err:?}"
        );
        assert_eq!(
            crate::error_chain::one_line(&err),
            "theme.toml:2: field `error`: unknown colour \"blood\""
        );
        let err = theme
            .overlay("sparkle = \"red\"\n", Path::new("theme.toml"))
            .expect_err("bad role");
        assert_eq!(
            err.to_string(),
            "theme.toml:1: unknown theme role `sparkle`"
        );
    }
}
