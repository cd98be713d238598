//! Property test: random sequences of stakes, unstakes, claims, proposals (text or pool
//! spends), deposits, votes, cancellations, expiries, tallies, executions, donations and the
//! passing of time. A model predicts which stake operations and spends succeed. After every
//! step the contract's balance is exactly stakes + claims + held deposits + the pool, each
//! as the model has it; and at every height seen, the total power equals the sum of the
//! individual powers, which equal the stakes at the start of that height.

use std::collections::BTreeMap;

use cosmwasm_std::{Timestamp, Uint256};
use kumo_types::governance::{
    GovernanceParams, ProposalAction, ProposalStatus, QueryMsg, VoteOption,
};
use proptest::prelude::*;

use crate::suite::*;

const PEOPLE: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// Short periods, so that sequences reach tallies, executions and matured claims.
const UNBONDING_SECONDS: u64 = 300;

fn params() -> GovernanceParams {
    GovernanceParams {
        max_deposit_period_seconds: 180,
        voting_period_seconds: 240,
        expedited_voting_period_seconds: 120,
        timelock_seconds: 30,
        unbonding_period_seconds: UNBONDING_SECONDS,
        quorum: dec("0.2"),
        ..gov_params()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Stake {
        who: usize,
        amount: u128,
    },
    Unstake {
        who: usize,
        amount: u128,
    },
    Claim {
        who: usize,
    },
    Submit {
        who: usize,
        deposit: u128,
        spend: Option<u128>,
    },
    Deposit {
        who: usize,
        proposal: usize,
        amount: u128,
    },
    Vote {
        who: usize,
        proposal: usize,
        option: usize,
    },
    Cancel {
        proposal: usize,
    },
    /// Expires, tallies or executes every proposal ready for it.
    Conclude,
    Donate {
        amount: u128,
    },
    Advance {
        seconds: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..PEOPLE.len();
    // Counted back from the newest proposal; mostly the newest, which is the likeliest to be
    // open for deposits and votes.
    let recent = || prop_oneof![3 => Just(0usize), 1 => 0..4usize];
    prop_oneof![
        6 => (who.clone(), 1..600u128).prop_map(|(who, amount)| Op::Stake { who, amount }),
        3 => (who.clone(), 1..400u128).prop_map(|(who, amount)| Op::Unstake { who, amount }),
        2 => who.clone().prop_map(|who| Op::Claim { who }),
        3 => (who.clone(), 500..1_500u128, prop::option::of(1..800u128))
            .prop_map(|(who, deposit, spend)| Op::Submit { who, deposit, spend }),
        3 => (who.clone(), recent(), 10..800u128)
            .prop_map(|(who, proposal, amount)| Op::Deposit { who, proposal, amount }),
        12 => (who, recent(), prop_oneof![2 => Just(0usize), 1 => 0..4usize])
            .prop_map(|(who, proposal, option)| Op::Vote { who, proposal, option }),
        1 => (0..4usize).prop_map(|proposal| Op::Cancel { proposal }),
        5 => Just(Op::Conclude),
        2 => (1..1_000u128).prop_map(|amount| Op::Donate { amount }),
        8 => prop_oneof![Just(BLOCK_SECONDS), 1..300u64].prop_map(|seconds| Op::Advance { seconds }),
    ]
}

struct Submitted {
    id: u64,
    proposer: usize,
    spend: Option<u128>,
}

#[derive(Default)]
struct Model {
    stakes: [u128; 4],
    /// (who, amount, release_at)
    claims: Vec<(usize, u128, Timestamp)>,
    /// Deposits each proposal still holds.
    held: BTreeMap<u64, u128>,
    pool: u128,
    proposals: Vec<Submitted>,
    /// The stakes at the start of each height an operation ran at.
    snapshots: BTreeMap<u64, [u128; 4]>,
}

impl Model {
    fn claims_of(&self, who: usize) -> impl Iterator<Item = &(usize, u128, Timestamp)> {
        self.claims.iter().filter(move |c| c.0 == who)
    }

    fn owed(&self) -> u128 {
        self.stakes.iter().sum::<u128>()
            + self.claims.iter().map(|c| c.1).sum::<u128>()
            + self.held.values().sum::<u128>()
    }
}

fn run(ops: Vec<Op>) {
    let mut s = Suite::with_params(params());
    let mut m = Model::default();
    // Everyone holds some stake from the start, so that early proposals can be voted on.
    m.snapshots.insert(s.height(), m.stakes);
    for (who, amount) in [300, 200, 100, 50].into_iter().enumerate() {
        s.stake(PEOPLE[who], amount).unwrap();
        m.stakes[who] += amount;
    }
    s.next_block();
    let gov = s.gov.clone();
    let recipient = s.addr("recipient").to_string();

    for op in ops {
        // Nothing has run at this height yet when the entry is first made.
        m.snapshots.entry(s.height()).or_insert(m.stakes);
        let pick = |m: &Model, back: usize| {
            let len = m.proposals.len();
            (len > 0).then(|| len - 1 - back % len)
        };
        match op {
            Op::Stake { who, amount } => {
                s.stake(PEOPLE[who], amount).unwrap();
                m.stakes[who] += amount;
            }
            Op::Unstake { who, amount } => {
                let expected = amount <= m.stakes[who] && m.claims_of(who).count() < 7;
                let res = s.unstake(PEOPLE[who], amount);
                assert_eq!(res.is_ok(), expected, "{res:?}");
                if res.is_ok() {
                    m.stakes[who] -= amount;
                    m.claims
                        .push((who, amount, s.now().plus_seconds(UNBONDING_SECONDS)));
                }
            }
            Op::Claim { who } => {
                let now = s.now();
                let matured: u128 = m.claims_of(who).filter(|c| c.2 <= now).map(|c| c.1).sum();
                let before = s.balance_of(PEOPLE[who]);
                let res = s.claim(PEOPLE[who]);
                assert_eq!(res.is_ok(), matured > 0, "{res:?}");
                if res.is_ok() {
                    assert_eq!(s.balance_of(PEOPLE[who]), before + Uint256::from(matured));
                    m.claims.retain(|c| c.0 != who || c.2 > now);
                }
            }
            Op::Submit {
                who,
                deposit,
                spend,
            } => {
                let actions = spend
                    .map(|amount| {
                        vec![ProposalAction::CommunityPoolSpend {
                            recipient: recipient.clone(),
                            amount: vec![uakt(amount)],
                        }]
                    })
                    .unwrap_or_default();
                let res = s.submit_with(PEOPLE[who], actions, false, &[uakt(deposit)]);
                assert_eq!(res.is_ok(), spend.is_none_or(|a| a <= m.pool), "{res:?}");
                if let Ok(id) = res {
                    m.held.insert(id, deposit);
                    m.proposals.push(Submitted {
                        id,
                        proposer: who,
                        spend,
                    });
                }
            }
            Op::Deposit {
                who,
                proposal,
                amount,
            } => {
                if let Some(i) = pick(&m, proposal) {
                    let id = m.proposals[i].id;
                    if s.deposit(PEOPLE[who], id, amount).is_ok() {
                        *m.held.get_mut(&id).unwrap() += amount;
                    }
                }
            }
            Op::Vote {
                who,
                proposal,
                option,
            } => {
                if let Some(i) = pick(&m, proposal) {
                    let id = m.proposals[i].id;
                    let option = VoteOption::ALL[option];
                    if s.vote(PEOPLE[who], id, option).is_ok() {
                        let start = s.proposal(id).start_height.unwrap();
                        let vote = s.vote_of(id, PEOPLE[who]).vote.unwrap();
                        assert_eq!(vote.power, Uint256::from(m.snapshots[&start][who]));
                        assert!(!vote.power.is_zero());
                    }
                }
            }
            Op::Cancel { proposal } => {
                if let Some(i) = pick(&m, proposal) {
                    let (id, proposer) = (m.proposals[i].id, m.proposals[i].proposer);
                    let _ = s.cancel(PEOPLE[proposer], id);
                }
            }
            Op::Conclude => {
                for i in 0..m.proposals.len() {
                    let id = m.proposals[i].id;
                    let status = s
                        .gov_query::<kumo_types::governance::ProposalResponse>(
                            &QueryMsg::Proposal { id },
                        )
                        .map(|p| p.proposal.status);
                    match status {
                        Ok(ProposalStatus::DepositPeriod) => drop(s.expire(id)),
                        Ok(ProposalStatus::VotingPeriod) => drop(s.tally(id)),
                        Ok(ProposalStatus::Passed) => {
                            let pool_before = m.pool;
                            if s.execute(id).is_ok() {
                                let spend = m.proposals[i].spend.unwrap_or(0);
                                let executed = s.proposal(id).status == ProposalStatus::Executed;
                                // A spend fails exactly when earlier spends drained the pool.
                                assert_eq!(executed, spend <= pool_before);
                                if executed {
                                    m.pool -= spend;
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Op::Donate { amount } => {
                s.send("donor", &gov, vec![uakt(amount)]);
                m.pool += amount;
            }
            Op::Advance { seconds } => s.advance(seconds),
        }

        // Deposits leave the books when a proposal leaves its deposit and voting periods.
        for p in &m.proposals {
            let open = s
                .gov_query::<kumo_types::governance::ProposalResponse>(&QueryMsg::Proposal {
                    id: p.id,
                })
                .is_ok_and(|r| {
                    matches!(
                        r.proposal.status,
                        ProposalStatus::DepositPeriod | ProposalStatus::VotingPeriod
                    )
                });
            if !open {
                m.held.insert(p.id, 0);
            } else {
                let held: Uint256 = s.deposits(p.id).iter().map(|d| d.1).sum();
                assert_eq!(held, Uint256::from(m.held[&p.id]), "deposits of {}", p.id);
            }
        }
        check_books(&s, &m);
    }
    check_history(&s, &m);
}

/// Money: the balance is what the model says is owed plus the pool, and so are the queries.
fn check_books(s: &Suite, m: &Model) {
    let balance = s.balance(&s.gov, DENOM);
    assert_eq!(balance, Uint256::from(m.owed() + m.pool), "balance");
    assert_eq!(s.pool(DENOM), Uint256::from(m.pool), "pool");
    assert_eq!(
        s.total_power(None),
        Uint256::from(m.stakes.iter().sum::<u128>()),
        "total stake"
    );
    for (who, name) in PEOPLE.iter().enumerate() {
        let stake = s.stake_of(name);
        assert_eq!(stake.staked, uakt(m.stakes[who]), "stake of {name}");
        let claims: Vec<(Uint256, Timestamp)> = stake
            .claims
            .iter()
            .map(|c| (c.amount, c.release_at))
            .collect();
        let expected: Vec<(Uint256, Timestamp)> = m
            .claims_of(who)
            .map(|c| (Uint256::from(c.1), c.2))
            .collect();
        assert_eq!(claims, expected, "claims of {name}");
    }
}

/// Power: at every height an operation ran at, each account's power is its stake at the start
/// of that height, and the total is their sum. Proposals froze that total.
fn check_history(s: &Suite, m: &Model) {
    for (height, stakes) in &m.snapshots {
        let mut sum = Uint256::zero();
        for (who, name) in PEOPLE.iter().enumerate() {
            let power = s.power(name, Some(*height));
            assert_eq!(power, Uint256::from(stakes[who]), "{name} at {height}");
            sum += power;
        }
        assert_eq!(s.total_power(Some(*height)), sum, "total at {height}");
    }
    for p in &m.proposals {
        let Ok(r) = s.gov_query::<kumo_types::governance::ProposalResponse>(&QueryMsg::Proposal {
            id: p.id,
        }) else {
            continue;
        };
        if let Some(start) = r.proposal.start_height {
            let total: u128 = m.snapshots[&start].iter().sum();
            assert_eq!(r.proposal.total_power, Uint256::from(total));
            // A tally never counts more than the frozen total.
            assert!(r.proposal.tally.total() <= r.proposal.total_power);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_books_balance_and_power_adds_up(ops in prop::collection::vec(op(), 1..80)) {
        run(ops);
    }
}
