//! The provider's signing key, from the keyring named in `chain`: the `test` backend for
//! devnets, the `file` backend with its passphrase from `KUMO_PROVIDER_KEYRING_PASSPHRASE` (or
//! the CLI's `KUMO_KEYRING_PASSPHRASE`), since a daemon has no terminal to ask on.

use std::path::PathBuf;

use kumo_client::keyring::{Keyring, KeyringBackend as ClientBackend, KeyringError};
use kumo_client::keys::KeyPair;

use crate::config::{ChainConfig, KeyringBackend};

/// Where the daemon reads the file keyring's passphrase.
pub const PASSPHRASE_ENV: &str = "KUMO_PROVIDER_KEYRING_PASSPHRASE";
/// The `kumo` CLI's variable, accepted too.
pub const CLI_PASSPHRASE_ENV: &str = "KUMO_KEYRING_PASSPHRASE";
/// Account addresses on Kumo chains.
pub const BECH32_PREFIX: &str = "kumo";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "chain.keyring_backend: the `os` keyring is not supported by the daemon yet; use `file` \
         (with {PASSPHRASE_ENV}) or `test` (devnets only)"
    )]
    OsBackend,
    #[error(
        "key '{key}' is in the file keyring and needs its passphrase: set {PASSPHRASE_ENV} in \
         the daemon's environment"
    )]
    NoPassphrase { key: String },
    #[error("key '{key}': {source}")]
    Keyring {
        key: String,
        #[source]
        source: KeyringError,
    },
}

/// The default keyring directory, as the `kumo` CLI uses it: `~/.kumo/keyring`.
pub fn default_keyring_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".kumo")
        .join("keyring")
}

/// Unlocks the configured key. `passphrase` overrides the environment (tests).
pub fn load_key(chain: &ChainConfig, passphrase: Option<String>) -> Result<KeyPair, KeyError> {
    let backend = match chain.keyring_backend {
        KeyringBackend::File => ClientBackend::File,
        KeyringBackend::Test => ClientBackend::Test,
        KeyringBackend::Os => return Err(KeyError::OsBackend),
    };
    let dir = chain
        .keyring_dir
        .clone()
        .unwrap_or_else(default_keyring_dir);
    let keyring_err = |source| KeyError::Keyring {
        key: chain.key.clone(),
        source,
    };
    let keyring = Keyring::open(&dir, backend, BECH32_PREFIX).map_err(keyring_err)?;
    let passphrase = match backend {
        ClientBackend::Test => None,
        ClientBackend::File => Some(
            passphrase
                .or_else(|| std::env::var(PASSPHRASE_ENV).ok())
                .or_else(|| std::env::var(CLI_PASSPHRASE_ENV).ok())
                .ok_or_else(|| KeyError::NoPassphrase {
                    key: chain.key.clone(),
                })?,
        ),
    };
    keyring
        .unlock(&chain.key, passphrase.as_deref())
        .map_err(keyring_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MNEMONIC: &str = "test test test test test test test test test test test junk";

    fn chain(dir: &std::path::Path, backend: KeyringBackend) -> ChainConfig {
        ChainConfig {
            node: "http://127.0.0.1:26657".into(),
            chain_id: "kumo-devnet-1".into(),
            key: "provider".into(),
            keyring_dir: Some(dir.to_path_buf()),
            keyring_backend: backend,
        }
    }

    #[test]
    fn test_and_file_backends_unlock_and_say_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let test = Keyring::open(dir.path(), ClientBackend::Test, BECH32_PREFIX).unwrap();
        let info = test
            .add("provider", MNEMONIC, "m/44'/118'/0'/0/0", None)
            .unwrap();
        let key = load_key(&chain(dir.path(), KeyringBackend::Test), None).unwrap();
        assert_eq!(key.address(), info.address);

        let file = Keyring::open(dir.path(), ClientBackend::File, BECH32_PREFIX)
            .unwrap()
            .with_kdf_params(kumo_client::keyring::cipher::KdfParams {
                log_n: 4,
                r: 8,
                p: 1,
            });
        file.add(
            "provider",
            MNEMONIC,
            "m/44'/118'/0'/0/0",
            Some("secret-pass"),
        )
        .unwrap();
        let cfg = chain(dir.path(), KeyringBackend::File);
        let key = load_key(&cfg, Some("secret-pass".into())).unwrap();
        assert_eq!(key.address(), info.address);
        let err = load_key(&cfg, Some("wrong-pass".into())).unwrap_err();
        assert!(err.to_string().contains("wrong passphrase"), "{err}");

        let err = load_key(&chain(dir.path(), KeyringBackend::Os), None).unwrap_err();
        assert!(matches!(err, KeyError::OsBackend));
        let mut missing = chain(dir.path(), KeyringBackend::Test);
        missing.key = "nobody".into();
        let err = load_key(&missing, None).unwrap_err();
        assert!(err.to_string().contains("not found"), "{err}");
    }
}
