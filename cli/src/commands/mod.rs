//! One module per command group.

pub mod account;
pub mod audit;
pub mod demo;
pub mod deployment;
pub mod escrow;
pub mod gov;
pub mod keys;
pub mod lease;
pub mod market;
pub mod provider;
pub mod sdl;
pub mod tools;
pub mod up;

use crate::cli::Command;
use crate::context::App;

/// Runs a command that needs the settings.
pub async fn run(command: &Command, app: &App) -> anyhow::Result<()> {
    match command {
        Command::Keys(cmd) => keys::run(cmd, app).await,
        Command::Deployment(cmd) => deployment::run(cmd, app).await,
        Command::Market(cmd) => market::run(cmd, app).await,
        Command::Lease(cmd) => lease::run(cmd, app).await,
        Command::Provider(cmd) => provider::run(cmd, app).await,
        Command::Audit(cmd) => audit::run(cmd, app).await,
        Command::Gov(cmd) => gov::run(cmd, app).await,
        Command::Escrow(cmd) => escrow::run(cmd, app).await,
        Command::Sdl(cmd) => sdl::run(cmd, app.out(), app.block_time()),
        Command::Account(args) => account::account(args, app).await,
        Command::Query(cmd) => account::query(cmd, app).await,
        Command::Send(args) => account::send(args, app).await,
        Command::Config(cmd) => tools::config(cmd, &app.settings),
        Command::Completions(args) => tools::completions(args),
        Command::Man(args) => tools::man(args),
        Command::Devnet(cmd) => tools::devnet(cmd).await,
        Command::Up(args) => up::run(args, Some(&app.settings.chain_id), None).await,
        Command::Demo(args) => demo::run(args, app).await,
    }
}
