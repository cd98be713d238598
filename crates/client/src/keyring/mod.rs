//! The on-disk keyring. Two backends, each in its own directory under the keyring root, as the
//! Cosmos SDK keeps `keyring-file` and `keyring-test` apart:
//!
//! - `file` (default): the mnemonic encrypted with a passphrase (scrypt + XChaCha20-Poly1305);
//! - `test`: the mnemonic in plaintext, for devnets and tests only.
//!
//! Each key is one JSON file `<root>/keyring-<backend>/<name>.json`, mode 0600, in a 0700
//! directory. Public parts are stored in the clear so listing needs no passphrase.

pub mod cipher;
mod record;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::keys::{self, KeyError, KeyPair};
use cipher::{CipherError, KdfParams};
use record::{corrupt, KeyRecord, StoredSecret};

/// Longest key name: names become file names and CLI arguments.
pub const MAX_NAME_LEN: usize = 64;
/// Shortest passphrase the file backend accepts (the Cosmos SDK's minimum).
pub const MIN_PASSPHRASE_LEN: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyringBackend {
    /// Encrypted with a passphrase.
    #[default]
    File,
    /// Plaintext; dev and tests only.
    Test,
}

impl KeyringBackend {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyringBackend::File => "file",
            KeyringBackend::Test => "test",
        }
    }
}

impl fmt::Display for KeyringBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyringBackend {
    type Err = KeyringError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "file" => Ok(KeyringBackend::File),
            "test" => Ok(KeyringBackend::Test),
            _ => Err(KeyringError::UnknownBackend {
                backend: s.to_string(),
            }),
        }
    }
}

/// A key's public description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub name: String,
    pub address: String,
    /// 33-byte compressed secp256k1 public key, base64.
    pub public_key: String,
    pub hd_path: String,
    pub backend: KeyringBackend,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("key '{name}' not found in {} ({backend} backend): list keys with `kumo keys list`", dir.display())]
    NotFound {
        name: String,
        dir: PathBuf,
        backend: KeyringBackend,
    },
    #[error(
        "a key named '{name}' already exists: pick another name, or remove the old key first with \
         `kumo keys delete {name}`"
    )]
    AlreadyExists { name: String },
    #[error(
        "wrong passphrase for key '{name}' (or its file was modified): try again with the \
         passphrase given when the key was added"
    )]
    WrongPassphrase { name: String },
    #[error("key '{name}' is encrypted (file backend): give its passphrase to use it")]
    PassphraseRequired { name: String },
    #[error(
        "the passphrase is too short: use at least {min} characters (or the test backend for \
         throwaway dev keys)"
    )]
    PassphraseTooShort { min: usize },
    #[error(
        "invalid key name '{name}': {reason}; use 1 to 64 letters, digits, '-', '_' or '.', \
         starting with a letter or digit"
    )]
    InvalidName { name: String, reason: String },
    #[error("unknown keyring backend '{backend}': use `file` (encrypted) or `test` (plaintext, dev only)")]
    UnknownBackend { backend: String },
    #[error("cannot access {}: {source}; check that the keyring directory exists and belongs to you", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "key file {} is corrupt: {reason}; restore it from a backup, or delete it and add the key \
         again from its mnemonic", path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// A keyring directory opened with one backend.
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
    backend: KeyringBackend,
    prefix: String,
    kdf: KdfParams,
}

