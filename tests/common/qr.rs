//! Reading a QR code back from a terminal: the half blocks `toolbench` draws, as modules.

/// The modules a half-block drawing shows, light as `true`: two rows to a line, `█` both
/// light, `▀` the top one, `▄` the bottom one, a blank neither.
fn modules_of(lines: &[&str]) -> Vec<Vec<bool>> {
    let mut rows = Vec::new();
    for line in lines {
        let (top, bottom): (Vec<bool>, Vec<bool>) = line
            .chars()
            .map(|c| match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                _ => (false, false),
            })
            .unzip();
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

/// Asserts that `drawn` (the lines of a half-block drawing) is `link`'s QR code: its modules are
/// `qrcode`'s for the link, inside a light quiet zone of 4, two rows to a line.
pub fn assert_draws(drawn: &[&str], link: &str) {
    let screen = drawn.join("\n");
    let code = qrcode::QrCode::new(link.as_bytes()).expect("the link encodes");
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    assert_eq!(
        drawn.len(),
        side.div_ceil(2),
        "two rows to a line: {screen}"
    );
    let modules = modules_of(drawn);
    for (y, row) in modules.iter().take(side).enumerate() {
        assert_eq!(row.len(), side, "row {y}");
        for (x, &light) in row.iter().enumerate() {
            let inside = (quiet..quiet + width).contains(&x) && (quiet..quiet + width).contains(&y);
            let expected = !inside || code[(x - quiet, y - quiet)] == qrcode::Color::Light;
            assert_eq!(light, expected, "module ({x}, {y})");
        }
    }
}
