//! Encryption of key material at rest: scrypt turns the passphrase into a key, XChaCha20-Poly1305
//! seals the secret. Both come from RustCrypto; nothing here is hand-rolled. The random 24-byte
//! nonce makes nonce reuse across files negligible, and the AEAD tag is what tells a wrong
//! passphrase from the right one.

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

/// scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s): the interactive-login setting
/// scrypt's author recommends.
pub const DEFAULT_LOG_N: u8 = 15;
const DEFAULT_R: u32 = 8;
const DEFAULT_P: u32 = 1;
/// Upper bounds on costs read from a file, so a tampered file cannot make unlocking take hours
/// or exhaust memory.
const MAX_LOG_N: u8 = 20;
const MAX_R: u32 = 32;
const MAX_P: u32 = 16;
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// scrypt's parameters, stored next to the ciphertext so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub log_n: u8,
    pub r: u32,
    pub p: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            log_n: DEFAULT_LOG_N,
            r: DEFAULT_R,
            p: DEFAULT_P,
        }
    }
}

/// A sealed secret as stored: parameters, salt, nonce and ciphertext (with its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub kdf: KdfParams,
    pub salt: Vec<u8>,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The tag did not verify: the passphrase is wrong or the sealed data (or what it is bound
    /// to) was changed.
    #[error("authentication failed")]
    Authentication,
    /// The stored parameters are unusable.
    #[error("{0}")]
    Malformed(String),
}

fn derive_key(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Result<[u8; KEY_LEN], CipherError> {
    if kdf.log_n == 0 || kdf.log_n > MAX_LOG_N || kdf.r == 0 || kdf.r > MAX_R {
        return Err(CipherError::Malformed(format!(
            "scrypt parameters out of range: log_n {} r {}",
            kdf.log_n, kdf.r
        )));
    }
    if kdf.p == 0 || kdf.p > MAX_P {
        return Err(CipherError::Malformed(format!(
            "scrypt parameter p {} out of range",
            kdf.p
        )));
    }
    let params = scrypt::Params::new(kdf.log_n, kdf.r, kdf.p, KEY_LEN)
        .map_err(|e| CipherError::Malformed(format!("scrypt parameters: {e}")))?;
    let mut key = [0u8; KEY_LEN];
    scrypt::scrypt(passphrase.as_bytes(), salt, &params, &mut key)
        .map_err(|e| CipherError::Malformed(format!("scrypt: {e}")))?;
    Ok(key)
}

/// Seals `plaintext` under `passphrase`, bound to `aad` (which must be given again to open it).
pub fn seal(
    plaintext: &[u8],
    passphrase: &str,
    aad: &[u8],
    kdf: KdfParams,
) -> Result<Sealed, CipherError> {
    let mut salt = vec![0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let key = derive_key(passphrase, &salt, kdf)?;
    let cipher = XChaCha20Poly1305::new(&chacha20poly1305::Key::from(key));
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CipherError::Malformed("encryption failed".to_string()))?;
    Ok(Sealed {
        kdf,
        salt,
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Opens what [`seal`] sealed.
pub fn open(sealed: &Sealed, passphrase: &str, aad: &[u8]) -> Result<Vec<u8>, CipherError> {
    let nonce: [u8; NONCE_LEN] = sealed.nonce.as_slice().try_into().map_err(|_| {
        CipherError::Malformed(format!(
            "nonce has {} bytes, expected {NONCE_LEN}",
            sealed.nonce.len()
        ))
    })?;
    if sealed.salt.is_empty() {
        return Err(CipherError::Malformed("empty salt".to_string()));
    }
    let key = derive_key(passphrase, &sealed.salt, sealed.kdf)?;
    let cipher = XChaCha20Poly1305::new(&chacha20poly1305::Key::from(key));
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad,
            },
        )
        .map_err(|_| CipherError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> KdfParams {
        KdfParams {
            log_n: 4,
            r: 8,
            p: 1,
        }
    }

    #[test]
    fn round_trip_and_failures() {
        let sealed = seal(b"secret words", "hunter22", b"name", cheap()).unwrap();
        assert_ne!(sealed.ciphertext, b"secret words");
        assert_eq!(open(&sealed, "hunter22", b"name").unwrap(), b"secret words");
        assert_eq!(
            open(&sealed, "hunter23", b"name"),
            Err(CipherError::Authentication)
        );
        assert_eq!(
            open(&sealed, "hunter22", b"other"),
            Err(CipherError::Authentication)
        );
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(
            open(&flipped, "hunter22", b"name"),
            Err(CipherError::Authentication)
        );
        let mut expensive = sealed;
        expensive.kdf.log_n = 40;
        assert!(matches!(
            open(&expensive, "hunter22", b"name"),
            Err(CipherError::Malformed(_))
        ));
    }

    #[test]
    fn salts_and_nonces_are_fresh() {
        let a = seal(b"x", "pw", b"", cheap()).unwrap();
        let b = seal(b"x", "pw", b"", cheap()).unwrap();
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
