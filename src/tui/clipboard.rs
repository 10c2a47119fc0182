//! Copying to the clipboard of the terminal the workbench draws on, through OSC 52.
//!
//! The terminal itself sets its clipboard, so it works over SSH and inside tmux (which takes
//! the sequence itself when its `set-clipboard` option is on). Owns only the escape sequence
//! and writing it; what is copied is the app's to choose.

use base64::Engine;

/// The OSC 52 sequence that puts `text` on the clipboard (`c`), ended by BEL, which every
/// terminal that reads OSC 52 accepts.
pub(crate) fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// Writes the sequence for `text` to the terminal, between two frames.
pub(crate) fn copy(text: &str) -> std::io::Result<()> {
    super::terminal::send(osc52(text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_carries_the_text_in_base64_to_the_clipboard_selection() {
        assert_eq!(osc52("hello"), "\x1b]52;c;aGVsbG8=\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        // Any byte of the text is safe inside the sequence: control characters are encoded.
        assert_eq!(osc52("a\x07\n"), "\x1b]52;c;YQcK\x07");
    }
}
