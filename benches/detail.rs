//! The detail view's sources and diffs (issue 12): diff of two 50,000-line versions,
//! highlighting a large file, and the plain first stage shown before highlighting.
//!
//!     cargo bench --bench detail
//!
//! See BENCHMARKS.md for the targets and the figures.

use std::sync::LazyLock;

use toolbench::diff::hunks;
use toolbench::tui::highlight::{find_syntax, highlight, plain, syntaxes};
use toolbench::tui::theme::Theme;

fn main() {
    divan::main();
}

/// A 50,000-line Python file (about 1.3 MB: the diff reads files of any size).
static OLD: LazyLock<String> = LazyLock::new(|| {
    (0..50_000)
        .map(|i| match i % 10 {
            0 => format!("def step_{i}(value, factor={i}):\n"),
            9 => "\n".to_string(),
            _ => format!("    value = value * factor + {i}  # step {i}\n"),
        })
        .collect()
});

/// `OLD` with `every`th line edited in place (a word changed) and every 997th line removed.
fn edited(every: usize) -> String {
    OLD.lines()
        .enumerate()
        .filter(|(i, _)| i % 997 != 0)
        .map(|(i, line)| {
            if i % every == 0 {
                format!("{}\n", line.replace("value", "total"))
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

static EDITED_EVERY_100: LazyLock<String> = LazyLock::new(|| edited(100));
static EDITED_EVERY_3: LazyLock<String> = LazyLock::new(|| edited(3));

#[divan::bench(sample_count = 10, sample_size = 1)]
fn diff_50k_lines_1_percent_changed(bencher: divan::Bencher) {
    bencher.bench(|| hunks(&OLD, &EDITED_EVERY_100, 3).len());
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn diff_50k_lines_a_third_changed(bencher: divan::Bencher) {
    bencher.bench(|| hunks(&OLD, &EDITED_EVERY_3, 3).len());
}

/// What the view shows first: every line with control characters made visible.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn plain_50k_lines(bencher: divan::Bencher) {
    bencher.bench(|| plain(&OLD).len());
}

/// The whole highlighting budget (256 KiB) spent on the 50,000-line file.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn highlight_50k_line_python(bencher: divan::Bencher) {
    let set = syntaxes();
    let syntax = find_syntax(set, "main.py", &OLD, None).expect("python");
    let theme = Theme::builtin();
    bencher.bench(|| highlight(set, syntax, &OLD, &theme).lines.len());
}

/// Loading the grammars, which the background thread does once at start.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn load_syntax_set() -> usize {
    two_face::syntax::extra_newlines().syntaxes().len()
}

/// The first stage of a 2 MB minified one-line JavaScript file: the view reads its first
/// 512 KiB (the preview limit) and cuts the line for the screen.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn plain_minified_512k_head(bencher: divan::Bencher) {
    let minified = "var a=function(b){return b+1};".repeat(512 * 1024 / 30);
    bencher.bench(|| plain(&minified).len());
}
