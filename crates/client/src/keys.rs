//! Keys: BIP39 mnemonics and BIP32 derivation on the Cosmos HD path, as the Cosmos SDK's
//! `keys add --recover` does it, so a mnemonic gives the same address here and in any Cosmos
//! wallet.

use bip32::DerivationPath;
use bip39::{Language, Mnemonic};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::crypto::PublicKey;
use cosmrs::AccountId;

/// The Cosmos HD path of an account's first key (coin type 118).
pub const COSMOS_HD_PATH: &str = "m/44'/118'/0'/0/0";

/// Longest bech32 prefix accepted: the human-readable parts in use are short words.
const MAX_PREFIX_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "invalid mnemonic: {reason}; check the words (BIP39 English, 12, 15, 18, 21 or 24 of them) \
         and their order"
    )]
    InvalidMnemonic { reason: String },
    #[error("invalid HD path '{path}': {reason}; use the form m/44'/118'/0'/0/0")]
    InvalidHdPath { path: String, reason: String },
    #[error(
        "invalid bech32 prefix '{prefix}': {reason}; use the chain's lowercase prefix, e.g. kumo"
    )]
    InvalidPrefix { prefix: String, reason: String },
    #[error("key derivation failed: {reason}; try another HD path")]
    Derivation { reason: String },
}

/// A secp256k1 key with its address under one bech32 prefix.
pub struct KeyPair {
    signing_key: SigningKey,
    public_key: PublicKey,
    account_id: AccountId,
}

impl std::fmt::Debug for KeyPair {
    // Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("address", &self.address())
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Derives the key of `mnemonic` (BIP39, no passphrase) at `hd_path`.
    pub fn from_mnemonic(mnemonic: &str, hd_path: &str, prefix: &str) -> Result<KeyPair, KeyError> {
        validate_prefix(prefix)?;
        let path = parse_hd_path(hd_path)?;
        let mnemonic = parse_mnemonic(mnemonic)?;
        // The SDK derives with an empty BIP39 passphrase.
        let seed = mnemonic.to_seed("");
        let signing_key =
            SigningKey::derive_from_path(seed, &path).map_err(|e| KeyError::Derivation {
                reason: e.to_string(),
            })?;
        Self::from_signing_key(signing_key, prefix)
    }

    /// A fresh 24-word mnemonic and its key.
    pub fn generate(hd_path: &str, prefix: &str) -> Result<(KeyPair, String), KeyError> {
        let mut entropy = [0u8; 32];
        OsRng.fill_bytes(&mut entropy);
        let mnemonic = Mnemonic::from_entropy_in(Language::English, &entropy).map_err(|e| {
            KeyError::InvalidMnemonic {
                reason: e.to_string(),
            }
        })?;
        let phrase = mnemonic.to_string();
        let key = Self::from_mnemonic(&phrase, hd_path, prefix)?;
        Ok((key, phrase))
    }

    fn from_signing_key(signing_key: SigningKey, prefix: &str) -> Result<KeyPair, KeyError> {
        let public_key = signing_key.public_key();
        let account_id = public_key
            .account_id(prefix)
            .map_err(|e| KeyError::InvalidPrefix {
                prefix: prefix.to_string(),
                reason: e.to_string(),
            })?;
        Ok(KeyPair {
            signing_key,
            public_key,
            account_id,
        })
    }

    /// The bech32 address, e.g. `kumo1...`.
    pub fn address(&self) -> &str {
        self.account_id.as_ref()
    }

    pub fn account_id(&self) -> AccountId {
        self.account_id.clone()
    }

    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }
}

/// The address of a compressed secp256k1 public key under `prefix`.
pub fn address_of(public_key: &[u8], prefix: &str) -> Result<String, KeyError> {
    validate_prefix(prefix)?;
    let key = tendermint::PublicKey::from_raw_secp256k1(public_key).ok_or_else(|| {
        KeyError::Derivation {
            reason: "not a compressed secp256k1 public key".to_string(),
        }
    })?;
    PublicKey::from(key)
        .account_id(prefix)
        .map(|id| id.to_string())
        .map_err(|e| KeyError::InvalidPrefix {
            prefix: prefix.to_string(),
            reason: e.to_string(),
        })
}

/// Parses a mnemonic, tolerating extra whitespace and capitals as wallets do.
pub fn parse_mnemonic(mnemonic: &str) -> Result<Mnemonic, KeyError> {
    let normalized = mnemonic
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ");
    if normalized.is_empty() {
        return Err(KeyError::InvalidMnemonic {
            reason: "it is empty".to_string(),
        });
    }
    Mnemonic::parse_in_normalized(Language::English, &normalized).map_err(|e| {
        KeyError::InvalidMnemonic {
            reason: e.to_string(),
        }
    })
}

