//! Funded development accounts, derived like anvil's from one public mnemonic.
//!
//! **Dev only.** [`DEV_MNEMONIC`] is public (it is anvil's and Hardhat's default), so anyone
//! can spend what these accounts hold. Never fund them on a real chain.
//!
//! Account `i` is derived with BIP39 (no passphrase) and the Cosmos HD path
//! `m/44'/118'/0'/0/i`, so `kumo keys add --recover` or any Cosmos wallet given the mnemonic
//! finds the same addresses.

use bip32::{DerivationPath, XPrv};
use bip39::{Language, Mnemonic};
use cosmrs::crypto::secp256k1::SigningKey;

/// The public development mnemonic (anvil's default).
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// How many dev accounts a devnet funds by default.
pub const DEFAULT_DEV_ACCOUNT_COUNT: u32 = 10;

/// What the first dev accounts are for: dev account 0 deploys the contracts at genesis, and
/// the `local-market` genesis certifies [`AUDITOR`](roles::AUDITOR). `kumo up` recovers the
/// others under these names; the README's journeys use the same indices.
pub mod roles {
    pub const DEPLOYER: u32 = 0;
    pub const PROVIDER: u32 = 1;
    pub const AUDITOR: u32 = 2;
    pub const TENANT: u32 = 3;
    pub const HOLDER: u32 = 4;

    /// (key name, dev account index) of the accounts a local marketplace uses.
    pub const NAMED: [(&str, u32); 4] = [
        ("tenant", TENANT),
        ("provider", PROVIDER),
        ("auditor", AUDITOR),
        ("holder", HOLDER),
    ];
}

/// The Cosmos coin type (118) HD path of account `index`.
pub fn hd_path(index: u32) -> String {
    format!("m/44'/118'/0'/0/{index}")
}

#[derive(Debug, thiserror::Error)]
pub enum DevAccountError {
    #[error("mnemonic: {0}")]
    Mnemonic(String),
    #[error("key derivation: {0}")]
    Derivation(String),
}

/// One development account: its key material and address.
pub struct DevAccount {
    /// `dev0`, `dev1`, ...
    pub name: String,
    pub index: u32,
    pub hd_path: String,
    pub address: String,
    /// 32-byte secp256k1 secret key.
    pub private_key: [u8; 32],
    /// 33-byte compressed public key.
    pub public_key: Vec<u8>,
}

impl DevAccount {
    pub fn private_key_hex(&self) -> String {
        hex::encode(self.private_key)
    }

    /// A signing key for cosmrs txs.
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_slice(&self.private_key).expect("derived keys are valid")
    }
}

impl std::fmt::Debug for DevAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevAccount")
            .field("name", &self.name)
            .field("index", &self.index)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Derives account `index` of `mnemonic` with addresses under `bech32_prefix`.
pub fn derive_account(
    mnemonic: &str,
    index: u32,
    bech32_prefix: &str,
) -> Result<DevAccount, DevAccountError> {
    let mnemonic = Mnemonic::parse_in(Language::English, mnemonic)
        .map_err(|e| DevAccountError::Mnemonic(e.to_string()))?;
    let seed = mnemonic.to_seed("");
    let path_str = hd_path(index);
    let path: DerivationPath = path_str
        .parse()
        .map_err(|e: bip32::Error| DevAccountError::Derivation(e.to_string()))?;
    let xprv = XPrv::derive_from_path(seed, &path)
        .map_err(|e| DevAccountError::Derivation(e.to_string()))?;
    let private_key: [u8; 32] = xprv.private_key().to_bytes().into();
    let signing_key = SigningKey::from_slice(&private_key)
        .map_err(|e| DevAccountError::Derivation(e.to_string()))?;
    let public = signing_key.public_key();
    let address = public
        .account_id(bech32_prefix)
        .map_err(|e| DevAccountError::Derivation(e.to_string()))?
        .to_string();
    Ok(DevAccount {
        name: format!("dev{index}"),
        index,
        hd_path: path_str,
        address,
        private_key,
        public_key: public.to_bytes(),
    })
}

/// The first `count` accounts of [`DEV_MNEMONIC`].
pub fn dev_accounts(bech32_prefix: &str, count: u32) -> Vec<DevAccount> {
    (0..count)
        .map(|i| derive_account(DEV_MNEMONIC, i, bech32_prefix).expect("the dev mnemonic is valid"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_stable_and_distinct() {
        let accounts = dev_accounts("kumo", 3);
        assert_eq!(accounts.len(), 3);
        assert!(accounts.iter().all(|a| a.address.starts_with("kumo1")));
        assert_ne!(accounts[0].address, accounts[1].address);
        let again = derive_account(DEV_MNEMONIC, 1, "kumo").unwrap();
        assert_eq!(again.address, accounts[1].address);
        assert_eq!(again.private_key, accounts[1].private_key);
        assert_eq!(accounts[2].hd_path, "m/44'/118'/0'/0/2");
        // The same key under another prefix is the same account bytes.
        let cosmos = derive_account(DEV_MNEMONIC, 0, "cosmos").unwrap();
        assert_eq!(cosmos.public_key, accounts[0].public_key);
    }
}
