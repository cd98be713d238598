//! Adversarial inputs: late votes, votes without power, oversized proposals, malformed split
//! votes, params that would break the market or governance, calls of the internal dispatch,
//! and funds sent where nothing accounts for them.

use cosmwasm_std::Decimal;
use cw_multi_test::Executor;
use kumo_governance::ContractError;
use kumo_types::governance::{
    ExecuteMsg, GovernanceParamsUpdate, InstantiateMsg, ProposalAction, ProposalStatus, VoteOption,
    WeightedVoteOption, MAX_ACTIONS_BYTES,
};
use kumo_types::market::{GpuPricingTier, MarketParamsUpdate, TakeRate};
use kumo_types::registry::RegistryParamsUpdate;
use kumo_types::ValidationError;

use crate::suite::*;

fn invalid_action(index: usize, field: &str, reason: &str) -> ContractError {
    ContractError::InvalidAction {
        index,
        source: Box::new(ContractError::Validation(ValidationError::new(
            field, reason,
        ))),
    }
}

fn governance_update(update: GovernanceParamsUpdate) -> ProposalAction {
    ProposalAction::UpdateGovernanceParams(Box::new(update))
}

#[test]
fn votes_end_at_the_voting_end() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let end = s.proposal(id).voting_end_time.unwrap();
    s.advance_to(end.minus_seconds(1));
    s.vote("alice", id, VoteOption::Yes).unwrap();
    s.advance_to(end);
    assert_err(
        s.vote("bob", id, VoteOption::No),
        ContractError::VotingEnded { id, ended_at: end },
    );
    // Nor may alice change her mind.
    assert_err(
        s.vote("alice", id, VoteOption::No),
        ContractError::VotingEnded { id, ended_at: end },
    );
    s.tally(id).unwrap();
    assert_eq!(s.proposal(id).tally, tally(400, 0, 0, 0));
    assert_err(
        s.vote("bob", id, VoteOption::No),
        ContractError::WrongStatus {
            id,
            status: "passed",
            expected: "voting_period",
        },
    );
    // A second tally is refused.
    assert_err(
        s.tally(id),
        ContractError::WrongStatus {
            id,
            status: "passed",
            expected: "voting_period",
        },
    );
}

#[test]
fn accounts_without_power_cannot_vote() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let start = s.proposal(id).start_height.unwrap();
    assert_err(
        s.vote("stranger", id, VoteOption::Yes),
        ContractError::NoVotingPower {
            id,
            voter: s.addr("stranger").to_string(),
            height: start,
        },
    );
    assert_eq!(s.vote_of(id, "stranger").vote, None);
    assert_err(
        s.vote("alice", 77, VoteOption::Yes),
        ContractError::ProposalNotFound { id: 77 },
    );
}

#[test]
fn oversized_proposals_are_refused() {
    let mut s = Suite::with_stakers();
    let clear_auditors = ProposalAction::SetCertifiedAuditors { auditors: vec![] };
    assert_err(
        s.propose(vec![clear_auditors; 11]),
        ContractError::Validation(ValidationError::new(
            "actions",
            "11 actions, at most 10 allowed",
        )),
    );

    let auditors: Vec<String> = (0..32)
        .map(|i| s.addr(&format!("a{i}")).to_string())
        .collect();
    let big = vec![ProposalAction::SetCertifiedAuditors { auditors }; 8];
    let size = cosmwasm_std::to_json_vec(&big).unwrap().len();
    assert!(size > MAX_ACTIONS_BYTES);
    assert_err(
        s.propose(big.clone()),
        ContractError::Validation(ValidationError::new(
            "actions",
            format!("{size} bytes serialized, at most {MAX_ACTIONS_BYTES} allowed"),
        )),
    );
    // Seven of them fit.
    s.propose(big[..7].to_vec()).unwrap();

    let submit = |title: String, description: String| ExecuteMsg::SubmitProposal {
        title,
        description,
        actions: vec![],
        expedited: false,
    };
    let title_error = ContractError::Validation(ValidationError::new(
        "title",
        "must be 1-140 bytes of printable text, not blank",
    ));
    for title in ["x".repeat(141), " ".into(), "two\nlines".into()] {
        assert_err(
            s.gov_exec(
                "proposer",
                &submit(title, "why".into()),
                &[uakt(MIN_DEPOSIT)],
            ),
            title_error.to_string(),
        );
    }
    let description_error = ContractError::Validation(ValidationError::new(
        "description",
        "must be 1-10000 bytes, not blank",
    ));
    for description in ["d".repeat(10_001), "\n".into()] {
        assert_err(
            s.gov_exec(
                "proposer",
                &submit("Title".into(), description),
                &[uakt(MIN_DEPOSIT)],
            ),
            description_error.to_string(),
        );
    }
    s.gov_exec(
        "proposer",
        &submit("x".repeat(140), "d".repeat(10_000)),
        &[uakt(MIN_DEPOSIT)],
    )
    .unwrap();
}

