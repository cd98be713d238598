//! Questions to the person at the terminal: confirmations, passphrases, mnemonics, choices.
//! Each one refuses with a clear message when there is no terminal to ask on.

use std::io::{IsTerminal, Read};

use anyhow::{anyhow, bail};

/// The environment variable holding the file keyring's passphrase, for scripts.
pub const PASSPHRASE_ENV: &str = "KUMO_KEYRING_PASSPHRASE";

/// Whether questions can be asked: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Refuses early when a confirmation would be needed but cannot be asked.
pub fn ensure_can_confirm(yes: bool, what: &str) -> anyhow::Result<()> {
    if yes || interactive() {
        return Ok(());
    }
    bail!(
        "refusing to {what} without confirmation: there is no terminal to ask on; pass -y \
         (--yes) to go ahead without asking"
    )
}

/// Asks a yes/no question (default no); `yes` answers it without asking.
pub fn confirm(yes: bool, question: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !interactive() {
        bail!("cannot ask {question:?}: there is no terminal; pass -y (--yes) to go ahead");
    }
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| anyhow!("cannot read the answer: {e}"))
}

/// The passphrase of an existing file-backend key: `KUMO_KEYRING_PASSPHRASE`, else a prompt.
pub fn passphrase(key: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    if !interactive() {
        bail!(
            "key {key:?} is in the file keyring, which needs its passphrase: set \
             {PASSPHRASE_ENV}, or run in a terminal to be asked (or use --keyring-backend test \
             for throwaway keys)"
        );
    }
    dialoguer::Password::new()
        .with_prompt(format!("Passphrase for key {key:?}"))
        .interact()
        .map_err(|e| anyhow!("cannot read the passphrase: {e}"))
}

/// A new passphrase for a key being added: `KUMO_KEYRING_PASSPHRASE`, else asked twice.
pub fn new_passphrase(key: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        if p.is_empty() {
            bail!("{PASSPHRASE_ENV} is empty: the file keyring needs a non-empty passphrase");
        }
        return Ok(p);
    }
    if !interactive() {
        bail!(
            "the file keyring encrypts key {key:?} with a passphrase: set {PASSPHRASE_ENV}, or \
             run in a terminal to be asked (or use --keyring-backend test for throwaway keys)"
        );
    }
    dialoguer::Password::new()
        .with_prompt(format!("New passphrase for key {key:?}"))
        .with_confirmation("Repeat the passphrase", "the passphrases differ")
        .validate_with(|p: &String| {
            if p.len() < 8 {
                Err("use at least 8 characters")
            } else {
                Ok(())
            }
        })
        .interact()
        .map_err(|e| anyhow!("cannot read the passphrase: {e}"))
}

/// Normalizes a mnemonic: lower case, single spaces.
pub fn normalize_mnemonic(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A mnemonic from a prompt (hidden input) or, without a terminal, from stdin.
pub fn mnemonic() -> anyhow::Result<String> {
    let text = if std::io::stdin().is_terminal() {
        dialoguer::Password::new()
            .with_prompt("Enter the BIP39 mnemonic (12 or 24 words)")
            .interact()
            .map_err(|e| anyhow!("cannot read the mnemonic: {e}"))?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| anyhow!("cannot read the mnemonic from stdin: {e}"))?;
        s
    };
    let words = normalize_mnemonic(&text);
    if words.is_empty() {
        bail!("no mnemonic given: type it at the prompt or pipe it on stdin");
    }
    Ok(words)
}

/// Picks one of `items` (or none, the last choice) at the terminal.
pub fn choose(prompt: &str, items: &[String]) -> anyhow::Result<Option<usize>> {
    let mut all = items.to_vec();
    all.push("none: decide later".into());
    let picked = dialoguer::Select::new()
        .with_prompt(prompt)
        .items(&all)
        .default(0)
        .interact()
        .map_err(|e| anyhow!("cannot read the choice: {e}"))?;
    Ok((picked < items.len()).then_some(picked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_are_normalized() {
        assert_eq!(
            normalize_mnemonic("  Test test\n test\ttest  "),
            "test test test test"
        );
    }

    #[test]
    fn without_a_terminal_confirmation_needs_yes() {
        // Unit tests run without a terminal on stdin under cargo (and in CI).
        if interactive() {
            return;
        }
        let err = ensure_can_confirm(false, "broadcast")
            .unwrap_err()
            .to_string();
        assert!(err.contains("pass -y"), "{err}");
        assert!(ensure_can_confirm(true, "broadcast").is_ok());
        assert!(confirm(true, "really?").unwrap());
    }
}
