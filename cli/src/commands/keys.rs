//! `kumo keys`: the local keyring.

use anyhow::bail;
use clap::{Args, Subcommand};
use kumo_client::keyring::KeyringBackend;
use kumo_client::keys::{KeyPair, COSMOS_HD_PATH};
use serde_json::json;

use crate::context::App;
use crate::output;
use crate::prompt;

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Make a new key from a fresh 24-word mnemonic (printed once: write it down)
    Add(AddArgs),
    /// Restore a key from its mnemonic (typed at a prompt, or piped on stdin)
    Recover(RecoverArgs),
    /// List the keys in the keyring
    List,
    /// Show a key's address and public key
    Show(ShowArgs),
    /// Delete a key (asks first unless -y)
    Delete(NameArg),
    /// Print a key's mnemonic
    Export(NameArg),
}

#[derive(Debug, Args)]
pub struct HdArgs {
    /// BIP44 derivation path [default: m/44'/118'/0'/0/0]
    #[arg(long, value_name = "PATH", conflicts_with = "account")]
    pub hd_path: Option<String>,
    /// Account index: the path m/44'/118'/0'/0/<N>
    #[arg(long, value_name = "N")]
    pub account: Option<u32>,
}

impl HdArgs {
    pub fn path(&self) -> String {
        match (&self.hd_path, self.account) {
            (Some(p), _) => p.clone(),
            (None, Some(i)) => format!("m/44'/118'/0'/0/{i}"),
            (None, None) => COSMOS_HD_PATH.to_string(),
        }
    }
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The key's name
    pub name: String,
    /// Restore from a mnemonic instead of making a new one (same as `keys recover`)
    #[arg(long)]
    pub recover: bool,
    #[command(flatten)]
    pub hd: HdArgs,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The key's name
    pub name: String,
    #[command(flatten)]
    pub hd: HdArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The key's name
    pub name: String,
    /// Print only the address
    #[arg(short = 'a', long)]
    pub address: bool,
}

#[derive(Debug, Args)]
pub struct NameArg {
    /// The key's name
    pub name: String,
}

fn add_key(
    app: &App,
    name: &str,
    mnemonic: &str,
    hd_path: &str,
) -> anyhow::Result<kumo_client::keyring::KeyInfo> {
    let keyring = app.keyring()?;
    if keyring.show(name).is_ok() {
        bail!(
            "a key named {name:?} already exists in {}: pick another name, or `kumo keys delete {name}` first",
            app.settings.keyring_dir.display()
        );
    }
    let passphrase = match app.backend() {
        KeyringBackend::File => Some(prompt::new_passphrase(name)?),
        KeyringBackend::Test => None,
    };
    Ok(keyring.add(name, mnemonic, hd_path, passphrase.as_deref())?)
}

fn print_key(
    app: &App,
    info: &kumo_client::keyring::KeyInfo,
    mnemonic: Option<&str>,
    headline: &str,
) {
    if app.json() {
        let mut v = serde_json::to_value(info).expect("key info serializes");
        if let (Some(m), serde_json::Value::Object(map)) = (mnemonic, &mut v) {
            map.insert("mnemonic".into(), json!(m));
        }
        output::print_json(&v);
    } else {
        println!("{headline}");
        print!(
            "{}",
            output::key_values(&[
                ("name", info.name.clone()),
                ("address", info.address.clone()),
                ("hd path", info.hd_path.clone()),
                ("backend", info.backend.to_string()),
            ])
        );
        if let Some(m) = mnemonic {
            println!(
                "\nmnemonic (write it down and keep it secret: it is the only way to recover this key):\n{m}"
            );
        }
    }
}