#[test]
fn malformed_split_votes_are_refused() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let w = |o, x: &str| WeightedVoteOption::new(o, dec(x));
    let cases = [
        (
            vec![w(VoteOption::Yes, "0.5"), w(VoteOption::Yes, "0.5")],
            ValidationError::new("options[1].option", "yes is listed twice"),
        ),
        (
            vec![w(VoteOption::Yes, "0.5"), w(VoteOption::No, "0.4")],
            ValidationError::new("options", "weights sum to 0.9, not 1"),
        ),
        (
            vec![w(VoteOption::Yes, "0.7"), w(VoteOption::No, "0.4")],
            ValidationError::new("options", "weights sum to 1.1, not 1"),
        ),
        (
            vec![w(VoteOption::Yes, "1"), w(VoteOption::Abstain, "0")],
            ValidationError::new("options[1].weight", "0 must be above 0 and at most 1"),
        ),
        (
            vec![],
            ValidationError::new("options", "at least one option is needed"),
        ),
    ];
    for (options, error) in cases {
        assert_err(
            s.vote_weighted("alice", id, options),
            ContractError::Validation(error),
        );
    }
    assert_eq!(s.vote_of(id, "alice").vote, None);
    assert_eq!(s.tally_of(id).tally, tally(0, 0, 0, 0));
}

#[test]
fn params_that_would_break_a_contract_are_refused_at_submission() {
    let mut s = Suite::with_stakers();
    let cases = [
        (
            ProposalAction::UpdateMarketParams(MarketParamsUpdate {
                take_rates: Some(vec![TakeRate {
                    denom: DENOM.into(),
                    rate: Decimal::one(),
                }]),
                ..Default::default()
            }),
            invalid_action(0, "take_rates[0].rate", "1 must be below 1"),
        ),
        (
            ProposalAction::SetGpuPricingTiers {
                tiers: vec![GpuPricingTier {
                    name: "h100".into(),
                    models: vec!["h100".into()],
                    denom: DENOM.into(),
                    min_price: dec256("60"),
                    max_price: dec256("50"),
                }],
            },
            invalid_action(
                0,
                "gpu_pricing_tiers[0].max_price",
                "must be positive and at least min_price (60 > 50)",
            ),
        ),
        (
            ProposalAction::UpdateRegistryParams(RegistryParamsUpdate {
                unbonding_period_seconds: Some(365 * 24 * 3600 + 1),
                ..Default::default()
            }),
            invalid_action(
                0,
                "unbonding_period_seconds",
                "31536001 is above the maximum of 31536000",
            ),
        ),
        (
            governance_update(GovernanceParamsUpdate {
                unbonding_period_seconds: Some(100),
                ..Default::default()
            }),
            invalid_action(
                0,
                "unbonding_period_seconds",
                "100 must be at least voting_period_seconds + timelock_seconds (7800)",
            ),
        ),
        (
            governance_update(GovernanceParamsUpdate {
                voting_period_seconds: Some(9000),
                ..Default::default()
            }),
            invalid_action(
                0,
                "unbonding_period_seconds",
                "8000 must be at least voting_period_seconds + timelock_seconds (9600)",
            ),
        ),
        (
            // A threshold nothing can exceed would lock governance for good.
            governance_update(GovernanceParamsUpdate {
                threshold: Some(Decimal::one()),
                ..Default::default()
            }),
            invalid_action(0, "threshold", "1 must be above 0 and below 1"),
        ),
        (
            governance_update(GovernanceParamsUpdate {
                min_deposit: Some(cosmwasm_std::coin(10, USDC)),
                ..Default::default()
            }),
            invalid_action(
                0,
                "min_deposit.denom",
                "uusdc is not the staking denom uakt",
            ),
        ),
    ];
    for (action, error) in cases {
        assert_err(s.propose(vec![action]), error);
    }

    // Actions apply in order: unbonding first, then a longer voting period, is fine;
    // the other way round the first step is already invalid.
    let unbonding = governance_update(GovernanceParamsUpdate {
        unbonding_period_seconds: Some(9600),
        ..Default::default()
    });
    let voting = governance_update(GovernanceParamsUpdate {
        voting_period_seconds: Some(9000),
        ..Default::default()
    });
    assert_err(
        s.propose(vec![voting.clone(), unbonding.clone()]),
        invalid_action(
            0,
            "unbonding_period_seconds",
            "8000 must be at least voting_period_seconds + timelock_seconds (9600)",
        ),
    );
    // The same for the market: the second update sees the first.
    let only_uakt = ProposalAction::UpdateMarketParams(MarketParamsUpdate {
        allowed_denoms: Some(vec![DENOM.into()]),
        ..Default::default()
    });
    let usdc_minimum = ProposalAction::UpdateMarketParams(MarketParamsUpdate {
        deployment_min_deposits: Some(vec![cosmwasm_std::coin(5, USDC)]),
        ..Default::default()
    });
    assert_err(
        s.propose(vec![only_uakt, usdc_minimum]),
        invalid_action(
            1,
            "deployment_min_deposits[0].denom",
            "uusdc is not an allowed denom",
        ),
    );
    assert_eq!(s.proposals(None), Vec::<u64>::new());

    let (_, _) = s.pass_and_execute(vec![unbonding, voting]);
    let params = s.gov_params();
    assert_eq!(
        (
            params.unbonding_period_seconds,
            params.voting_period_seconds
        ),
        (9600, 9000)
    );
}

