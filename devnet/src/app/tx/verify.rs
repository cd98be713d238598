//! SIGN_MODE_DIRECT secp256k1 signatures: the SignDoc over the tx's raw body and auth info
//! bytes, chain id and account number; sha256, ECDSA with low-S only, as the SDK verifies.

use cosmrs::proto::cosmos::tx::v1beta1::SignDoc;
use cosmrs::proto::prost::Message;
use k256::ecdsa::signature::Verifier;
use k256::ecdsa::{Signature, VerifyingKey};

/// The bytes a SIGN_MODE_DIRECT signer signs.
pub fn sign_doc_bytes(
    body_bytes: &[u8],
    auth_info_bytes: &[u8],
    chain_id: &str,
    account_number: u64,
) -> Vec<u8> {
    SignDoc {
        body_bytes: body_bytes.to_vec(),
        auth_info_bytes: auth_info_bytes.to_vec(),
        chain_id: chain_id.to_string(),
        account_number,
    }
    .encode_to_vec()
}

/// Verifies a 64-byte `r || s` signature of `message` (hashed with sha256) by a compressed
/// secp256k1 key. High-S signatures are rejected, as the SDK does against malleability.
pub fn verify_secp256k1(pub_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(pub_key) else {
        return false;
    };
    let Ok(signature) = Signature::from_slice(signature) else {
        return false;
    };
    if signature.normalize_s().is_some() {
        return false;
    }
    key.verify(message, &signature).is_ok()
}

/// The account address of a compressed secp256k1 key: ripemd160(sha256(key)). Computed on
/// the bytes, without decompressing the point; a malformed key fails verification later.
pub fn pub_key_address(pub_key: &[u8]) -> Vec<u8> {
    use ripemd::Ripemd160;
    use sha2::{Digest, Sha256};
    Ripemd160::digest(Sha256::digest(pub_key)).to_vec()
}
