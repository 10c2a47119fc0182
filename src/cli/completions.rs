use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    shell: Shell,
}

pub fn run(args: CompletionsArgs, command: &mut clap::Command) {
    clap_complete::generate(args.shell, command, "toolbench", &mut std::io::stdout());
}
