//! The bank module: balances, supply, sends and burns, with the SDK 0.50 store layout
//! (`0x02 | len(addr) | addr | denom` → amount, `0x00 | denom` → supply) and its events.

use std::str::FromStr;

use cosmwasm_std::{Coin, Uint256};

use super::auth;
use super::context::{Ctx, Namespace};
use super::error::{codes, AbciResult};
use super::events::{names, Event};
use super::store::KeyBounds;

const SUPPLY_PREFIX: u8 = 0x00;
const BALANCES_PREFIX: u8 = 0x02;

fn balances_prefix(address: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(address.len() + 2);
    key.push(BALANCES_PREFIX);
    key.push(address.len() as u8);
    key.extend_from_slice(address);
    key
}

fn balance_key(address: &[u8], denom: &str) -> Vec<u8> {
    let mut key = balances_prefix(address);
    key.extend_from_slice(denom.as_bytes());
    key
}

fn supply_key(denom: &str) -> Vec<u8> {
    let mut key = vec![SUPPLY_PREFIX];
    key.extend_from_slice(denom.as_bytes());
    key
}

fn parse_amount(bytes: &[u8]) -> AbciResult<Uint256> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| Uint256::from_str(s).ok())
        .ok_or_else(|| codes::LOGIC.wrap("corrupt amount in store"))
}

pub fn balance(ctx: &Ctx, address: &[u8], denom: &str) -> AbciResult<Uint256> {
    ctx.kv_get(Namespace::Bank, &balance_key(address, denom))?
        .map_or(Ok(Uint256::zero()), |bytes| parse_amount(&bytes))
}

fn set_balance(ctx: &Ctx, address: &[u8], denom: &str, amount: Uint256) -> AbciResult<()> {
    let key = balance_key(address, denom);
    if amount.is_zero() {
        ctx.kv_delete(Namespace::Bank, &key)
    } else {
        ctx.kv_set(Namespace::Bank, &key, amount.to_string().into_bytes())
    }
}

/// A page of an account's balances, sorted by denom (the SDK's key pagination): from the
/// denom `start` (inclusive) or after skipping `offset`, at most `limit`; returns the balances,
/// the denom to continue from (empty when done) and, when `count_total`, the number of denoms.
pub fn balances_page(
    ctx: &Ctx,
    address: &[u8],
    start: Option<&[u8]>,
    offset: u64,
    limit: u64,
    count_total: bool,
    reverse: bool,
) -> AbciResult<(Vec<Coin>, Vec<u8>, u64)> {
    let prefix = balances_prefix(address);
    let mut bounds = KeyBounds::prefix(&prefix);
    if let Some(start) = start {
        let mut key = prefix.clone();
        key.extend_from_slice(start);
        if reverse {
            bounds.end = std::ops::Bound::Included(key);
        } else {
            bounds.start = std::ops::Bound::Included(key);
        }
    }
    let mut coins = Vec::new();
    let mut next_key = Vec::new();
    let mut seen = 0u64;
    while let Some((key, value)) = ctx.kv_first(Namespace::Bank, &bounds, !reverse)? {
        bounds.advance_past(&key, !reverse);
        seen += 1;
        if seen <= offset {
            continue;
        }
        if coins.len() as u64 == limit {
            if next_key.is_empty() {
                next_key = key[prefix.len()..].to_vec();
            }
            if !count_total {
                break;
            }
            continue;
        }
        ctx.charge_iter_item(Some((&key, &value)))?;
        let denom = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
        coins.push(Coin::new(parse_amount(&value)?, denom));
    }
    Ok((coins, next_key, if count_total { seen } else { 0 }))
}

pub fn supply(ctx: &Ctx, denom: &str) -> AbciResult<Uint256> {
    ctx.kv_get(Namespace::Bank, &supply_key(denom))?
        .map_or(Ok(Uint256::zero()), |bytes| parse_amount(&bytes))
}

fn set_supply(ctx: &Ctx, denom: &str, amount: Uint256) -> AbciResult<()> {
    ctx.kv_set(
        Namespace::Bank,
        &supply_key(denom),
        amount.to_string().into_bytes(),
    )
}

/// `subUnlockedCoins`: takes coins from an account, failing with insufficient funds.
fn sub_coins(ctx: &Ctx, address: &[u8], coins: &[Coin]) -> AbciResult<Event> {
    for coin in coins {
        let balance = balance(ctx, address, &coin.denom)?;
        if balance < coin.amount {
            return Err(codes::INSUFFICIENT_FUNDS.wrap(format!(
                "spendable balance {}{} is smaller than {}{}",
                balance, coin.denom, coin.amount, coin.denom
            )));
        }
        set_balance(ctx, address, &coin.denom, balance - coin.amount)?;
    }
    Ok(Event::new(names::COIN_SPENT)
        .attr(
            names::SPENDER,
            ctx.codec.encode(address).unwrap_or_default(),
        )
        .attr(names::AMOUNT, coins_string(coins)))
}

