//! The ante handler: the SDK 0.50 default decorators in their order — basic validation, timeout,
//! memo, tx size gas, fee check and deduction, public keys, signature gas, signature and sequence
//! verification, sequence increment — with their gas, errors and `tx` events.

use std::rc::Rc;

use cosmrs::proto::cosmos::crypto::secp256k1::PubKey as Secp256k1PubKey;
use cosmrs::proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmrs::proto::cosmos::tx::v1beta1::mode_info;
use cosmrs::proto::prost::Message;
use cosmwasm_std::{Coin, Decimal256, Uint256};

use super::decode::DecodedTx;
use super::verify::{pub_key_address, sign_doc_bytes, verify_secp256k1};
use crate::app::auth::{self, SECP256K1_PUBKEY_TYPE_URL};
use crate::app::bank;
use crate::app::context::{Ctx, ExecMode};
use crate::app::error::{codes, AbciResult};
use crate::app::events::{names, Event};
use crate::app::gas::auth as auth_gas;

/// Size of the amino `StdSignature` the SDK assumes per missing signature when simulating
/// (a 33-byte key and a 64-byte signature, plus framing), plus its fixed 6 bytes.
const SIMULATED_SIGNATURE_BYTES: u64 = 112;

/// The key simulation assumes for an account without one (its size is what matters).
const SIMULATED_PUB_KEY: [u8; 33] = [0x02; 33];

/// A signer of the tx with what its signer info says.
struct Signer {
    address: Vec<u8>,
    bech32: String,
    pub_key: Option<Vec<u8>>,
    sequence: u64,
    signature: Vec<u8>,
    sign_mode_direct: bool,
}

/// The msgs' signers, each once, in order of first appearance (`GetSigners`).
pub fn signers(ctx: &Ctx, tx: &DecodedTx) -> AbciResult<Vec<(Vec<u8>, String)>> {
    let mut out: Vec<(Vec<u8>, String)> = Vec::new();
    for msg in &tx.msgs {
        let bech32 = msg.signer();
        let address = ctx
            .codec
            .decode(bech32)
            .map_err(|e| codes::INVALID_ADDRESS.wrap(format!("signer {bech32:?}: {e}")))?;
        if !out.iter().any(|(a, _)| *a == address) {
            out.push((address, bech32.to_string()));
        }
    }
    Ok(out)
}

fn decode_pub_key(any: &cosmrs::proto::Any) -> AbciResult<Vec<u8>> {
    if any.type_url != SECP256K1_PUBKEY_TYPE_URL {
        return Err(
            codes::INVALID_PUBKEY.wrap(format!("unrecognized public key type: {}", any.type_url))
        );
    }
    let key = Secp256k1PubKey::decode(any.value.as_slice())
        .map_err(|e| codes::INVALID_PUBKEY.wrap(e.to_string()))?
        .key;
    if key.len() != 33 {
        return Err(codes::INVALID_PUBKEY.wrap(format!(
            "secp256k1 public key must be 33 bytes, got {}",
            key.len()
        )));
    }
    Ok(key)
}

/// `ValidateBasic`, signer infos and signatures, paired with the signers.
fn collect_signers(ctx: &Ctx, tx: &DecodedTx) -> AbciResult<Vec<Signer>> {
    if tx.msgs.is_empty() {
        return Err(codes::INVALID_REQUEST.wrap("must contain at least one message"));
    }
    if tx.signatures.is_empty() {
        return Err(codes::NO_SIGNATURES.err());
    }
    let signers = signers(ctx, tx)?;
    if tx.signatures.len() != signers.len() {
        return Err(codes::UNAUTHORIZED.wrap(format!(
            "wrong number of signers; expected {}, got {}",
            signers.len(),
            tx.signatures.len()
        )));
    }
    if tx.auth_info.signer_infos.len() != signers.len() {
        return Err(codes::UNAUTHORIZED.wrap(format!(
            "invalid number of signer;  expected: {}, got {}",
            signers.len(),
            tx.auth_info.signer_infos.len()
        )));
    }
    signers
        .into_iter()
        .zip(&tx.auth_info.signer_infos)
        .zip(&tx.signatures)
        .map(|(((address, bech32), info), signature)| {
            let sign_mode_direct = matches!(
                info.mode_info.as_ref().and_then(|m| m.sum.as_ref()),
                Some(mode_info::Sum::Single(single)) if single.mode == SignMode::Direct as i32
            );
            Ok(Signer {
                address,
                bech32,
                pub_key: info.public_key.as_ref().map(decode_pub_key).transpose()?,
                sequence: info.sequence,
                signature: signature.clone(),
                sign_mode_direct,
            })
        })
        .collect()
}

