//! Which protections a run actually had: each layer of the sandbox in place, or missing and
//! why. The sandbox's helper reports them, the run's record keeps them as one line of text
//! (`summary`), and every front end shows them.

use serde::{Deserialize, Serialize};

/// One protection of a run: in place, or missing and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Layer {
    pub(crate) name: String,
    pub active: bool,
    /// What is in place ("v7 full", "cgroup v1") or why it is missing.
    pub detail: String,
}

/// Which protections were actually put in place for a run, in the order
/// they were applied. A layer is only `active` when the kernel accepted it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Protections {
    pub(crate) layers: Vec<Layer>,
}

impl Protections {
    /// Records `name` as active (`Ok(detail)`) or missing (`Err(reason)`, kept as its
    /// whole cause chain on one line), replacing an earlier entry of the same name.
    pub(crate) fn set<E: std::error::Error + 'static>(
        &mut self,
        name: &str,
        result: Result<String, E>,
    ) {
        match result {
            Ok(detail) => self.put(name, true, detail),
            Err(reason) => self.put(name, false, crate::error_chain::one_line(&reason)),
        }
    }

    /// Records `name` as active with `detail`.
    pub(crate) fn set_active(&mut self, name: &str, detail: String) {
        self.put(name, true, detail);
    }

    /// Shorthand for a layer that is either on or missing for `reason`.
    pub(crate) fn set_flag(&mut self, name: &str, on: bool, reason: &str) {
        let detail = if on {
            String::new()
        } else {
            reason.to_string()
        };
        self.put(name, on, detail);
    }

    fn put(&mut self, name: &str, active: bool, detail: String) {
        let layer = Layer {
            name: name.to_string(),
            active,
            detail,
        };
        match self.layers.iter_mut().find(|l| l.name == name) {
            Some(slot) => *slot = layer,
            None => self.layers.push(layer),
        }
    }

    pub fn is_active(&self, name: &str) -> bool {
        self.layers.iter().any(|l| l.name == name && l.active)
    }

    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// One line: the active layers, then the missing ones with their reason,
    /// e.g. "userns pidns mountns landlock(v7 full) · missing: cgroup (not root)".
    pub fn summary(&self) -> String {
        let active: Vec<String> = self
            .layers
            .iter()
            .filter(|l| l.active)
            .map(|l| {
                if l.detail.is_empty() {
                    l.name.clone()
                } else {
                    format!("{}({})", l.name, l.detail)
                }
            })
            .collect();
        let missing: Vec<String> = self
            .layers
            .iter()
            .filter(|l| !l.active)
            .map(|l| format!("{} ({})", l.name, l.detail))
            .collect();
        let mut text = if active.is_empty() {
            "none".to_string()
        } else {
            active.join(" ")
        };
        if !missing.is_empty() {
            text.push_str(" · missing: ");
            text.push_str(&missing.join(", "));
        }
        text
    }

    /// The layers a `summary` names, read back: what the store keeps of a run's protections
    /// (its one line), as the list `run --json` gives. A detail is read to its balanced
    /// closing parenthesis; one that never closes takes the rest of its part.
    pub(crate) fn from_summary(summary: &str) -> Self {
        let (active, missing) = match summary.split_once(" · missing: ") {
            Some((active, missing)) => (active, missing),
            None => (summary, ""),
        };
        let mut layers = Vec::new();
        if active != "none" {
            let mut rest = active.trim();
            while !rest.is_empty() {
                let end = rest.find([' ', '(']).unwrap_or(rest.len());
                let name = &rest[..end];
                rest = &rest[end..];
                let detail = match rest.strip_prefix('(') {
                    Some(inner) => {
                        let (detail, after) = up_to_closing(inner);
                        rest = after;
                        detail
                    }
                    None => "",
                };
                if !name.is_empty() {
                    layers.push(Layer {
                        name: name.to_string(),
                        active: true,
                        detail: detail.to_string(),
                    });
                }
                rest = rest.trim_start();
            }
        }
        let mut rest = missing;
        while !rest.is_empty() {
            let (name, detail) = match rest.split_once(" (") {
                Some((name, inner)) if !name.contains(", ") => {
                    let (detail, after) = up_to_closing(inner);
                    rest = after.strip_prefix(", ").unwrap_or(after);
                    (name, detail)
                }
                _ => {
                    let (name, after) = rest.split_once(", ").unwrap_or((rest, ""));
                    rest = after;
                    (name, "")
                }
            };
            layers.push(Layer {
                name: name.to_string(),
                active: false,
                detail: detail.to_string(),
            });
        }
        Self { layers }
    }
}

/// `text` (just past an opening parenthesis) up to its balanced closing one, and what follows
/// that; all of it when it never closes.
fn up_to_closing(text: &str) -> (&str, &str) {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return (&text[..i], &text[i + 1..]),
            ')' => depth -= 1,
            _ => {}
        }
    }
    (text, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_active_layers_then_missing_ones_with_their_reason() {
        #[derive(Debug, thiserror::Error)]
        #[error("not permitted")]
        struct Refused(#[source] std::io::Error);
        let mut p = Protections::default();
        p.set_active("userns", String::new());
        p.set_active("landlock", "v7 full".into());
        p.set("cgroup", Err(Refused(std::io::Error::other("EACCES"))));
        assert_eq!(
            p.summary(),
            "userns landlock(v7 full) · missing: cgroup (not permitted: EACCES)"
        );
        assert!(p.is_active("userns"));
        assert!(!p.is_active("cgroup"));
        assert_eq!(Protections::default().summary(), "none");
    }

    #[test]
    fn a_summary_reads_back_as_the_layers_it_was_made_of() {
        let mut p = Protections::default();
        p.set_active("userns", String::new());
        p.set_active("landlock", "v7 full".into());
        p.set_active(
            "egress",
            "hosts enforced by proxy 127.0.0.1:3128; proxy: 3 connections (1 refused)".into(),
        );
        p.set_flag("session", true, "");
        p.set_flag(
            "cgroup",
            false,
            "not permitted (os error 13), no delegation",
        );
        p.set_flag("seccomp", false, "off");
        assert_eq!(Protections::from_summary(&p.summary()), p);
        let missing_only = Protections {
            layers: vec![Layer {
                name: "limits".into(),
                active: false,
                detail: "no cgroup".into(),
            }],
        };
        assert_eq!(
            Protections::from_summary(&missing_only.summary()),
            missing_only
        );
        assert_eq!(Protections::from_summary(""), Protections::default());
        assert_eq!(Protections::from_summary("none"), Protections::default());
        // A detail that never closes keeps the rest rather than losing it.
        let odd = Protections::from_summary("landlock(v7 (partial");
        assert_eq!(odd.layers[0].detail, "v7 (partial");
    }

    #[test]
    fn setting_a_layer_again_replaces_it() {
        let mut p = Protections::default();
        p.set_flag("session", false, "already a group leader");
        p.set_flag("session", true, "");
        assert_eq!(p.layers.len(), 1);
        assert!(p.is_active("session"));
    }
}
