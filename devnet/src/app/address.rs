//! Addresses: bech32 with the chain's prefix, module accounts, and wasmd's contract address
//! derivations (classic sequence-based and instantiate2's predictable one).

use bech32::primitives::decode::CheckedHrpstring;
use bech32::{Bech32, Hrp};
use sha2::{Digest, Sha256};

/// The SDK's `address.MaxAddrLen`.
pub const MAX_ADDRESS_LEN: usize = 255;
/// wasmd's `ContractAddrLen`.
pub const CONTRACT_ADDRESS_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("empty address string is not allowed")]
    Empty,
    #[error("decoding bech32 failed: {0}")]
    Bech32(String),
    #[error("invalid Bech32 prefix; expected {expected}, got {got}")]
    WrongPrefix { expected: String, got: String },
    #[error("address max length is {MAX_ADDRESS_LEN}, got {0}")]
    TooLong(usize),
    #[error("addresses cannot be empty")]
    NoBytes,
}

/// Encodes and decodes account addresses for one bech32 prefix, as the SDK's address codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressCodec {
    hrp: Hrp,
}

impl AddressCodec {
    pub fn new(prefix: &str) -> Result<Self, AddressError> {
        let hrp = Hrp::parse(prefix).map_err(|e| AddressError::Bech32(e.to_string()))?;
        if hrp.as_str() != prefix || prefix.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(AddressError::Bech32(format!(
                "prefix {prefix:?} must be lowercase"
            )));
        }
        Ok(Self { hrp })
    }

    pub fn prefix(&self) -> &str {
        self.hrp.as_str()
    }

    /// The bech32 string of raw address bytes (1 to 255 bytes).
    pub fn encode(&self, bytes: &[u8]) -> Result<String, AddressError> {
        verify_length(bytes)?;
        bech32::encode::<Bech32>(self.hrp, bytes).map_err(|e| AddressError::Bech32(e.to_string()))
    }

    /// `sdk.AccAddressFromBech32`: bech32 (not bech32m) with this prefix, 1 to 255 bytes.
    pub fn decode(&self, address: &str) -> Result<Vec<u8>, AddressError> {
        if address.trim().is_empty() {
            return Err(AddressError::Empty);
        }
        let checked = CheckedHrpstring::new::<Bech32>(address)
            .map_err(|e| AddressError::Bech32(e.to_string()))?;
        let hrp = checked.hrp();
        if hrp.to_lowercase() != self.hrp.as_str() {
            return Err(AddressError::WrongPrefix {
                expected: self.prefix().to_string(),
                got: hrp.to_lowercase(),
            });
        }
        let bytes: Vec<u8> = checked.byte_iter().collect();
        verify_length(&bytes)?;
        Ok(bytes)
    }

    /// Decodes and requires the canonical (lowercase) spelling, as wasmd's `addr_validate`.
    pub fn decode_normalized(&self, address: &str) -> Result<Vec<u8>, AddressError> {
        let bytes = self.decode(address)?;
        if self.encode(&bytes)? != address {
            return Err(AddressError::Bech32("address not normalized".to_string()));
        }
        Ok(bytes)
    }
}

fn verify_length(bytes: &[u8]) -> Result<(), AddressError> {
    match bytes.len() {
        0 => Err(AddressError::NoBytes),
        n if n > MAX_ADDRESS_LEN => Err(AddressError::TooLong(n)),
        _ => Ok(()),
    }
}

/// The SDK's `address.Hash(typ, key)`: sha256(sha256(typ) || key).
fn typed_hash(typ: &str, key: &[u8]) -> [u8; 32] {
    let type_hash = Sha256::digest(typ.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(type_hash);
    hasher.update(key);
    hasher.finalize().into()
}

/// A module account's address: `authtypes.NewModuleAddress(name)` = sha256(name)[..20].
pub fn module_address(name: &str) -> Vec<u8> {
    Sha256::digest(name.as_bytes())[..20].to_vec()
}

/// wasmd's `BuildContractAddressClassic(codeID, instanceID)`.
pub fn classic_contract_address(code_id: u64, instance_id: u64) -> Vec<u8> {
    let mut key = b"wasm\0".to_vec();
    key.extend_from_slice(&code_id.to_be_bytes());
    key.extend_from_slice(&instance_id.to_be_bytes());
    typed_hash("module", &key)[..CONTRACT_ADDRESS_LEN].to_vec()
}

/// wasmd's `BuildContractAddressPredictable(checksum, creator, salt, initMsg)`; `init_msg` is
/// empty unless the instantiate2 message sets `fix_msg`.
pub fn predictable_contract_address(
    checksum: &[u8],
    creator: &[u8],
    salt: &[u8],
    init_msg: &[u8],
) -> Vec<u8> {
    let mut key = b"wasm\0".to_vec();
    for part in [checksum, creator, salt, init_msg] {
        key.extend_from_slice(&(part.len() as u64).to_be_bytes());
        key.extend_from_slice(part);
    }
    typed_hash("module", &key)[..CONTRACT_ADDRESS_LEN].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{instantiate2_address, CanonicalAddr};

    #[test]
    fn round_trip_and_prefix_check() {
        let codec = AddressCodec::new("kumo").unwrap();
        let bytes = vec![7u8; 20];
        let addr = codec.encode(&bytes).unwrap();
        assert!(addr.starts_with("kumo1"));
        assert_eq!(codec.decode(&addr).unwrap(), bytes);
        assert_eq!(codec.decode(&addr.to_uppercase()).unwrap(), bytes);
        assert!(codec.decode_normalized(&addr.to_uppercase()).is_err());
        let other = AddressCodec::new("cosmos").unwrap();
        assert!(matches!(
            other.decode(&addr),
            Err(AddressError::WrongPrefix { .. })
        ));
        assert_eq!(codec.decode(""), Err(AddressError::Empty));
        assert!(codec.decode("kumo1qqqqqq").is_err());
    }

    #[test]
    fn instantiate2_matches_cosmwasm_std() {
        let checksum = [0x13u8; 32];
        let creator = vec![0x42u8; 20];
        let salt = b"kumo-salt";
        let ours = predictable_contract_address(&checksum, &creator, salt, b"");
        let theirs = instantiate2_address(&checksum, &CanonicalAddr::from(creator), salt).unwrap();
        assert_eq!(ours, theirs.to_vec());
    }

    #[test]
    fn classic_address_matches_wasmd_vector() {
        // The first contract (code 1, instance 1) of every wasmd chain: "<prefix>14hj2tav...".
        let codec = AddressCodec::new("wasm").unwrap();
        let addr = codec.encode(&classic_contract_address(1, 1)).unwrap();
        let data_part = &addr[..addr.len() - 6];
        assert_eq!(
            data_part,
            "wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s"
        );
    }
}