/// `addCoins`: credits coins to an account.
fn add_coins(ctx: &Ctx, address: &[u8], coins: &[Coin]) -> AbciResult<Event> {
    for coin in coins {
        let balance = balance(ctx, address, &coin.denom)?;
        let next = balance
            .checked_add(coin.amount)
            .map_err(|e| codes::INVALID_COINS.wrap(e.to_string()))?;
        set_balance(ctx, address, &coin.denom, next)?;
    }
    Ok(Event::new(names::COIN_RECEIVED)
        .attr(
            names::RECEIVER,
            ctx.codec.encode(address).unwrap_or_default(),
        )
        .attr(names::AMOUNT, coins_string(coins)))
}

/// `SendCoins`: moves coins, creating the recipient's account when it has none, and emits
/// `coin_spent`, `coin_received`, `transfer` and `message{sender}` as the SDK does.
pub fn send(ctx: &Ctx, from: &[u8], to: &[u8], coins: &[Coin]) -> AbciResult<Vec<Event>> {
    let spent = sub_coins(ctx, from, coins)?;
    let received = add_coins(ctx, to, coins)?;
    if !auth::has_account(ctx, to)? {
        auth::create_account(ctx, to)?;
    }
    let sender = ctx.codec.encode(from).unwrap_or_default();
    Ok(vec![
        spent,
        received,
        Event::new(names::TRANSFER)
            .attr(names::RECIPIENT, ctx.codec.encode(to).unwrap_or_default())
            .attr(names::SENDER, sender.clone())
            .attr(names::AMOUNT, coins_string(coins)),
        Event::new(names::MESSAGE).attr(names::SENDER, sender),
    ])
}

/// wasmd's burn handler: the contract sends to the wasm module account, which burns.
pub fn burn_from(ctx: &Ctx, from: &[u8], coins: &[Coin]) -> AbciResult<Vec<Event>> {
    let module = auth::wasm_module_address();
    let mut events = send(ctx, from, &module, coins)?;
    events.push(sub_coins(ctx, &module, coins)?);
    for coin in coins {
        let supply = supply(ctx, &coin.denom)?;
        set_supply(ctx, &coin.denom, supply.saturating_sub(coin.amount))?;
    }
    events.push(
        Event::new(names::BURN)
            .attr(names::BURNER, ctx.codec.encode(&module).unwrap_or_default())
            .attr(names::AMOUNT, coins_string(coins)),
    );
    Ok(events)
}

/// Genesis: credits an account and the supply, no events.
pub fn mint(ctx: &Ctx, to: &[u8], coins: &[Coin]) -> AbciResult<()> {
    add_coins(ctx, to, coins)?;
    for coin in coins {
        let supply = supply(ctx, &coin.denom)?;
        set_supply(ctx, &coin.denom, supply + coin.amount)?;
    }
    Ok(())
}

// --- coins ---------------------------------------------------------------------------------

/// `sdk.Coins.String()`: "10uakt,5ufoo".
pub fn coins_string(coins: &[Coin]) -> String {
    coins
        .iter()
        .map(|c| format!("{}{}", c.amount, c.denom))
        .collect::<Vec<_>>()
        .join(",")
}

/// The SDK's denom rule: `[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`.
pub fn is_valid_denom(denom: &str) -> bool {
    let mut chars = denom.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    first_ok
        && (3..=128).contains(&denom.len())
        && chars.all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c))
}

/// `sdk.Coins.Validate()` (sorted, unique, valid denoms) plus all-positive when `positive`.
pub fn validate_coins(coins: &[Coin], positive: bool) -> AbciResult<()> {
    for (i, coin) in coins.iter().enumerate() {
        if !is_valid_denom(&coin.denom) {
            return Err(codes::INVALID_COINS.wrap(format!("invalid denom: {}", coin.denom)));
        }
        if positive && coin.amount.is_zero() {
            return Err(codes::INVALID_COINS.wrap(coins_string(coins)));
        }
        if i > 0 && coins[i - 1].denom >= coin.denom {
            return Err(codes::INVALID_COINS.wrap(format!(
                "{}: coins must be sorted by denom and unique",
                coins_string(coins)
            )));
        }
    }
    Ok(())
}

/// Coins from a protobuf message (amounts as decimal strings).
pub fn coins_from_proto(
    coins: &[cosmrs::proto::cosmos::base::v1beta1::Coin],
) -> AbciResult<Vec<Coin>> {
    coins
        .iter()
        .map(|c| {
            Uint256::from_str(&c.amount)
                .map(|amount| Coin::new(amount, c.denom.clone()))
                .map_err(|_| codes::INVALID_COINS.wrap(format!("invalid amount {:?}", c.amount)))
        })
        .collect()
}

/// Contract-sent coins as wasmd converts them: merged per denom, sorted, zeros dropped.
pub fn normalize_coins(coins: &[Coin]) -> AbciResult<Vec<Coin>> {
    let mut merged: std::collections::BTreeMap<&str, Uint256> = Default::default();
    for coin in coins {
        if !is_valid_denom(&coin.denom) {
            return Err(codes::INVALID_COINS.wrap(format!("invalid denom: {}", coin.denom)));
        }
        let entry = merged.entry(coin.denom.as_str()).or_default();
        *entry = entry
            .checked_add(coin.amount)
            .map_err(|e| codes::INVALID_COINS.wrap(e.to_string()))?;
    }
    Ok(merged
        .into_iter()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(denom, amount)| Coin::new(amount, denom))
        .collect())
}