#[test]
fn only_the_contract_itself_dispatches_actions() {
    let mut s = Suite::with_stakers();
    let gov = s.gov.clone();
    s.send("donor", &gov, vec![uakt(500)]);
    let id = s.pass(vec![ProposalAction::CommunityPoolSpend {
        recipient: s.addr("stranger").to_string(),
        amount: vec![uakt(500)],
    }]);
    for who in ["stranger", "proposer", "deployer"] {
        assert_err(
            s.gov_exec(who, &ExecuteMsg::DispatchActions { id }, &[]),
            ContractError::NotSelf,
        );
    }
    assert_eq!(s.pool(DENOM), cosmwasm_std::Uint256::from(500u128));
    s.execute(id).unwrap();
    assert_eq!(s.proposal(id).status, ProposalStatus::Executed);
    assert_eq!(s.pool(DENOM), cosmwasm_std::Uint256::zero());
}

#[test]
fn funds_sent_where_nothing_accounts_for_them_are_refused() {
    let mut s = Suite::with_stakers();
    let id = s.propose(vec![]).unwrap();
    let one = [uakt(1)];
    let non_payable = [
        ExecuteMsg::WireContracts {
            market: None,
            registry: None,
        },
        ExecuteMsg::Unstake {
            amount: 1u128.into(),
        },
        ExecuteMsg::Claim {},
        ExecuteMsg::Vote {
            id,
            option: VoteOption::Yes,
        },
        ExecuteMsg::VoteWeighted { id, options: yes() },
        ExecuteMsg::CancelProposal { id },
        ExecuteMsg::Expire { id },
        ExecuteMsg::Tally { id },
        ExecuteMsg::ExecuteProposal { id },
        ExecuteMsg::DispatchActions { id },
    ];
    let before = s.balance(&s.gov, DENOM);
    for msg in non_payable {
        assert_err(
            s.gov_exec("alice", &msg, &one),
            "invalid funds: This message does no accept funds",
        );
    }
    assert_eq!(s.balance(&s.gov, DENOM), before);

    let code = s.gov_code;
    let deployer = s.addr("deployer");
    assert_err(
        s.app.instantiate_contract(
            code,
            deployer,
            &InstantiateMsg {
                market: None,
                registry: None,
                params: gov_params(),
            },
            &one,
            "governance 2",
            None,
        ),
        "invalid funds: This message does no accept funds",
    );
}
