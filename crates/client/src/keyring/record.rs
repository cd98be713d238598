//! One key's file: JSON with the public parts in the clear (so `list` and `show` need no
//! passphrase) and the mnemonic either sealed (file backend) or plain (test backend).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::cipher::{KdfParams, Sealed};
use super::KeyringError;

/// The current file format.
pub const FORMAT_VERSION: u32 = 1;
pub const EXTENSION: &str = "json";

/// What a key file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    pub version: u32,
    pub name: String,
    /// 33-byte compressed secp256k1 public key, base64.
    pub public_key: String,
    pub hd_path: String,
    pub secret: StoredSecret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StoredSecret {
    /// Test backend only: the mnemonic as is.
    Plaintext { mnemonic: String },
    /// File backend: scrypt + XChaCha20-Poly1305, all binary fields base64.
    Encrypted {
        kdf: KdfParams,
        salt: String,
        nonce: String,
        ciphertext: String,
    },
}

impl KeyRecord {
    /// The data the ciphertext is bound to: swapping the sealed mnemonic into another key's
    /// file, or editing the public parts, makes unlocking fail.
    pub fn associated_data(name: &str, public_key: &str, hd_path: &str) -> Vec<u8> {
        format!("kumo-keyring-v{FORMAT_VERSION}\n{name}\n{public_key}\n{hd_path}").into_bytes()
    }

    pub fn public_key_bytes(&self, path: &Path) -> Result<Vec<u8>, KeyringError> {
        B64.decode(&self.public_key)
            .map_err(|e| corrupt(path, format!("public_key is not base64: {e}")))
    }
}

impl StoredSecret {
    pub fn encrypted(sealed: &Sealed) -> StoredSecret {
        StoredSecret::Encrypted {
            kdf: sealed.kdf,
            salt: B64.encode(&sealed.salt),
            nonce: B64.encode(&sealed.nonce),
            ciphertext: B64.encode(&sealed.ciphertext),
        }
    }

    /// The sealed secret, or `None` for a plaintext one.
    pub fn sealed(&self, path: &Path) -> Result<Option<Sealed>, KeyringError> {
        match self {
            StoredSecret::Plaintext { .. } => Ok(None),
            StoredSecret::Encrypted {
                kdf,
                salt,
                nonce,
                ciphertext,
            } => {
                let field = |name: &str, value: &str| {
                    B64.decode(value)
                        .map_err(|e| corrupt(path, format!("{name} is not base64: {e}")))
                };
                Ok(Some(Sealed {
                    kdf: *kdf,
                    salt: field("salt", salt)?,
                    nonce: field("nonce", nonce)?,
                    ciphertext: field("ciphertext", ciphertext)?,
                }))
            }
        }
    }
}

pub fn corrupt(path: &Path, reason: impl Into<String>) -> KeyringError {
    KeyringError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

pub fn io_error(path: &Path, source: std::io::Error) -> KeyringError {
    KeyringError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads and parses a key file; `Ok(None)` when it does not exist.
pub fn read(path: &Path) -> Result<Option<KeyRecord>, KeyringError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path, e)),
    };
    let record: KeyRecord =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(path, e.to_string()))?;
    if record.version != FORMAT_VERSION {
        return Err(corrupt(
            path,
            format!(
                "format version {} is not supported (this build reads version {FORMAT_VERSION})",
                record.version
            ),
        ));
    }
    Ok(Some(record))
}

/// Creates the key file, readable by its owner only, failing if one exists. It is written
/// under a temporary name first and then linked into place, so a crash never leaves half a key
/// file under the real name.
pub fn create(dir: &Path, path: &Path, record: &KeyRecord) -> Result<(), KeyringError> {
    let json = serde_json::to_vec_pretty(record).map_err(|e| corrupt(path, e.to_string()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", record.name, std::process::id()));
    let result = write_private(&tmp, &json).and_then(|()| {
        fs::hard_link(&tmp, path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyringError::AlreadyExists {
                    name: record.name.clone(),
                }
            } else {
                io_error(path, e)
            }
        })
    });
    let _ = fs::remove_file(&tmp);
    result
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyringError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes).map_err(|e| io_error(path, e))?;
    file.sync_all().map_err(|e| io_error(path, e))
}

/// Creates the keyring directory, private to its owner.
pub fn create_private_dir(dir: &Path) -> Result<(), KeyringError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io_error(dir, e))
}

/// Key files in `dir`, sorted by name (temporary and foreign files skipped).
pub fn list_files(dir: &Path) -> Result<Vec<PathBuf>, KeyringError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_error(dir, e))?.path();
        let is_key = path.extension().is_some_and(|ext| ext == EXTENSION)
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'));
        if is_key {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
