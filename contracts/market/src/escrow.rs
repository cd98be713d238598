//! Escrow arithmetic, free of storage: lazy settlement of payment streams in exact integer
//! math, and deposits drawn in the order they were made.

use cosmwasm_std::{Addr, Decimal256, OverflowError, OverflowOperation, Uint256};
use kumo_types::market::{Depositor, EscrowAccount, Payment, MAX_DEPOSITORS};

use crate::error::ContractError;

/// How a settlement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Every active payment was paid up to the settlement height.
    Paid,
    /// The balance covered payments only up to `at_height`; the active leases must close.
    RanDry { at_height: u64 },
}

fn overflow() -> OverflowError {
    OverflowError::new(OverflowOperation::Mul)
}

/// What a payment has earned over `blocks` more blocks: whole units to transfer now, and the
/// fraction to carry to the next settlement.
pub fn accrue(payment: &Payment, blocks: u64) -> Result<(Uint256, Decimal256), OverflowError> {
    let blocks = Decimal256::checked_from_ratio(blocks, 1u64).map_err(|_| overflow())?;
    let exact = payment
        .rate
        .checked_mul(blocks)?
        .checked_add(payment.carry)?;
    let whole = exact.floor();
    Ok((whole.to_uint_floor(), exact - whole))
}

fn total_owed(payments: &[Payment], blocks: u64) -> Result<Uint256, OverflowError> {
    payments.iter().try_fold(Uint256::zero(), |sum, p| {
        sum.checked_add(accrue(p, blocks)?.0)
    })
}

/// Settles the active payments of an account up to `height`. When the balance can't cover all
/// the elapsed blocks, pays the most whole blocks it can cover and reports where it ran dry;
/// what is left (less than one block's worth) stays in the account for the depositors.
pub fn settle(
    account: &mut EscrowAccount,
    payments: &mut [Payment],
    height: u64,
) -> Result<Settlement, ContractError> {
    let from = account.settled_at;
    let elapsed = height.saturating_sub(from);
    if elapsed == 0 || payments.is_empty() {
        account.settled_at = from.max(height);
        return Ok(Settlement::Paid);
    }
    let (blocks, dry) = if total_owed(payments, elapsed)? <= account.balance {
        (elapsed, false)
    } else {
        // owed(lo) fits the balance, owed(hi) does not; owed(0) is 0 since every carry < 1.
        let (mut lo, mut hi) = (0u64, elapsed);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if total_owed(payments, mid)? <= account.balance {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo, true)
    };
    for payment in payments.iter_mut() {
        let (whole, carry) = accrue(payment, blocks)?;
        payment.carry = carry;
        payment.unwithdrawn = payment.unwithdrawn.checked_add(whole)?;
        draw(account, whole)?;
        account.transferred = account.transferred.checked_add(whole)?;
    }
    account.settled_at = height;
    Ok(if dry {
        Settlement::RanDry {
            at_height: from + blocks,
        }
    } else {
        Settlement::Paid
    })
}

/// Takes `amount` out of the balance, from the earliest depositors first.
pub fn draw(account: &mut EscrowAccount, amount: Uint256) -> Result<(), OverflowError> {
    account.balance = account.balance.checked_sub(amount)?;
    let mut left = amount;
    for depositor in account.depositors.iter_mut() {
        let taken = left.min(depositor.remaining);
        depositor.remaining -= taken;
        left -= taken;
        if left.is_zero() {
            break;
        }
    }
    Ok(())
}

/// Credits a deposit to its depositor. Emptied entries make room for new depositors.
pub fn add_deposit(
    account: &mut EscrowAccount,
    depositor: &Addr,
    amount: Uint256,
) -> Result<(), ContractError> {
    account.balance = account.balance.checked_add(amount)?;
    if let Some(entry) = account
        .depositors
        .iter_mut()
        .find(|d| d.address == *depositor)
    {
        entry.remaining = entry.remaining.checked_add(amount)?;
        return Ok(());
    }
    account.depositors.retain(|d| !d.remaining.is_zero());
    if account.depositors.len() >= MAX_DEPOSITORS {
        return Err(ContractError::TooManyDepositors(account.id.to_string()));
    }
    account.depositors.push(Depositor {
        address: depositor.clone(),
        remaining: amount,
    });
    Ok(())
}

/// Empties the account, returning what each depositor gets back.
pub fn drain_refunds(account: &mut EscrowAccount) -> Vec<(Addr, Uint256)> {
    account.balance = Uint256::zero();
    std::mem::take(&mut account.depositors)
        .into_iter()
        .filter(|d| !d.remaining.is_zero())
        .map(|d| (d.address, d.remaining))
        .collect()
}