pub async fn run(cmd: &KeysCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        KeysCmd::Add(args) if args.recover => recover(app, &args.name, &args.hd),
        KeysCmd::Add(args) => {
            let hd = args.hd.path();
            let (_, mnemonic) = KeyPair::generate(&hd, &app.settings.bech32_prefix)?;
            let info = add_key(app, &args.name, &mnemonic, &hd)?;
            print_key(
                app,
                &info,
                Some(&mnemonic),
                &format!("added key {:?}", info.name),
            );
            Ok(())
        }
        KeysCmd::Recover(args) => recover(app, &args.name, &args.hd),
        KeysCmd::List => {
            let keys = app.keyring()?.list()?;
            if app.json() {
                output::print_json(&json!({ "keys": keys }));
            } else if keys.is_empty() {
                println!(
                    "no keys in {} ({} backend): add one with `kumo keys add <name>` or `kumo keys recover <name>`",
                    app.settings.keyring_dir.display(),
                    app.settings.keyring_backend
                );
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| vec![k.name.clone(), k.address.clone(), k.hd_path.clone()])
                    .collect();
                print!("{}", output::table(&["NAME", "ADDRESS", "HD PATH"], &rows));
            }
            Ok(())
        }
        KeysCmd::Show(args) => {
            let info = app.keyring()?.show(&args.name)?;
            if args.address && !app.json() {
                println!("{}", info.address);
            } else if app.json() {
                output::print_json(&info);
            } else {
                print!(
                    "{}",
                    output::key_values(&[
                        ("name", info.name.clone()),
                        ("address", info.address.clone()),
                        ("public key", info.public_key.clone()),
                        ("hd path", info.hd_path.clone()),
                        ("backend", info.backend.to_string()),
                    ])
                );
            }
            Ok(())
        }
        KeysCmd::Delete(args) => {
            let keyring = app.keyring()?;
            let info = keyring.show(&args.name)?;
            let question = format!(
                "Delete key {:?} ({})? Without its mnemonic it cannot be recovered",
                info.name, info.address
            );
            if !app.yes() && !prompt::interactive() {
                bail!(
                    "refusing to delete key {:?} without confirmation: there is no terminal to ask on; pass -y (--yes)",
                    info.name
                );
            }
            if !prompt::confirm(app.yes(), &question)? {
                bail!("cancelled: key {:?} was not deleted", info.name);
            }
            keyring.delete(&args.name)?;
            if app.json() {
                output::print_json(&json!({ "deleted": info.name, "address": info.address }));
            } else {
                println!("deleted key {:?} ({})", info.name, info.address);
            }
            Ok(())
        }
        KeysCmd::Export(args) => {
            let keyring = app.keyring()?;
            let info = keyring.show(&args.name)?;
            let passphrase = match app.backend() {
                KeyringBackend::File => Some(prompt::passphrase(&args.name)?),
                KeyringBackend::Test => None,
            };
            let mnemonic = keyring.export_mnemonic(&args.name, passphrase.as_deref())?;
            if app.json() {
                output::print_json(&json!({
                    "name": info.name,
                    "address": info.address,
                    "hd_path": info.hd_path,
                    "mnemonic": mnemonic,
                }));
            } else {
                eprintln!(
                    "the mnemonic of {:?} controls its funds: keep it secret",
                    info.name
                );
                println!("{mnemonic}");
            }
            Ok(())
        }
    }
}

fn recover(app: &App, name: &str, hd: &HdArgs) -> anyhow::Result<()> {
    // Fail on a taken name before asking for anything.
    if app.keyring()?.show(name).is_ok() {
        bail!(
            "a key named {name:?} already exists in {}: pick another name, or `kumo keys delete {name}` first",
            app.settings.keyring_dir.display()
        );
    }
    let mnemonic = prompt::mnemonic()?;
    let hd_path = hd.path();
    // Derive first: a bad mnemonic is refused before a passphrase is asked for.
    KeyPair::from_mnemonic(&mnemonic, &hd_path, &app.settings.bech32_prefix)?;
    let info = add_key(app, name, &mnemonic, &hd_path)?;
    print_key(app, &info, None, &format!("recovered key {:?}", info.name));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hd_paths() {
        let hd = |p: Option<&str>, a: Option<u32>| HdArgs {
            hd_path: p.map(str::to_string),
            account: a,
        };
        assert_eq!(hd(None, None).path(), "m/44'/118'/0'/0/0");
        assert_eq!(hd(None, Some(3)).path(), "m/44'/118'/0'/0/3");
        assert_eq!(
            hd(Some("m/44'/118'/1'/0/0"), None).path(),
            "m/44'/118'/1'/0/0"
        );
    }
}
