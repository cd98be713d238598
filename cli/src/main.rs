//! `kumo`: the command line of the Kumo GPU compute marketplace. See `kumo --help`.

mod cli;
mod commands;
mod config;
mod context;
mod files;
mod format;
mod output;
mod parse;
mod prompt;

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::config::{default_config_path, FileConfig, Settings, Source};
use crate::context::App;

/// Where clap found a value: on the command line or in its environment variable.
fn cli_source(matches: &ArgMatches, key: &str) -> Source {
    let id = key.strip_prefix("contracts.").unwrap_or(key);
    match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => Source::Env,
        _ => Source::Flag,
    }
}

fn settings(cli: &Cli, matches: &ArgMatches) -> anyhow::Result<Settings> {
    let (path, explicit) = match &cli.global.config {
        Some(p) => (config::expand_tilde(p), true),
        None => (default_config_path(), false),
    };
    let file = FileConfig::load(&path, explicit)?.map(|f| (path, f));
    Settings::resolve(&cli.global, &|k| cli_source(matches, k), file)
}

async fn run(cli: Cli, matches: ArgMatches) -> anyhow::Result<()> {
    // These need no settings (a broken config file must not stop them).
    match &cli.command {
        Command::Completions(args) => return commands::tools::completions(args),
        Command::Man(args) => return commands::tools::man(args),
        Command::Devnet(cmd) => return commands::tools::devnet(cmd).await,
        Command::Up(args) => {
            return commands::up::run(args, cli.global.chain_id.as_deref(), cli.global.block_time)
                .await
        }
        _ => {}
    }
    let app = App::new(settings(&cli, &matches)?);
    commands::run(&cli.command, &app).await
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
