//! `kumo-devnet`: a local single-node Kumo chain, like anvil. See `--help`.

use clap::Parser;
use kumo_devnet::cli::DevnetArgs;
use kumo_devnet::launch::{run, DevnetConfig};

#[derive(Parser)]
#[command(
    name = "kumo-devnet",
    version,
    about = "A local single-node Kumo chain (CosmWasm + CometBFT RPC), like anvil"
)]
struct Cli {
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cli.devnet.log_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run(DevnetConfig::from_args(&cli.devnet)).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kumo-devnet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
