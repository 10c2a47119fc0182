use std::process::ExitCode;

fn main() -> ExitCode {
    toolbench::cli::main()
}
