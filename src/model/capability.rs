//! A capability to call tools by (`call --capability`): checked in one place, here, since a
//! call by capability is kept and may become a suggestion to write a tool of that name.

use std::fmt;
use std::str::FromStr;

/// A capability as a manifest's `capabilities` lists one, e.g. `csv.parse`: one line of text,
/// not blank. Built only with [`FromStr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability(String);

/// Why a capability was refused; one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapabilityError {
    #[error("a capability cannot be empty or blank; name one, e.g. csv.parse")]
    Blank,
    #[error("{0:?} holds a control character; a capability is one line of text, e.g. csv.parse")]
    ControlCharacter(String),
}

impl FromStr for Capability {
    type Err = CapabilityError;

    fn from_str(text: &str) -> Result<Self, CapabilityError> {
        if text.trim().is_empty() {
            Err(CapabilityError::Blank)
        } else if text.contains(char::is_control) {
            Err(CapabilityError::ControlCharacter(text.to_string()))
        } else {
            Ok(Capability(text.to_string()))
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Capability> for String {
    fn from(capability: Capability) -> Self {
        capability.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_is_one_line_of_text_not_blank() {
        assert_eq!(
            "csv.parse".parse::<Capability>().map(String::from),
            Ok("csv.parse".to_string())
        );
        for blank in ["", " ", "\t \u{3000}"] {
            assert_eq!(blank.parse::<Capability>(), Err(CapabilityError::Blank));
        }
        for control in ["csv\n.parse", "csv.parse\r", "\u{1b}[2J", "a\u{85}b"] {
            assert_eq!(
                control.parse::<Capability>(),
                Err(CapabilityError::ControlCharacter(control.to_string()))
            );
        }
    }
}
