//! Links the `toolbench` program with compact relative relocations (`DT_RELR`) where the
//! linker and the C library take them.
//!
//! Every `toolbench run` starts the program, and the loader's work on it was a measured part
//! of a run's cost: about 16,600 relative relocations, read from a 400 KB table. Packed, the
//! table is 5 KB and a run is about 0.6 ms faster (docs/benchmarks/runs.md). An older linker
//! ignores the option and a C library before 2.36 cannot load the result, so it is used only
//! when a small program linked with it here, warnings fatal, also runs here.

use std::path::PathBuf;
use std::process::{Command, Stdio};

const PACK: &str = "-Wl,-z,pack-relative-relocs";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if packed_relocations_work() {
        println!("cargo:rustc-link-arg-bins={PACK}");
    }
}

fn packed_relocations_work() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    // Built for this machine by its own C compiler, or not at all: the probe runs here.
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return false;
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let (source, probe) = (out.join("relr_probe.c"), out.join("relr_probe"));
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    let linked = Command::new("cc")
        .arg("-fPIE")
        .arg("-pie")
        .arg(PACK)
        .arg("-Wl,--fatal-warnings")
        .arg(&source)
        .arg("-o")
        .arg(&probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    linked
        && Command::new(&probe)
            .status()
            .is_ok_and(|status| status.success())
}
