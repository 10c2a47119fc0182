use std::process::ExitCode;

fn main() -> ExitCode {
    // The sandbox helper must run before anything starts a thread: namespaces need a
    // single-threaded process.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    #[cfg(target_os = "linux")]
    if args
        .get(1)
        .is_some_and(|a| a == toolbench::runner::sandbox::HELPER_ARG)
    {
        toolbench::runner::sandbox::helper_main(args);
    }
    let helper = toolbench::cli::helper_ahead(&args);
    toolbench::cli::main(helper)
}