pub fn parse_hd_path(hd_path: &str) -> Result<DerivationPath, KeyError> {
    hd_path
        .trim()
        .parse()
        .map_err(|e: bip32::Error| KeyError::InvalidHdPath {
            path: hd_path.to_string(),
            reason: e.to_string(),
        })
}

/// A bech32 human-readable part as chains use them: lowercase letters, then letters or digits.
pub fn validate_prefix(prefix: &str) -> Result<(), KeyError> {
    let bad = |reason: &str| {
        Err(KeyError::InvalidPrefix {
            prefix: prefix.to_string(),
            reason: reason.to_string(),
        })
    };
    if prefix.is_empty() || prefix.len() > MAX_PREFIX_LEN {
        return bad("it must have 1 to 32 characters");
    }
    if !prefix.starts_with(|c: char| c.is_ascii_lowercase()) {
        return bad("it must start with a lowercase letter");
    }
    if !prefix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return bad("it may contain only lowercase letters and digits");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // cosmjs's faucet account, a published test vector: cosmos/cosmjs
    // packages/stargate/src/testutils.spec.ts (`faucet`: mnemonic, pubkey0..4, address0..4) and
    // packages/proto-signing/src/testutils.spec.ts; the same addresses are registered in simd with
    // `keys add --recover` by cosmjs's scripts/simapp*/template setup.
    const FAUCET_MNEMONIC: &str = "economy stock theory fatal elder harbor betray wasp final emotion \
        task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";
    const FAUCET_ADDRESSES: [&str; 5] = [
        "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs6",
        "cosmos10dyr9899g6t0pelew4nvf4j5c3jcgv0r73qga5",
        "cosmos1xy4yqngt0nlkdcenxymg8tenrghmek4nmqm28k",
        "cosmos142u9fgcjdlycfcez3lw8x6x5h7rfjlnfhpw2lx",
        "cosmos1hsm76p4ahyhl5yh3ve9ur49r5kemhp2r0dcjvx",
    ];
    const FAUCET_PUBKEY0_B64: &str = "A08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQ";
    const FAUCET_PUBKEY1_B64: &str = "AiDosfIbBi54XJ1QjCeApumcy/FjdtF+YhywPf3DKTx7";
    // cosmjs proto-signing testutils.spec.ts `testVectors[0]`: a MsgSend signed by the faucet
    // with SIGN_MODE_DIRECT at sequence 0 (chain simd-testing, account number 1), and its sign
    // bytes.
    const VECTOR_SIGNED_TX: &str = "0a97010a90010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e6412700a2d636f736d6f7331706b707472653766646b6c366766727a6c65736a6a766878686c63337234676d6d6b38727336122d636f736d6f7331717970717870713971637273737a673270767871367273307a716733797963356c7a763778751a100a0575636f736d12073132333435363712001800126b0a500a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b657912230a21034f04181eeba35391b858633a765c4a0c189697b40d216354d50890d350c7029012040a020801180012170a0d0a0575636f736d12043230303010c09a0c1a0022001a40d1bb55b0f3e5f9c260a20c8ccf2cb44f19bafccba84c7fb6e2b77fac401b15c9228c33236a701dd7a7c4a481aa5dedb902c982fe565504c4f4e7f39ccfcd73d6";
    const VECTOR_SIGN_BYTES: &str = "0a97010a90010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e6412700a2d636f736d6f7331706b707472653766646b6c366766727a6c65736a6a766878686c63337234676d6d6b38727336122d636f736d6f7331717970717870713971637273737a673270767871367273307a716733797963356c7a763778751a100a0575636f736d12073132333435363712001800126b0a500a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b657912230a21034f04181eeba35391b858633a765c4a0c189697b40d216354d50890d350c7029012040a020801180012170a0d0a0575636f736d12043230303010c09a0c1a0022001a0c73696d642d74657374696e672001";

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn published_vector_gives_the_sdk_address_and_public_key() {
        let key = KeyPair::from_mnemonic(FAUCET_MNEMONIC, COSMOS_HD_PATH, "cosmos").unwrap();
        assert_eq!(key.address(), FAUCET_ADDRESSES[0]);
        assert_eq!(b64(&key.public_key().to_bytes()), FAUCET_PUBKEY0_B64);
    }

    #[test]
    fn hd_path_index_selects_the_account() {
        for (index, expected) in FAUCET_ADDRESSES.iter().enumerate() {
            let path = format!("m/44'/118'/0'/0/{index}");
            let key = KeyPair::from_mnemonic(FAUCET_MNEMONIC, &path, "cosmos").unwrap();
            assert_eq!(key.address(), *expected, "index {index}");
        }
        let key = KeyPair::from_mnemonic(FAUCET_MNEMONIC, "m/44'/118'/0'/0/1", "cosmos").unwrap();
        assert_eq!(b64(&key.public_key().to_bytes()), FAUCET_PUBKEY1_B64);
        // Another coin type is another key.
        let eth = KeyPair::from_mnemonic(FAUCET_MNEMONIC, "m/44'/60'/0'/0/0", "cosmos").unwrap();
        assert_ne!(eth.address(), FAUCET_ADDRESSES[0]);
    }

    #[test]
    fn signatures_match_the_published_direct_sign_vector() {
        use cosmrs::proto::cosmos::tx::v1beta1::{SignDoc, TxRaw};
        use cosmrs::proto::prost::Message;
        let key = KeyPair::from_mnemonic(FAUCET_MNEMONIC, COSMOS_HD_PATH, "cosmos").unwrap();
        let tx = TxRaw::decode(hex::decode(VECTOR_SIGNED_TX).unwrap().as_slice()).unwrap();
        // The SIGN_MODE_DIRECT sign doc of the tx is the vector's sign bytes...
        let sign_bytes = SignDoc {
            body_bytes: tx.body_bytes.clone(),
            auth_info_bytes: tx.auth_info_bytes.clone(),
            chain_id: "simd-testing".into(),
            account_number: 1,
        }
        .encode_to_vec();
        assert_eq!(hex::encode(&sign_bytes), VECTOR_SIGN_BYTES);
        // ...and our key signs it exactly as the tx was signed (RFC 6979, low S).
        let signature = key.signing_key().sign(&sign_bytes).unwrap();
        assert_eq!(signature.to_bytes().to_vec(), tx.signatures[0]);
    }

    #[test]
    fn prefix_changes_only_the_human_readable_part() {
        let cosmos = KeyPair::from_mnemonic(FAUCET_MNEMONIC, COSMOS_HD_PATH, "cosmos").unwrap();
        let kumo = KeyPair::from_mnemonic(FAUCET_MNEMONIC, COSMOS_HD_PATH, "kumo").unwrap();
        assert!(kumo.address().starts_with("kumo1"));
        assert_eq!(cosmos.account_id().to_bytes(), kumo.account_id().to_bytes());
        assert_eq!(
            address_of(&kumo.public_key().to_bytes(), "kumo").unwrap(),
            kumo.address()
        );
    }

    #[test]
    fn mnemonic_whitespace_and_case_are_normalized() {
        let messy = format!("  {}  ", FAUCET_MNEMONIC.to_uppercase().replace(' ', "\n "));
        let key = KeyPair::from_mnemonic(&messy, COSMOS_HD_PATH, "cosmos").unwrap();
        assert_eq!(key.address(), FAUCET_ADDRESSES[0]);
    }

    #[test]
    fn bad_inputs_are_rejected_with_a_hint() {
        let bad_checksum = FAUCET_MNEMONIC.replace("stone", "economy");
        let err = KeyPair::from_mnemonic(&bad_checksum, COSMOS_HD_PATH, "cosmos").unwrap_err();
        assert!(matches!(err, KeyError::InvalidMnemonic { .. }), "{err}");
        assert!(err.to_string().contains("check the words"));
        let err = KeyPair::from_mnemonic("", COSMOS_HD_PATH, "cosmos").unwrap_err();
        assert!(matches!(err, KeyError::InvalidMnemonic { .. }));
        let err = KeyPair::from_mnemonic(FAUCET_MNEMONIC, "m/44'/x", "cosmos").unwrap_err();
        assert!(matches!(err, KeyError::InvalidHdPath { .. }), "{err}");
        for prefix in ["", "Kumo", "1kumo", "ku mo"] {
            let err = KeyPair::from_mnemonic(FAUCET_MNEMONIC, COSMOS_HD_PATH, prefix).unwrap_err();
            assert!(
                matches!(err, KeyError::InvalidPrefix { .. }),
                "{prefix}: {err}"
            );
        }
    }

    #[test]
    fn generated_mnemonics_have_24_words_and_recover_the_same_key() {
        let (key, phrase) = KeyPair::generate(COSMOS_HD_PATH, "kumo").unwrap();
        assert_eq!(phrase.split(' ').count(), 24);
        let again = KeyPair::from_mnemonic(&phrase, COSMOS_HD_PATH, "kumo").unwrap();
        assert_eq!(key.address(), again.address());
        let (other, _) = KeyPair::generate(COSMOS_HD_PATH, "kumo").unwrap();
        assert_ne!(key.address(), other.address());
    }
}
