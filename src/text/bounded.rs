//! Bounds on the text that agents send (failure reports, tool requests, the names they give):
//! a field over its bound is refused whole, with its size and the bound, and never echoed
//! back, so no answer or stored row grows with what a client chose to send.

use super::human_size;

/// A text over its bound; nothing of it was kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {} long; at most {} are accepted", size(*bytes), human_size(*max as u64))]
pub struct TooLong {
    pub(crate) field: &'static str,
    pub(crate) bytes: usize,
    pub(crate) max: usize,
}

/// Exact below a MiB, where a rounded size could read as the bound itself (`4.0 KiB`).
fn size(bytes: usize) -> String {
    if bytes < 1 << 20 {
        format!("{bytes} bytes")
    } else {
        human_size(bytes as u64)
    }
}

/// `text` when it holds at most `max` bytes.
pub(crate) fn check(field: &'static str, text: &str, max: usize) -> Result<(), TooLong> {
    if text.len() > max {
        return Err(TooLong {
            field,
            bytes: text.len(),
            max,
        });
    }
    Ok(())
}

/// The first `max` bytes of `text`, cut at a character boundary: for a label kept beside
/// records (a client's name), where refusing would refuse the client.
pub(crate) fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_over_its_bound_is_refused_with_its_size_not_its_text() {
        assert_eq!(check("error", "abc", 3), Ok(()));
        let err = check("scenario", "abcd", 3).expect_err("one over");
        assert_eq!(
            err.to_string(),
            "scenario: 4 bytes long; at most 3 bytes are accepted"
        );
        let err = check("error", &"x".repeat(20 << 20), 4096).expect_err("too long");
        assert_eq!(
            err.to_string(),
            "error: 20 MiB long; at most 4 KiB are accepted"
        );
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncated("abc".into(), 8), "abc");
        assert_eq!(truncated("abcdef".into(), 4), "abcd");
        // `é` is two bytes: a cut through it keeps the byte before it.
        assert_eq!(truncated("aé".into(), 2), "a");
    }
}
