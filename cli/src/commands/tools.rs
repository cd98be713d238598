//! `kumo config`, `kumo completions`, `kumo man`, `kumo devnet`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, CommandFactory, Subcommand};
use clap_complete::Shell;
use serde_json::json;

use crate::cli::Cli;
use crate::config::{Settings, EXAMPLE};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Every setting's value and where it came from (flag, env, config file, default)
    Show,
    /// Print a commented config file with every key
    Example,
}

pub fn config(cmd: &ConfigCmd, settings: &Settings) -> anyhow::Result<()> {
    match cmd {
        ConfigCmd::Example => {
            print!("{EXAMPLE}");
        }
        ConfigCmd::Show => {
            let rows = settings.table();
            if settings.output.is_json() {
                let settings_json: serde_json::Map<String, serde_json::Value> = rows
                    .iter()
                    .map(|(k, v, s)| ((*k).to_string(), json!({ "value": v, "source": s })))
                    .collect();
                output::print_json(&json!({
                    "config_file": settings.config_file,
                    "settings": settings_json,
                }));
            } else {
                let file = settings
                    .config_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "(none found)".into());
                println!("config file: {file}");
                let rows: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|(k, v, s)| vec![k.to_string(), v, s.to_string()])
                    .collect();
                print!("{}", output::table(&["SETTING", "VALUE", "SOURCE"], &rows));
            }
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "kumo", &mut std::io::stdout());
    Ok(())
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write kumo.1 and one page per subcommand (kumo-deployment-create.1, ...) into DIR
    /// instead of printing kumo.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

fn render(cmd: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .context("cannot render the man page")?;
    Ok(buf)
}

/// Every page: `kumo`, then `kumo-<sub>`, `kumo-<sub>-<subsub>`, ...
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    fn walk(
        cmd: &clap::Command,
        name: String,
        out: &mut Vec<(String, Vec<u8>)>,
    ) -> anyhow::Result<()> {
        let named = cmd
            .clone()
            .name(name.clone())
            .bin_name(name.replace('-', " "));
        out.push((format!("{name}.1"), render(&named)?));
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            walk(sub, format!("{name}-{}", sub.get_name()), out)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "kumo".into(), &mut out)?;
    Ok(out)
}

pub fn man(args: &ManArgs) -> anyhow::Result<()> {
    match &args.dir {
        None => {
            use std::io::Write as _;
            std::io::stdout().write_all(&render(&Cli::command())?)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let pages = man_pages()?;
            for (name, page) in &pages {
                let path = dir.join(name);
                std::fs::write(&path, page)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
        }
    }
    Ok(())
}

/// `kumo devnet`: the same flags as `kumo-devnet`.
#[derive(Debug, Args)]
pub struct DevnetCmd {
    #[command(flatten)]
    pub args: kumo_devnet::cli::DevnetArgs,
}

pub async fn devnet(cmd: &DevnetCmd) -> anyhow::Result<()> {
    // The unit-test binary leaves the devnet (and its wasm VM) out: it is big to link, and
    // the end-to-end tests run the real binary.
    #[cfg(test)]
    {
        let _ = cmd;
        anyhow::bail!("the devnet is not part of the unit-test build")
    }
    #[cfg(not(test))]
    run_devnet(cmd).await
}

#[cfg(not(test))]
async fn run_devnet(cmd: &DevnetCmd) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cmd.args.log_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    kumo_devnet::launch::run(kumo_devnet::launch::DevnetConfig::from_args(&cmd.args))
        .await
        .context("the devnet stopped with an error")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_cover_every_command() {
        let pages = man_pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "kumo.1",
            "kumo-deployment-create.1",
            "kumo-gov-vote-weighted.1",
            "kumo-sdl-check.1",
            "kumo-devnet.1",
        ] {
            assert!(names.contains(&want), "no {want} in {names:?}");
        }
        let top = String::from_utf8(pages[0].1.clone()).unwrap();
        assert!(
            top.contains("KUMO_NODE"),
            "the man page documents the environment"
        );
    }

    #[test]
    fn completions_know_the_subcommands() {
        let mut buf = Vec::new();
        clap_complete::generate(Shell::Bash, &mut Cli::command(), "kumo", &mut buf);
        let script = String::from_utf8(buf).unwrap();
        assert!(script.contains("deployment"));
        assert!(script.contains("--chain-id"));
    }

    #[test]
    fn devnet_takes_its_own_flags() {
        use clap::Parser;
        let _env = crate::config::tests_env_lock();
        let cli = Cli::try_parse_from([
            "kumo",
            "devnet",
            "--port",
            "0",
            "--block-time",
            "0.5",
            "--chain-id",
            "local-1",
            "--in-memory",
        ])
        .unwrap();
        let crate::cli::Command::Devnet(cmd) = cli.command else {
            panic!("not devnet");
        };
        assert_eq!(cmd.args.port, 0);
        assert_eq!(cmd.args.chain_id, "local-1");
        assert!(cmd.args.in_memory);
        assert_eq!(cmd.args.block_time_secs(), 0.5);
    }
}
