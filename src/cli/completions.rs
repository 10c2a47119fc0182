use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    shell: Shell,
}

/// Generated whole first: clap_complete panics when its writer fails, as it does on a pipe
/// whose reader left (`| head -1`).
pub(crate) fn run(args: CompletionsArgs, command: &mut clap::Command) -> super::CliResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, command, "toolbench", &mut script);
    super::term::write_out(&script)?;
    Ok(())
}