/// The least fee for a gas limit: ceil(gas × min gas price).
pub fn required_fee(gas_limit: u64, min_gas_price: Decimal256) -> Uint256 {
    (Decimal256::from_ratio(gas_limit, 1u64) * min_gas_price).to_uint_ceil()
}

/// Runs the ante decorators; returns their events. `tx_len` is the tx's encoded size.
pub fn run(ctx: &Rc<Ctx>, tx: &DecodedTx, tx_len: usize) -> AbciResult<Vec<Event>> {
    let simulate = ctx.mode == ExecMode::Simulate;
    let signers = collect_signers(ctx, tx)?;

    // TxTimeoutHeightDecorator, ValidateMemoDecorator
    let timeout = tx.body.timeout_height;
    if timeout > 0 && ctx.block.height > timeout {
        return Err(codes::TX_TIMEOUT_HEIGHT.wrap(format!(
            "block height: {}, timeout height: {timeout}",
            ctx.block.height
        )));
    }
    let memo_chars = tx.body.memo.chars().count();
    if memo_chars > auth_gas::MAX_MEMO_CHARACTERS {
        return Err(codes::MEMO_TOO_LARGE.wrap(format!(
            "maximum number of characters is {} but received {memo_chars} characters",
            auth_gas::MAX_MEMO_CHARACTERS
        )));
    }

    // ConsumeGasForTxSizeDecorator
    ctx.consume_gas(auth_gas::TX_SIZE_COST_PER_BYTE * tx_len as u64, "txSize")?;
    if simulate {
        let missing = signers.iter().filter(|s| s.signature.is_empty()).count() as u64;
        ctx.consume_gas(
            auth_gas::TX_SIZE_COST_PER_BYTE * SIMULATED_SIGNATURE_BYTES * missing,
            "txSize",
        )?;
    }

    // DeductFeeDecorator
    let mut events = deduct_fee(ctx, tx, &signers)?;

    // SetPubKeyDecorator: a signer's first tx puts its key on the account. Simulation stands
    // in a placeholder key when none is given, so it pays for the same account write.
    for (i, signer) in signers.iter().enumerate() {
        let pub_key = match (&signer.pub_key, simulate) {
            (Some(key), _) => key.clone(),
            (None, true) => SIMULATED_PUB_KEY.to_vec(),
            (None, false) => continue,
        };
        if !simulate && pub_key_address(&pub_key) != signer.address {
            return Err(codes::INVALID_PUBKEY.wrap(format!(
                "pubKey does not match signer address {} with signer index: {i}",
                signer.bech32
            )));
        }
        let mut account = signer_account(ctx, signer)?;
        if account.pub_key.is_none() {
            account.pub_key = Some(pub_key);
            auth::set_account(ctx, &account)?;
        }
    }
    for signer in &signers {
        events.push(Event::new(names::TX).attr(
            names::ACC_SEQ,
            format!("{}/{}", signer.bech32, signer.sequence),
        ));
        events.push(Event::new(names::TX).attr(
            names::SIGNATURE,
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                &signer.signature,
            ),
        ));
    }

    // ValidateSigCountDecorator, SigGasConsumeDecorator
    if signers.len() > auth_gas::TX_SIG_LIMIT {
        return Err(codes::TOO_MANY_SIGNATURES.wrap(format!(
            "signatures: {}, limit: {}",
            signers.len(),
            auth_gas::TX_SIG_LIMIT
        )));
    }
    for signer in &signers {
        signer_account(ctx, signer)?;
        ctx.consume_gas(
            auth_gas::SIG_VERIFY_COST_SECP256K1,
            "ante verify: secp256k1",
        )?;
    }

    // SigVerificationDecorator
    for signer in &signers {
        let account = signer_account(ctx, signer)?;
        let pub_key = match (&account.pub_key, simulate) {
            (Some(key), _) => Some(key.clone()),
            (None, true) => None,
            (None, false) => {
                return Err(codes::INVALID_PUBKEY.wrap("pubkey on account is not set"));
            }
        };
        if signer.sequence != account.sequence {
            return Err(codes::WRONG_SEQUENCE.wrap(format!(
                "account sequence mismatch, expected {}, got {}",
                account.sequence, signer.sequence
            )));
        }
        if simulate {
            continue;
        }
        let account_number = if ctx.mode == ExecMode::Genesis {
            0
        } else {
            account.account_number
        };
        let chain_id = &ctx.block.chain_id;
        let verified = signer.sign_mode_direct
            && pub_key.is_some_and(|key| {
                let sign_bytes = sign_doc_bytes(
                    &tx.body_bytes,
                    &tx.auth_info_bytes,
                    chain_id,
                    account_number,
                );
                ctx.sig_cache
                    .verify(&sign_bytes, &key, &signer.signature, || {
                        verify_secp256k1(&key, &sign_bytes, &signer.signature)
                    })
            });
        if !verified {
            return Err(codes::UNAUTHORIZED.wrap(format!(
                "signature verification failed; please verify account number ({account_number}), \
                 sequence ({}) and chain-id ({chain_id})",
                account.sequence
            )));
        }
    }

    // IncrementSequenceDecorator
    for signer in &signers {
        let mut account = signer_account(ctx, signer)?;
        account.sequence += 1;
        auth::set_account(ctx, &account)?;
    }
    Ok(events)
}

