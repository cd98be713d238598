//! Property test: whatever sequence of bonds, unbonds, claims, slashes and lease changes
//! happens, the registry's bank balance equals the collateral it holds, and no token is
//! created or lost (burned tokens leave the supply, everything else is in some account).

use cosmwasm_std::Decimal;
use proptest::prelude::*;

use kumo_types::registry::MAX_UNBONDING_ENTRIES;

use crate::suite::{Suite, UNBONDING_PERIOD};

#[derive(Debug, Clone)]
enum Op {
    Bond(usize, u128),
    Unbond(usize, u128),
    Claim(usize),
    Advance(u64),
    Slash(usize, u64),
    Lease(usize, u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..2usize, 1..5_000u128).prop_map(|(p, a)| Op::Bond(p, a)),
        (0..2usize, 1..5_000u128).prop_map(|(p, a)| Op::Unbond(p, a)),
        (0..2usize).prop_map(Op::Claim),
        (0..UNBONDING_PERIOD).prop_map(Op::Advance),
        (0..2usize, 1..=1_000u64).prop_map(|(p, permille)| Op::Slash(p, permille)),
        (0..2usize, 0..4u64).prop_map(|(p, gpus)| Op::Lease(p, gpus)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn collateral_is_fully_accounted(ops in prop::collection::vec(op(), 1..40)) {
        let mut suite = Suite::new();
        let providers = [suite.addr("provider"), suite.addr("provider2")];
        for p in &providers {
            suite.register(p).unwrap();
        }
        let governance = suite.governance.clone();
        let accounts = [
            providers[0].clone(),
            providers[1].clone(),
            governance.clone(),
            suite.registry.clone(),
        ];
        let total = |s: &Suite| -> u128 { accounts.iter().map(|a| s.balance(a)).sum() };
        let start_supply = suite.supply();
        let start_total = total(&suite);

        for op in ops {
            // Refusals are fine; what matters is that state stays consistent.
            let _ = match op {
                Op::Bond(p, a) => suite.bond(&providers[p], a).map(drop),
                Op::Unbond(p, a) => suite.unbond(&providers[p], a).map(drop),
                Op::Claim(p) => suite.claim(&providers[p]).map(drop),
                Op::Advance(secs) => {
                    suite.advance(secs);
                    Ok(())
                }
                Op::Slash(p, permille) => {
                    let fraction = Decimal::permille(permille).to_string();
                    suite.slash(&governance, &providers[p], &fraction, "fault").map(drop)
                }
                Op::Lease(p, gpus) => {
                    suite.set_stats(&providers[p], gpus.min(1), gpus);
                    Ok(())
                }
            };

            let held: u128 = providers.iter().map(|p| suite.held_for(p)).sum();
            prop_assert_eq!(suite.balance(&suite.registry), held);
            let burned = start_supply - suite.supply();
            prop_assert_eq!(total(&suite) + burned, start_total);
            for p in &providers {
                let entries = suite.collateral(p).unbonding;
                prop_assert!(entries.len() <= MAX_UNBONDING_ENTRIES);
                prop_assert!(entries.iter().all(|e| !e.amount.is_zero()));
            }
        }
    }
}