/// Checks a key name: it becomes a file name, so no separators, no leading dot.
pub fn validate_name(name: &str) -> Result<(), KeyringError> {
    let invalid = |reason: &str| {
        Err(KeyringError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return invalid("it is longer than 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return invalid("it must start with a letter or digit");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return invalid(&format!("it contains {c:?}"));
    }
    Ok(())
}

impl Keyring {
    /// Opens (creating if needed) the keyring under `dir` for `backend`; addresses are shown
    /// with `prefix`.
    pub fn open(
        dir: &Path,
        backend: KeyringBackend,
        prefix: &str,
    ) -> Result<Keyring, KeyringError> {
        keys::validate_prefix(prefix)?;
        let dir = dir.join(format!("keyring-{backend}"));
        record::create_private_dir(&dir)?;
        Ok(Keyring {
            dir,
            backend,
            prefix: prefix.to_string(),
            kdf: KdfParams::default(),
        })
    }

    /// Uses other scrypt costs for keys added from now on (tests use cheap ones).
    pub fn with_kdf_params(mut self, kdf: KdfParams) -> Keyring {
        self.kdf = kdf;
        self
    }

    /// The backend's directory, where the key files are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn backend(&self) -> KeyringBackend {
        self.backend
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.{}", record::EXTENSION))
    }

    fn not_found(&self, name: &str) -> KeyringError {
        KeyringError::NotFound {
            name: name.to_string(),
            dir: self.dir.clone(),
            backend: self.backend,
        }
    }

    /// Stores `mnemonic` under `name`; the file backend needs `Some(passphrase)`. Errors if the
    /// name exists.
    pub fn add(
        &self,
        name: &str,
        mnemonic: &str,
        hd_path: &str,
        passphrase: Option<&str>,
    ) -> Result<KeyInfo, KeyringError> {
        validate_name(name)?;
        let path = self.path_of(name);
        if path.exists() {
            return Err(KeyringError::AlreadyExists {
                name: name.to_string(),
            });
        }
        let key = KeyPair::from_mnemonic(mnemonic, hd_path, &self.prefix)?;
        // Store the normalized phrase, so `export` gives back what any wallet accepts.
        let phrase = keys::parse_mnemonic(mnemonic)?.to_string();
        let public_key = B64.encode(key.public_key().to_bytes());
        let hd_path = hd_path.trim().to_string();
        let secret = match self.backend {
            KeyringBackend::Test => StoredSecret::Plaintext { mnemonic: phrase },
            KeyringBackend::File => {
                let passphrase = passphrase.ok_or_else(|| KeyringError::PassphraseRequired {
                    name: name.to_string(),
                })?;
                if passphrase.chars().count() < MIN_PASSPHRASE_LEN {
                    return Err(KeyringError::PassphraseTooShort {
                        min: MIN_PASSPHRASE_LEN,
                    });
                }
                let aad = KeyRecord::associated_data(name, &public_key, &hd_path);
                let sealed = cipher::seal(phrase.as_bytes(), passphrase, &aad, self.kdf)
                    .map_err(|e| corrupt(&path, e.to_string()))?;
                StoredSecret::encrypted(&sealed)
            }
        };
        let record = KeyRecord {
            version: record::FORMAT_VERSION,
            name: name.to_string(),
            public_key,
            hd_path,
            secret,
        };
        record::create(&self.dir, &path, &record)?;
        self.info(&path, &record)
    }

    /// Every key, sorted by name; needs no passphrase.
    pub fn list(&self) -> Result<Vec<KeyInfo>, KeyringError> {
        record::list_files(&self.dir)?
            .into_iter()
            .map(|path| {
                let record = record::read(&path)?.ok_or_else(|| {
                    corrupt(&path, "the file disappeared while listing; list again")
                })?;
                self.info(&path, &record)
            })
            .collect()
    }

    pub fn show(&self, name: &str) -> Result<KeyInfo, KeyringError> {
        let (path, record) = self.load(name)?;
        self.info(&path, &record)
    }

    pub fn delete(&self, name: &str) -> Result<(), KeyringError> {
        validate_name(name)?;
        let path = self.path_of(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(self.not_found(name)),
            Err(e) => Err(record::io_error(&path, e)),
        }
    }

    /// The key's mnemonic (for `keys export`); the file backend needs the passphrase.
    pub fn export_mnemonic(
        &self,
        name: &str,
        passphrase: Option<&str>,
    ) -> Result<String, KeyringError> {
        let (path, record) = self.load(name)?;
        self.mnemonic(&path, &record, passphrase)
    }

    /// The key, ready to sign; the file backend needs the passphrase.
    pub fn unlock(&self, name: &str, passphrase: Option<&str>) -> Result<KeyPair, KeyringError> {
        let (path, record) = self.load(name)?;
        let mnemonic = self.mnemonic(&path, &record, passphrase)?;
        let key = KeyPair::from_mnemonic(&mnemonic, &record.hd_path, &self.prefix)
            .map_err(|e| corrupt(&path, format!("stored mnemonic or HD path: {e}")))?;
        if key.public_key().to_bytes() != record.public_key_bytes(&path)? {
            return Err(corrupt(
                &path,
                "the stored mnemonic does not derive the stored public key",
            ));
        }
        Ok(key)
    }

    fn load(&self, name: &str) -> Result<(PathBuf, KeyRecord), KeyringError> {
        validate_name(name)?;
        let path = self.path_of(name);
        let record = record::read(&path)?.ok_or_else(|| self.not_found(name))?;
        if record.name != name {
            return Err(corrupt(
                &path,
                format!("it holds key '{}', not '{name}'", record.name),
            ));
        }
        Ok((path, record))
    }

    fn mnemonic(
        &self,
        path: &Path,
        record: &KeyRecord,
        passphrase: Option<&str>,
    ) -> Result<String, KeyringError> {
        // A plaintext secret in the file backend (or the reverse) was not written by us.
        let sealed =
            match (&record.secret, self.backend) {
                (StoredSecret::Plaintext { mnemonic }, KeyringBackend::Test) => {
                    return Ok(mnemonic.clone())
                }
                (StoredSecret::Encrypted { .. }, KeyringBackend::File) => record
                    .secret
                    .sealed(path)?
                    .ok_or_else(|| corrupt(path, "missing sealed secret"))?,
                (_, backend) => {
                    return Err(corrupt(
                        path,
                        format!("its secret is not of the kind the {backend} backend stores"),
                    ))
                }
            };
        let passphrase = passphrase.ok_or_else(|| KeyringError::PassphraseRequired {
            name: record.name.clone(),
        })?;
        let aad = KeyRecord::associated_data(&record.name, &record.public_key, &record.hd_path);
        let plaintext = cipher::open(&sealed, passphrase, &aad).map_err(|e| match e {
            CipherError::Authentication => KeyringError::WrongPassphrase {
                name: record.name.clone(),
            },
            CipherError::Malformed(reason) => corrupt(path, reason),
        })?;
        String::from_utf8(plaintext).map_err(|_| corrupt(path, "the mnemonic is not UTF-8"))
    }

    fn info(&self, path: &Path, record: &KeyRecord) -> Result<KeyInfo, KeyringError> {
        let public_key = record.public_key_bytes(path)?;
        let address = keys::address_of(&public_key, &self.prefix)
            .map_err(|e| corrupt(path, format!("public_key: {e}")))?;
        Ok(KeyInfo {
            name: record.name.clone(),
            address,
            public_key: record.public_key.clone(),
            hd_path: record.hd_path.clone(),
            backend: self.backend,
        })
    }
}

#[cfg(test)]
mod tests;
