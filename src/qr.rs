//! A QR code of a link (the review page's pairing link), drawn in a terminal with half blocks:
//! two rows of modules to a line. The command line prints it, and the workbench shows it.
//!
//! Neither prints colours of its own, so the code is drawn in the terminal's own two: light
//! modules and the quiet zone (4 modules) as blocks, dark ones as blanks. On a dark terminal
//! that is the code as printed on paper; on a light one it is the same code inverted inside a
//! dark frame, which phone cameras read as well.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// `text` as a QR code, one string per line; `None` if it is too long for one.
pub(crate) fn drawn(text: &str) -> Option<Vec<String>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    Some(image.lines().map(str::to_string).collect())
}
