//! The messages Kumo sends, as protobuf `Any`s ready for a tx body.

use cosmrs::proto::cosmos::bank::v1beta1::MsgSend;
use cosmrs::proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmrs::proto::cosmwasm::wasm::v1::MsgExecuteContract;
use cosmrs::{AccountId, Any};
use cosmwasm_std::Coin;
use serde::Serialize;

use crate::config::is_valid_denom;
use crate::error::ClientError;

fn address(what: &str, address: &str) -> Result<(), ClientError> {
    address
        .parse::<AccountId>()
        .map(|_| ())
        .map_err(|e| ClientError::invalid(format!("{what} address '{address}'"), e))
}

/// Coins in the SDK's canonical form: positive amounts, valid denoms, sorted, no duplicates
/// (the SDK rejects anything else).
pub fn proto_coins(coins: &[Coin]) -> Result<Vec<ProtoCoin>, ClientError> {
    let mut sorted: Vec<&Coin> = coins.iter().collect();
    sorted.sort_by(|a, b| a.denom.cmp(&b.denom));
    for pair in sorted.windows(2) {
        if pair[0].denom == pair[1].denom {
            return Err(ClientError::invalid(
                "coins",
                format!("{} appears twice: add the amounts up", pair[0].denom),
            ));
        }
    }
    sorted
        .into_iter()
        .map(|coin| {
            if !is_valid_denom(&coin.denom) {
                return Err(ClientError::invalid(
                    "coins",
                    format!("'{}' is not a valid denom", coin.denom),
                ));
            }
            if coin.amount.is_zero() {
                return Err(ClientError::invalid(
                    "coins",
                    format!("the amount of {} is zero: leave it out", coin.denom),
                ));
            }
            Ok(ProtoCoin {
                denom: coin.denom.clone(),
                amount: coin.amount.to_string(),
            })
        })
        .collect()
}

fn to_any<M: cosmrs::proto::prost::Name>(msg: &M) -> Result<Any, ClientError> {
    Any::from_msg(msg).map_err(|e| ClientError::invalid(M::full_name(), e))
}

/// `MsgExecuteContract`: `msg` as JSON, with `funds` attached.
pub fn wasm_execute_msg<M: Serialize>(
    sender: &str,
    contract: &str,
    msg: &M,
    funds: &[Coin],
) -> Result<Any, ClientError> {
    address("sender", sender)?;
    address("contract", contract)?;
    let msg = serde_json::to_vec(msg).map_err(|e| ClientError::invalid("contract message", e))?;
    to_any(&MsgExecuteContract {
        sender: sender.to_string(),
        contract: contract.to_string(),
        msg,
        funds: proto_coins(funds)?,
    })
}

/// `MsgSend` of the bank module.
pub fn bank_send_msg(from: &str, to: &str, coins: &[Coin]) -> Result<Any, ClientError> {
    address("sender", from)?;
    address("recipient", to)?;
    if coins.is_empty() {
        return Err(ClientError::invalid("coins", "nothing to send"));
    }
    to_any(&MsgSend {
        from_address: from.to_string(),
        to_address: to.to_string(),
        amount: proto_coins(coins)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmrs::proto::prost::Message;
    use cosmwasm_std::coin;

    fn valid_address() -> String {
        AccountId::new("kumo", &[7u8; 20]).unwrap().to_string()
    }

    #[test]
    fn bank_send_is_canonical() {
        let to = valid_address();
        let any = bank_send_msg(&to, &to, &[coin(5, "uakt"), coin(1, "ibc/ABC")]).unwrap();
        assert_eq!(any.type_url, "/cosmos.bank.v1beta1.MsgSend");
        let msg = MsgSend::decode(any.value.as_slice()).unwrap();
        let denoms: Vec<_> = msg.amount.iter().map(|c| c.denom.as_str()).collect();
        assert_eq!(denoms, ["ibc/ABC", "uakt"]);
        assert!(bank_send_msg(&to, &to, &[]).is_err());
        assert!(bank_send_msg(&to, &to, &[coin(0, "uakt")]).is_err());
        assert!(bank_send_msg(&to, &to, &[coin(1, "uakt"), coin(2, "uakt")]).is_err());
        assert!(bank_send_msg(&to, &to, &[coin(1, "u")]).is_err());
        let err = bank_send_msg("kumo1nope", &to, &[coin(1, "uakt")]).unwrap_err();
        assert!(err.to_string().contains("sender address"), "{err}");
    }

    #[test]
    fn wasm_execute_carries_json_and_funds() {
        let addr = valid_address();
        let any = wasm_execute_msg(
            &addr,
            &addr,
            &serde_json::json!({"settle": {}}),
            &[coin(3, "uakt")],
        )
        .unwrap();
        assert_eq!(any.type_url, "/cosmwasm.wasm.v1.MsgExecuteContract");
        let msg = MsgExecuteContract::decode(any.value.as_slice()).unwrap();
        assert_eq!(msg.msg, br#"{"settle":{}}"#);
        assert_eq!(msg.funds[0].amount, "3");
    }
}
