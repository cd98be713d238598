//! The full lifecycle from the issue: stake → propose a new take rate and a GPU pricing tier
//! → deposit → votes → pass → execute; the market then has the new params and enforces the
//! tier on bids.

use cosmwasm_std::{Decimal, Uint256};
use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{ProposalAction, ProposalStatus, TallyOutcome, VoteOption};
use kumo_types::market::{GpuPricingTier, MarketParamsUpdate, TakeRate};

use crate::suite::*;

fn h100_tier() -> GpuPricingTier {
    GpuPricingTier {
        name: "h100-tier".into(),
        models: vec!["h100".into()],
        denom: DENOM.into(),
        min_price: dec256("10"),
        max_price: dec256("50"),
    }
}

fn take_rate_and_tier() -> Vec<ProposalAction> {
    vec![
        ProposalAction::UpdateMarketParams(MarketParamsUpdate {
            take_rates: Some(vec![TakeRate {
                denom: DENOM.into(),
                rate: Decimal::percent(20),
            }]),
            ..Default::default()
        }),
        ProposalAction::SetGpuPricingTiers {
            tiers: vec![h100_tier()],
        },
    ]
}

#[test]
fn stake_propose_deposit_vote_pass_execute() {
    let mut s = Suite::new();
    s.register_gpu_provider("p1", 5 * COLLATERAL_PER_GPU);

    // Stake; the stakes count from the next block on.
    for (who, amount) in STAKERS {
        let res = s.stake(who, amount).unwrap();
        assert_eq!(
            kumo_events(&res),
            vec![KumoEvent::Staked {
                staker: s.addr(who),
                amount: uakt(amount),
            }]
        );
    }
    s.next_block();
    assert_eq!(s.total_power(None), Uint256::from(1000u128));

    // Submit with the minimum initial deposit (25% of 1000): deposit period.
    let proposer_before = s.balance_of("proposer");
    let res = s
        .gov_exec(
            "proposer",
            &kumo_types::governance::ExecuteMsg::SubmitProposal {
                title: "Take 20% and bound H100 prices".into(),
                description: "Raise the take rate; H100s between 10 and 50 per block.".into(),
                actions: take_rate_and_tier(),
                expedited: false,
            },
            &[uakt(250)],
        )
        .unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::ProposalSubmitted {
                id: 1,
                proposer: s.addr("proposer"),
                expedited: false,
            },
            KumoEvent::ProposalDeposited {
                id: 1,
                depositor: s.addr("proposer"),
                amount: uakt(250),
            },
        ]
    );
    let full = s.proposal_full(1);
    assert_eq!(full.actions, take_rate_and_tier());
    assert_eq!(full.proposal.status, ProposalStatus::DepositPeriod);
    assert_eq!(s.proposals(Some(ProposalStatus::DepositPeriod)), vec![1]);

    // Nobody can vote yet.
    assert_err(
        s.vote("alice", 1, VoteOption::Yes),
        ContractError::WrongStatus {
            id: 1,
            status: "deposit_period",
            expected: "voting_period",
        },
    );

    // A second depositor completes the minimum: voting starts in this block.
    s.next_block();
    let start_height = s.height();
    let res = s.deposit("bob", 1, 750).unwrap();
    let voting_end = s.now().plus_seconds(VOTING_PERIOD);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::ProposalDeposited {
                id: 1,
                depositor: s.addr("bob"),
                amount: uakt(750),
            },
            KumoEvent::VotingStarted {
                id: 1,
                start_height,
                voting_end,
            },
        ]
    );
    let proposal = s.proposal(1);
    assert_eq!(proposal.status, ProposalStatus::VotingPeriod);
    assert_eq!(proposal.start_height, Some(start_height));
    assert_eq!(proposal.total_power, Uint256::from(1000u128));
    assert_eq!(proposal.total_deposit, uakt(1000));
    assert_eq!(
        s.proposals(Some(ProposalStatus::DepositPeriod)),
        Vec::<u64>::new()
    );
    assert_eq!(s.proposals(Some(ProposalStatus::VotingPeriod)), vec![1]);

    // Votes: 400 + 100 yes, 300 no, 200 abstain.
    let res = s.vote("alice", 1, VoteOption::Yes).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::VoteCast {
            id: 1,
            voter: s.addr("alice"),
            power: Uint256::from(400u128),
            options: yes(),
        }]
    );
    s.vote("bob", 1, VoteOption::No).unwrap();
    s.vote("carol", 1, VoteOption::Abstain).unwrap();
    s.vote("dave", 1, VoteOption::Yes).unwrap();
    let live = s.tally_of(1);
    assert_eq!(live.tally, tally(500, 300, 200, 0));
    assert_eq!(live.outcome, Some(TallyOutcome::Passed));

    // Voting ends: tally, deposits refunded in full.
    let bob_before = s.balance_of("bob");
    let res = s.end_voting(1).unwrap();
    assert_eq!(
        kumo_events(&res),
        vec![KumoEvent::ProposalTallied {
            id: 1,
            status: ProposalStatus::Passed,
            outcome: TallyOutcome::Passed,
            burned: uakt(0),
        }]
    );
    assert_eq!(s.balance_of("proposer"), proposer_before);
    assert_eq!(s.balance_of("bob"), bob_before + Uint256::from(750u128));
    let proposal = s.proposal(1);
    assert_eq!(proposal.status, ProposalStatus::Passed);
    assert_eq!(
        proposal.executable_at,
        Some(voting_end.plus_seconds(TIMELOCK))
    );
    assert_eq!(s.deposits(1), vec![]);

    // Anyone executes after the timelock.
    s.advance(TIMELOCK);
    let res = s.execute(1).unwrap();
    let events = kumo_events(&res);
    assert_eq!(
        events
            .iter()
            .filter(|e| **e
                == KumoEvent::ParamsUpdated {
                    contract: "market".into()
                })
            .count(),
        2
    );
    assert!(events.contains(&KumoEvent::ProposalExecuted { id: 1 }));
    assert_eq!(s.proposal(1).status, ProposalStatus::Executed);
    assert_eq!(s.proposals(Some(ProposalStatus::Executed)), vec![1]);

    // The market has the new params...
    let params = s.market_params();
    assert_eq!(
        params.take_rates,
        vec![TakeRate {
            denom: DENOM.into(),
            rate: Decimal::percent(20),
        }]
    );
    assert_eq!(params.gpu_pricing_tiers, vec![h100_tier()]);
    assert_eq!(params.order_max_bids, market_params().order_max_bids);

    // ... and enforces the tier: a bid at 60 per H100 is refused, one at 40 accepted.
    let order = s.deploy_gpu_group(1, "100");
    assert_err(
        s.bid_h100("p1", &order, "60"),
        kumo_market::ContractError::PriceOutsideTier {
            model: "h100".into(),
            tier: "h100-tier".into(),
            price: "60uakt".into(),
            min: "10uakt".into(),
            max: "50uakt".into(),
        },
    );
    s.bid_h100("p1", &order, "40").unwrap();
}
