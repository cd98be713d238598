//! The community pool: the contract's balance beyond what it owes. Market take and registry
//! slashes arrive as plain bank sends; proposals spend it.

use cosmwasm_std::{coin, Uint256};
use kumo_governance::ContractError;
use kumo_types::coins::FundsDestination;
use kumo_types::events::KumoEvent;
use kumo_types::governance::ProposalAction;
use kumo_types::market::{self, MarketParamsUpdate};
use kumo_types::ValidationError;

use crate::suite::*;

fn spend_to(s: &Suite, amount: Vec<cosmwasm_std::Coin>) -> ProposalAction {
    ProposalAction::CommunityPoolSpend {
        recipient: s.addr("recipient").to_string(),
        amount,
    }
}

#[test]
fn the_pool_excludes_stakes_claims_and_deposits() {
    let mut s = Suite::with_stakers();
    assert_eq!(s.pool(DENOM), Uint256::zero());
    let gov = s.gov.clone();
    s.send("donor", &gov, vec![uakt(700), coin(300, USDC)]);
    assert_eq!(s.pool(DENOM), Uint256::from(700u128));
    assert_eq!(s.pool(USDC), Uint256::from(300u128));

    // A held deposit and a pending claim are owed, not pool.
    s.propose(vec![]).unwrap();
    s.unstake("alice", 100).unwrap();
    assert_eq!(s.balance(&gov, DENOM), Uint256::from(1000u128 + 700 + 1000));
    assert_eq!(s.pool(DENOM), Uint256::from(700u128));
    assert_eq!(s.pool("uother"), Uint256::zero());
}

#[test]
fn the_market_take_flows_into_the_pool() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5 * COLLATERAL_PER_GPU);
    s.pass_and_execute(vec![ProposalAction::UpdateMarketParams(
        MarketParamsUpdate {
            take_destination: Some(FundsDestination::CommunityPool),
            ..Default::default()
        },
    )]);

    // A lease at 40 per block for 10 blocks; the provider withdraws 400 less 10% take.
    let order = s.deploy_gpu_group(1, "100");
    s.bid_h100("p1", &order, "40").unwrap();
    let lease = s.bid_id(&order, "p1");
    s.market_exec(
        "tenant",
        &market::ExecuteMsg::CreateLease { bid: lease.clone() },
        &[],
    )
    .unwrap();
    s.app.update_block(|b| {
        b.height += 10;
        b.time = b.time.plus_seconds(60);
    });
    s.market_exec("p1", &market::ExecuteMsg::WithdrawLease { id: lease }, &[])
        .unwrap();
    assert_eq!(s.pool(DENOM), Uint256::from(40u128));
}

#[test]
fn a_pool_spend_pays_the_recipient() {
    let mut s = Suite::with_stakers();
    let gov = s.gov.clone();
    s.send("donor", &gov, vec![uakt(1000), coin(500, USDC)]);
    let recipient = s.addr("recipient");
    let before = (s.balance(&recipient, DENOM), s.balance(&recipient, USDC));
    let amount = vec![uakt(300), coin(200, USDC)];
    let (id, res) = s.pass_and_execute(vec![spend_to(&s, amount.clone())]);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::PoolSpent {
                id,
                recipient: recipient.clone(),
                amount,
            },
            KumoEvent::ProposalExecuted { id },
        ]
    );
    assert_eq!(
        s.balance(&recipient, DENOM),
        before.0 + Uint256::from(300u128)
    );
    assert_eq!(
        s.balance(&recipient, USDC),
        before.1 + Uint256::from(200u128)
    );
    assert_eq!(s.pool(DENOM), Uint256::from(700u128));
    assert_eq!(s.pool(USDC), Uint256::from(300u128));
    // Stakes are untouched.
    assert_eq!(s.total_power(None), Uint256::from(1000u128));
}

#[test]
fn spends_beyond_the_pool_are_refused_at_submission() {
    let mut s = Suite::with_stakers();
    // Stakes are not pool, nor is the proposer's own deposit.
    let action = spend_to(&s, vec![uakt(1)]);
    assert_err(
        s.propose(vec![action]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::PoolInsufficient {
                available: uakt(0),
                requested: uakt(1),
            }),
        },
    );

    let gov = s.gov.clone();
    s.send("donor", &gov, vec![uakt(1000)]);
    let action = spend_to(&s, vec![uakt(1001)]);
    assert_err(
        s.propose(vec![action]),
        "actions[0]: community pool holds 1000uakt, cannot spend 1001uakt",
    );
    // Spends of one proposal add up.
    let actions = vec![spend_to(&s, vec![uakt(600)]), spend_to(&s, vec![uakt(600)])];
    assert_err(
        s.propose(actions),
        "actions[1]: community pool holds 400uakt, cannot spend 600uakt",
    );
    // Malformed spends.
    for amount in [vec![], vec![uakt(0)]] {
        let action = spend_to(&s, amount);
        assert_err(
            s.propose(vec![action]),
            ContractError::InvalidAction {
                index: 0,
                source: Box::new(ContractError::InvalidSpend { max: 16 }),
            },
        );
    }
    let action = spend_to(&s, vec![uakt(1), uakt(2)]);
    assert_err(
        s.propose(vec![action]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::Validation(ValidationError::new(
                "amount[1].denom",
                "uakt is listed twice",
            ))),
        },
    );
    let action = ProposalAction::CommunityPoolSpend {
        recipient: "nobody".into(),
        amount: vec![uakt(1)],
    };
    assert_err(
        s.propose(vec![action]),
        "actions[0]: invalid input: recipient: \"nobody\" is not an address: ",
    );
    assert_eq!(s.proposals(None), Vec::<u64>::new());
    // Exactly the pool is fine.
    let action = spend_to(&s, vec![uakt(1000)]);
    s.propose(vec![action]).unwrap();
}