fn signer_account(ctx: &Ctx, signer: &Signer) -> AbciResult<auth::Account> {
    auth::get_account(ctx, &signer.address)?.ok_or_else(|| {
        codes::UNKNOWN_ADDRESS.wrap(format!("account {} does not exist", signer.bech32))
    })
}

/// Checks the fee against the min gas price (not when simulating) and moves it from the fee
/// payer (the first signer, or a signer named as payer) to the fee collector.
fn deduct_fee(ctx: &Ctx, tx: &DecodedTx, signers: &[Signer]) -> AbciResult<Vec<Event>> {
    let fee = tx.auth_info.fee.clone().unwrap_or_default();
    if !fee.granter.is_empty() {
        return Err(codes::NOT_SUPPORTED.wrap("fee grants are not supported"));
    }
    let fee_coins = bank::coins_from_proto(&fee.amount)?;
    bank::validate_coins(&fee_coins, false)
        .map_err(|e| codes::INSUFFICIENT_FEE.wrap(format!("invalid fee amount: {}", e.log)))?;
    let payer = if fee.payer.is_empty() {
        &signers[0]
    } else {
        signers
            .iter()
            .find(|s| s.bech32 == fee.payer)
            .ok_or_else(|| codes::INVALID_REQUEST.wrap("fee payer must be a signer"))?
    };

    let checks_fee = matches!(ctx.mode, ExecMode::Check | ExecMode::Finalize);
    let min_gas_price = ctx.params.min_gas_price;
    if checks_fee && !min_gas_price.is_zero() {
        let required = required_fee(tx.gas_limit(), min_gas_price);
        let denom = &ctx.params.denom;
        let paid = fee_coins
            .iter()
            .find(|c| &c.denom == denom)
            .map_or(Uint256::zero(), |c| c.amount);
        if paid < required {
            return Err(codes::INSUFFICIENT_FEE.wrap(format!(
                "insufficient fees; got: {} required: {required}{denom}",
                bank::coins_string(&fee_coins)
            )));
        }
    }

    if auth::get_account(ctx, &payer.address)?.is_none() {
        return Err(codes::UNKNOWN_ADDRESS.wrap(format!(
            "fee payer address: {} does not exist",
            payer.bech32
        )));
    }
    let positive: Vec<Coin> = fee_coins
        .iter()
        .filter(|c| !c.amount.is_zero())
        .cloned()
        .collect();
    let mut events = Vec::new();
    if !positive.is_empty() {
        events = bank::send(
            ctx,
            &payer.address,
            &auth::fee_collector_address(),
            &positive,
        )
        .map_err(|e| {
            if e.is(codes::INSUFFICIENT_FUNDS) {
                codes::INSUFFICIENT_FUNDS.wrap(e.log)
            } else {
                e
            }
        })?;
    }
    events.push(
        Event::new(names::TX)
            .attr(names::FEE, bank::coins_string(&positive))
            .attr(names::FEE_PAYER, &payer.bech32),
    );
    Ok(events)
}
