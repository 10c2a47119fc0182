//! The program as built: a static position-independent executable (its addresses random at
//! every start, no dynamic loader whose variables could act on it) with full RELRO (every
//! relocated address read-only once started) and direct calls between its crates
//! (`.cargo/config.toml`). A change of the build's flags that lost one of these would still
//! build and pass every other test, so the binary itself is read here, with binutils'
//! `readelf`. Where the flags apply and were measured: Linux with glibc on x86-64.
#![cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]

use std::process::Command;

const PROGRAM: &str = env!("CARGO_BIN_EXE_toolbench");

/// `readelf FLAGS PROGRAM`'s output.
fn readelf(flags: &[&str]) -> String {
    let out = Command::new("readelf")
        .args(flags)
        .arg(PROGRAM)
        .output()
        .expect("readelf (binutils) reads the built program");
    assert!(out.status.success(), "readelf {flags:?}: {out:?}");
    String::from_utf8(out.stdout).expect("readelf prints text")
}

fn hex(word: &str) -> Option<u64> {
    u64::from_str_radix(word.trim_start_matches("0x"), 16).ok()
}

/// A section's address and size (`readelf -S -W`: `[N] NAME TYPE ADDRESS OFFSET SIZE ...`).
fn section(sections: &str, name: &str) -> Option<(u64, u64)> {
    sections.lines().find_map(|line| {
        let words: Vec<&str> = line.split_once(']')?.1.split_whitespace().collect();
        if words.first() != Some(&name) {
            return None;
        }
        Some((hex(words.get(2)?)?, hex(words.get(4)?)?))
    })
}

/// The RELRO segment's address and size in memory (`readelf -l -W`: `GNU_RELRO OFFSET
/// VIRTADDR PHYSADDR FILESIZ MEMSIZ ...`).
fn relro(segments: &str) -> Option<(u64, u64)> {
    segments.lines().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() != Some(&"GNU_RELRO") {
            return None;
        }
        Some((hex(words.get(2)?)?, hex(words.get(5)?)?))
    })
}

#[test]
fn the_program_is_a_static_pie_with_full_relro() {
    let segments = readelf(&["-l", "-W"]);
    assert!(
        !segments.contains("INTERP"),
        "no dynamic loader: {segments}"
    );
    // The flags as every binutils prints them (older ones call a PIE's type a shared object).
    let dynamic = readelf(&["-d"]);
    let flags = |tag: &str, flag: &str| {
        dynamic
            .lines()
            .any(|line| line.contains(tag) && line.split_whitespace().any(|word| word == flag))
    };
    assert!(flags("(FLAGS_1)", "PIE"), "position-independent: {dynamic}");
    assert!(flags("(FLAGS)", "BIND_NOW"), "bound at start: {dynamic}");

    // Every table of addresses the start relocates lies in the part made read-only.
    let (relro, relro_size) = relro(&segments).expect("a GNU_RELRO segment");
    let sections = readelf(&["-S", "-W"]);
    for name in [".data.rel.ro", ".got", ".got.plt"] {
        let (address, size) =
            section(&sections, name).unwrap_or_else(|| panic!("no {name}: {sections}"));
        assert!(
            relro <= address && address + size <= relro + relro_size,
            "{name} at {address:#x}+{size:#x} lies outside RELRO {relro:#x}+{relro_size:#x}"
        );
    }
}

#[test]
fn calls_between_crates_are_direct() {
    // A call through the GOT (`call *f@GOTPCREL(%rip)`) keeps an entry for each function so
    // called: the test build had 141,079 of them (the release build 12,913), and has about
    // 3,700 since, the addresses of data (the release build about 900).
    let sections = readelf(&["-S", "-W"]);
    let (_, got_size) = section(&sections, ".got").expect("a .got section");
    let entries = got_size / 8;
    assert!(
        entries < 20_000,
        "{entries} GOT entries: calls between crates go through the GOT again"
    );
}