/// Whole blocks the balance still pays at the payments' combined rate; `None` with no stream.
pub fn blocks_remaining(account: &EscrowAccount, payments: &[Payment]) -> Option<u64> {
    let rate = payments
        .iter()
        .fold(Decimal256::zero(), |sum, p| sum + p.rate);
    if rate.is_zero() {
        return None;
    }
    let carried = payments
        .iter()
        .fold(Decimal256::zero(), |sum, p| sum + p.carry);
    // Where the balance or the quotient leaves Decimal256's range (about 1.16e59), the balance
    // pays more blocks than a u64 counts: the rate is positive and bounded by the unit limits.
    let blocks = Decimal256::checked_from_ratio(account.balance, 1u64)
        .ok()
        .and_then(|balance| balance.checked_add(carried).ok())
        .and_then(|total| total.checked_div(rate).ok());
    let Some(blocks) = blocks.map(|b| b.to_uint_floor()) else {
        return Some(u64::MAX);
    };
    Some(cosmwasm_std::Uint64::try_from(blocks).map_or(u64::MAX, |b| b.u64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kumo_types::ids::DeploymentId;

    fn account(balance: u128) -> EscrowAccount {
        EscrowAccount {
            id: DeploymentId::new("owner", 1),
            denom: "uakt".into(),
            balance: Uint256::from(balance),
            depositors: vec![Depositor {
                address: Addr::unchecked("owner"),
                remaining: Uint256::from(balance),
            }],
            transferred: Uint256::zero(),
            settled_at: 100,
        }
    }

    fn payment(rate: &str) -> Payment {
        Payment {
            lease: DeploymentId::new("owner", 1)
                .group(1)
                .order(1)
                .bid(&Addr::unchecked("p")),
            rate: rate.parse().unwrap(),
            carry: Decimal256::zero(),
            unwithdrawn: Uint256::zero(),
            withdrawn: Uint256::zero(),
            active: true,
        }
    }

    #[test]
    fn fractional_rates_carry_instead_of_dropping() {
        // 0.3 per block over 10 blocks is exactly 3, whether settled once or block by block.
        let mut once = account(1000);
        let mut p1 = [payment("0.3")];
        settle(&mut once, &mut p1, 110).unwrap();
        let mut stepwise = account(1000);
        let mut p2 = [payment("0.3")];
        for h in 101..=110 {
            settle(&mut stepwise, &mut p2, h).unwrap();
        }
        assert_eq!(p1[0].unwithdrawn, Uint256::from(3u8));
        assert_eq!(p2[0].unwithdrawn, Uint256::from(3u8));
        assert_eq!(p1[0].carry, p2[0].carry);
        assert_eq!(stepwise.balance, Uint256::from(997u16));
        assert_eq!(stepwise.transferred, Uint256::from(3u8));
    }

    #[test]
    fn running_dry_pays_whole_blocks_only() {
        // Two streams at 3 and 4 per block: 7 per block; 50 pays 7 blocks (49), 1 stays.
        let mut acc = account(50);
        let mut ps = [payment("3"), payment("4")];
        let outcome = settle(&mut acc, &mut ps, 200).unwrap();
        assert_eq!(outcome, Settlement::RanDry { at_height: 107 });
        assert_eq!(ps[0].unwithdrawn, Uint256::from(21u8));
        assert_eq!(ps[1].unwithdrawn, Uint256::from(28u8));
        assert_eq!(acc.balance, Uint256::one());
        assert_eq!(acc.depositors[0].remaining, Uint256::one());
        assert_eq!(acc.settled_at, 200);
    }

    #[test]
    fn exact_balance_is_not_dry() {
        let mut acc = account(70);
        let mut ps = [payment("7")];
        assert_eq!(settle(&mut acc, &mut ps, 110).unwrap(), Settlement::Paid);
        assert!(acc.balance.is_zero());
        assert_eq!(
            settle(&mut acc, &mut ps, 111).unwrap(),
            Settlement::RanDry { at_height: 110 }
        );
    }

    #[test]
    fn deposits_are_drawn_first_in_first_out() {
        let mut acc = account(10);
        add_deposit(&mut acc, &Addr::unchecked("friend"), Uint256::from(5u8)).unwrap();
        add_deposit(&mut acc, &Addr::unchecked("owner"), Uint256::from(1u8)).unwrap();
        draw(&mut acc, Uint256::from(12u8)).unwrap();
        let refunds = drain_refunds(&mut acc);
        assert_eq!(
            refunds,
            vec![(Addr::unchecked("friend"), Uint256::from(4u8))]
        );
        assert!(acc.balance.is_zero());
        assert!(draw(&mut acc, Uint256::one()).is_err());
    }

    #[test]
    fn depositor_count_is_bounded() {
        let mut acc = account(1);
        for i in 1..MAX_DEPOSITORS {
            add_deposit(&mut acc, &Addr::unchecked(format!("d{i}")), Uint256::one()).unwrap();
        }
        let err =
            add_deposit(&mut acc, &Addr::unchecked("one-too-many"), Uint256::one()).unwrap_err();
        assert!(matches!(err, ContractError::TooManyDepositors(_)));
        // Once an entry is spent, its slot is reused.
        draw(&mut acc, Uint256::one()).unwrap();
        add_deposit(&mut acc, &Addr::unchecked("one-too-many"), Uint256::one()).unwrap();
    }

    #[test]
    fn blocks_remaining_estimate() {
        let acc = account(100);
        assert_eq!(blocks_remaining(&acc, &[]), None);
        assert_eq!(
            blocks_remaining(&acc, &[payment("3"), payment("4")]),
            Some(14)
        );
    }
}
