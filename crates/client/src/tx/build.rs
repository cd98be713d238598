//! Tx bytes: signed with SIGN_MODE_DIRECT for broadcast, or with an empty signature for
//! Simulate (the SDK skips signature checks when simulating but counts the signer).

use cosmrs::proto::cosmos::tx::v1beta1::TxRaw;
use cosmrs::proto::prost::Message;
use cosmrs::tx::{Body, Fee, SignDoc, SignerInfo};
use cosmrs::Any;
use sha2::{Digest, Sha256};

use crate::error::ClientError;
use crate::keys::KeyPair;

fn tx_error(e: impl std::fmt::Display) -> ClientError {
    ClientError::invalid("transaction", e)
}

fn fee(gas_limit: u64, amount: Option<(&str, u128)>) -> Result<Fee, ClientError> {
    let amount = match amount {
        Some((denom, amount)) if amount > 0 => vec![cosmrs::Coin {
            denom: denom.parse().map_err(tx_error)?,
            amount,
        }],
        _ => vec![],
    };
    Ok(Fee {
        amount,
        gas_limit,
        payer: None,
        granter: None,
    })
}

/// A signed tx: `msgs` from `key`'s account at `sequence`, paying `fee_amount` of `fee_denom`
/// for `gas_limit`.
#[allow(clippy::too_many_arguments)]
pub fn signed_tx_bytes(
    key: &KeyPair,
    chain_id: &str,
    account_number: u64,
    sequence: u64,
    msgs: &[Any],
    gas_limit: u64,
    fee_denom: &str,
    fee_amount: u128,
) -> Result<Vec<u8>, ClientError> {
    let body = Body::new(msgs.to_vec(), "", 0u32);
    let auth_info = SignerInfo::single_direct(Some(key.public_key()), sequence)
        .auth_info(fee(gas_limit, Some((fee_denom, fee_amount)))?);
    let chain_id: tendermint::chain::Id = chain_id.parse().map_err(tx_error)?;
    let sign_doc = SignDoc::new(&body, &auth_info, &chain_id, account_number).map_err(tx_error)?;
    sign_doc
        .sign(key.signing_key())
        .and_then(|raw| raw.to_bytes())
        .map_err(tx_error)
}

/// The tx Simulate runs: same body and signer, no fee, an empty signature.
pub fn simulation_tx_bytes(
    key: &KeyPair,
    sequence: u64,
    msgs: &[Any],
) -> Result<Vec<u8>, ClientError> {
    let body = Body::new(msgs.to_vec(), "", 0u32);
    let auth_info =
        SignerInfo::single_direct(Some(key.public_key()), sequence).auth_info(fee(0, None)?);
    Ok(TxRaw {
        body_bytes: body.into_bytes().map_err(tx_error)?,
        auth_info_bytes: auth_info.into_bytes().map_err(tx_error)?,
        signatures: vec![Vec::new()],
    }
    .encode_to_vec())
}

/// CometBFT's tx hash: upper-case hex SHA-256 of the tx bytes.
pub fn tx_hash(tx: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(tx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::COSMOS_HD_PATH;
    use cosmrs::proto::cosmos::tx::v1beta1::{AuthInfo, TxBody};
    use cosmrs::tx::Raw;

    const MNEMONIC: &str = "test test test test test test test test test test test junk";

    #[test]
    fn signed_txs_verify_and_carry_what_was_asked() {
        let key = KeyPair::from_mnemonic(MNEMONIC, COSMOS_HD_PATH, "kumo").unwrap();
        let msg = crate::tx::bank_send_msg(
            key.address(),
            key.address(),
            &[cosmwasm_std::coin(5, "uakt")],
        )
        .unwrap();
        let bytes = signed_tx_bytes(
            &key,
            "kumo-devnet-1",
            7,
            3,
            &[msg.clone(), msg],
            140_000,
            "uakt",
            3_500,
        )
        .unwrap();
        let raw = TxRaw::decode(bytes.as_slice()).unwrap();
        let body = TxBody::decode(raw.body_bytes.as_slice()).unwrap();
        assert_eq!(body.messages.len(), 2);
        let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
        assert_eq!(auth.signer_infos[0].sequence, 3);
        let fee = auth.fee.unwrap();
        assert_eq!(fee.gas_limit, 140_000);
        assert_eq!(fee.amount[0].amount, "3500");

        // The signature is over the SIGN_MODE_DIRECT sign doc with this account number.
        let sign_doc = cosmrs::proto::cosmos::tx::v1beta1::SignDoc {
            body_bytes: raw.body_bytes.clone(),
            auth_info_bytes: raw.auth_info_bytes.clone(),
            chain_id: "kumo-devnet-1".into(),
            account_number: 7,
        }
        .encode_to_vec();
        let signature =
            cosmrs::crypto::secp256k1::Signature::from_slice(&raw.signatures[0]).unwrap();
        use cosmrs::crypto::secp256k1::VerifyingKey;
        let verifying = VerifyingKey::from_sec1_bytes(&key.public_key().to_bytes()).unwrap();
        use k256::ecdsa::signature::Verifier;
        verifying.verify(&sign_doc, &signature).unwrap();
        assert_eq!(tx_hash(&bytes).len(), 64);
        let _ = Raw::from_bytes(&bytes).unwrap();
    }

    #[test]
    fn simulation_txs_have_one_empty_signature_and_no_fee() {
        let key = KeyPair::from_mnemonic(MNEMONIC, COSMOS_HD_PATH, "kumo").unwrap();
        let bytes = simulation_tx_bytes(&key, 4, &[]).unwrap();
        let raw = TxRaw::decode(bytes.as_slice()).unwrap();
        assert_eq!(raw.signatures, vec![Vec::<u8>::new()]);
        let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
        assert!(auth.fee.unwrap().amount.is_empty());
        assert_eq!(auth.signer_infos[0].sequence, 4);
    }
}
