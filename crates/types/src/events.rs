//! Every event the contracts emit, with one constant per name and attribute key, and a typed
//! decoder so that watchers never parse strings by hand. CosmWasm prefixes custom event types
//! with `wasm-` on chain; [`KumoEvent::decode`] accepts both forms.

use cosmwasm_std::{Addr, Coin, Decimal, Decimal256, Event, Timestamp, Uint256};
use thiserror::Error;

use crate::coins::DecCoin;
use crate::governance::{ProposalStatus, TallyOutcome, VoteOption, WeightedVoteOption};
use crate::ids::{BidId, DeploymentId, GroupId, LeaseId, OrderId};
use crate::market::{BidState, LeaseCloseReason};

/// Event type names, without the chain's `wasm-` prefix.
pub mod name {
    pub const DEPLOYMENT_CREATED: &str = "deployment_created";
    pub const DEPLOYMENT_UPDATED: &str = "deployment_updated";
    pub const DEPLOYMENT_CLOSED: &str = "deployment_closed";
    pub const GROUP_PAUSED: &str = "group_paused";
    pub const GROUP_STARTED: &str = "group_started";
    pub const GROUP_CLOSED: &str = "group_closed";
    pub const GROUP_INSUFFICIENT_FUNDS: &str = "group_insufficient_funds";
    pub const ORDER_CREATED: &str = "order_created";
    pub const ORDER_CLOSED: &str = "order_closed";
    pub const BID_CREATED: &str = "bid_created";
    pub const BID_CLOSED: &str = "bid_closed";
    pub const LEASE_CREATED: &str = "lease_created";
    pub const LEASE_CLOSED: &str = "lease_closed";
    pub const LEASE_WITHDRAWN: &str = "lease_withdrawn";
    pub const ESCROW_DEPOSITED: &str = "escrow_deposited";
    pub const PROVIDER_REGISTERED: &str = "provider_registered";
    pub const PROVIDER_UPDATED: &str = "provider_updated";
    pub const PROVIDER_DEREGISTERED: &str = "provider_deregistered";
    pub const ATTRIBUTES_SIGNED: &str = "attributes_signed";
    pub const ATTRIBUTES_DELETED: &str = "attributes_deleted";
    pub const COLLATERAL_BONDED: &str = "collateral_bonded";
    pub const COLLATERAL_UNBONDING: &str = "collateral_unbonding";
    pub const COLLATERAL_CLAIMED: &str = "collateral_claimed";
    pub const PROVIDER_SLASHED: &str = "provider_slashed";
    pub const PARAMS_UPDATED: &str = "params_updated";
    pub const CONFIG_UPDATED: &str = "config_updated";
    pub const STAKED: &str = "staked";
    pub const UNSTAKED: &str = "unstaked";
    pub const STAKE_CLAIMED: &str = "stake_claimed";
    pub const PROPOSAL_SUBMITTED: &str = "proposal_submitted";
    pub const PROPOSAL_DEPOSITED: &str = "proposal_deposited";
    pub const VOTING_STARTED: &str = "voting_started";
    pub const VOTE_CAST: &str = "vote_cast";
    pub const PROPOSAL_TALLIED: &str = "proposal_tallied";
    pub const EXPEDITED_CONVERTED: &str = "expedited_converted";
    pub const PROPOSAL_EXECUTED: &str = "proposal_executed";
    pub const PROPOSAL_EXECUTION_FAILED: &str = "proposal_execution_failed";
    pub const PROPOSAL_CANCELLED: &str = "proposal_cancelled";
    pub const PROPOSAL_EXPIRED: &str = "proposal_expired";
    pub const POOL_SPENT: &str = "pool_spent";
}

/// Attribute keys.
pub mod key {
    pub const OWNER: &str = "owner";
    pub const DSEQ: &str = "dseq";
    pub const GSEQ: &str = "gseq";
    pub const OSEQ: &str = "oseq";
    pub const PROVIDER: &str = "provider";
    pub const AUDITOR: &str = "auditor";
    pub const DEPOSITOR: &str = "depositor";
    pub const PRICE: &str = "price";
    pub const AMOUNT: &str = "amount";
    pub const TAKE: &str = "take";
    pub const REASON: &str = "reason";
    pub const STATE: &str = "state";
    pub const MANIFEST_HASH: &str = "manifest_hash";
    pub const FRACTION: &str = "fraction";
    pub const RELEASE_AT: &str = "release_at";
    pub const GPU: &str = "gpu";
    pub const CONTRACT: &str = "contract";
    pub const STAKER: &str = "staker";
    pub const PROPOSAL_ID: &str = "proposal_id";
    pub const PROPOSER: &str = "proposer";
    pub const EXPEDITED: &str = "expedited";
    pub const START_HEIGHT: &str = "start_height";
    pub const VOTING_END: &str = "voting_end";
    pub const VOTER: &str = "voter";
    pub const POWER: &str = "power";
    pub const OPTIONS: &str = "options";
    pub const STATUS: &str = "status";
    pub const OUTCOME: &str = "outcome";
    pub const BURNED: &str = "burned";
    pub const RECIPIENT: &str = "recipient";
}

/// The chain's prefix for custom contract events.
pub const WASM_PREFIX: &str = "wasm-";

#[derive(Debug, Clone, PartialEq)]
pub enum KumoEvent {
    DeploymentCreated {
        id: DeploymentId,
        manifest_hash: String,
    },
    DeploymentUpdated {
        id: DeploymentId,
        manifest_hash: String,
    },
    DeploymentClosed {
        id: DeploymentId,
    },
    GroupPaused {
        id: GroupId,
    },
    GroupStarted {
        id: GroupId,
    },
    GroupClosed {
        id: GroupId,
    },
    GroupInsufficientFunds {
        id: GroupId,
    },
    OrderCreated {
        id: OrderId,
    },
    OrderClosed {
        id: OrderId,
    },
    /// `gpu` is the concrete GPU offered, as a requirement key, or empty for CPU-only bids.
    BidCreated {
        id: BidId,
        price: DecCoin,
        gpu: String,
    },
    /// `state` is lost or closed.
    BidClosed {
        id: BidId,
        state: BidState,
    },
    LeaseCreated {
        id: LeaseId,
        price: DecCoin,
    },
    LeaseClosed {
        id: LeaseId,
        reason: LeaseCloseReason,
    },
    LeaseWithdrawn {
        id: LeaseId,
        amount: Coin,
        take: Coin,
    },
    EscrowDeposited {
        id: DeploymentId,
        depositor: Addr,
        amount: Coin,
    },
    ProviderRegistered {
        provider: Addr,
    },
    ProviderUpdated {
        provider: Addr,
    },
    ProviderDeregistered {
        provider: Addr,
    },
    AttributesSigned {
        provider: Addr,
        auditor: Addr,
    },
    AttributesDeleted {
        provider: Addr,
        auditor: Addr,
    },
    CollateralBonded {
        provider: Addr,
        amount: Coin,
    },
    CollateralUnbonding {
        provider: Addr,
        amount: Coin,
        release_at: Timestamp,
    },
    CollateralClaimed {
        provider: Addr,
        amount: Coin,
    },
    ProviderSlashed {
        provider: Addr,
        amount: Coin,
        fraction: Decimal,
        reason: String,
    },
    /// Emitted by any contract; `contract` tells which ("market", "registry" or "governance").
    ParamsUpdated {
        contract: String,
    },
    ConfigUpdated {
        contract: String,
    },
    Staked {
        staker: Addr,
        amount: Coin,
    },
    Unstaked {
        staker: Addr,
        amount: Coin,
        release_at: Timestamp,
    },
    StakeClaimed {
        staker: Addr,
        amount: Coin,
    },
    ProposalSubmitted {
        id: u64,
        proposer: Addr,
        expedited: bool,
    },
    ProposalDeposited {
        id: u64,
        depositor: Addr,
        amount: Coin,
    },
    /// Power on the proposal is the stake at the start of `start_height`.
    VotingStarted {
        id: u64,
        start_height: u64,
        voting_end: Timestamp,
    },
    /// `options` is encoded as `yes=0.7,no=0.3`.
    VoteCast {
        id: u64,
        voter: Addr,
        power: Uint256,
        options: Vec<WeightedVoteOption>,
    },
    /// `status` is passed, rejected or vetoed, or still voting_period when a failed expedited
    /// proposal became a regular one. `burned` is the part of the deposit burned; the rest
    /// was refunded (nothing is refunded while voting goes on).
    ProposalTallied {
        id: u64,
        status: ProposalStatus,
        outcome: TallyOutcome,
        burned: Coin,
    },
    /// A failed expedited proposal is now regular and votes until `voting_end`.
    ExpeditedConverted {
        id: u64,
        voting_end: Timestamp,
    },
    ProposalExecuted {
        id: u64,
    },
    ProposalExecutionFailed {
        id: u64,
        reason: String,
    },
    ProposalCancelled {
        id: u64,
        burned: Coin,
    },
    /// The deposit period ended below the min deposit: refunded and deleted.
    ProposalExpired {
        id: u64,
    },
    /// `amount` is encoded as a comma-separated coin list.
    PoolSpent {
        id: u64,
        recipient: Addr,
        amount: Vec<Coin>,
    },
}

#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum EventDecodeError {
    #[error("event {event}: missing attribute {key}")]
    Missing { event: String, key: &'static str },
    #[error("event {event}: attribute {key}={value:?} is malformed: {reason}")]
    Malformed {
        event: String,
        key: &'static str,
        value: String,
        reason: String,
    },
}

fn deployment_attrs(e: Event, id: &DeploymentId) -> Event {
    e.add_attribute(key::OWNER, id.owner.as_str())
        .add_attribute(key::DSEQ, id.dseq.to_string())
}

fn group_attrs(e: Event, id: &GroupId) -> Event {
    deployment_attrs(e, &id.deployment()).add_attribute(key::GSEQ, id.gseq.to_string())
}

fn order_attrs(e: Event, id: &OrderId) -> Event {
    group_attrs(e, &id.group()).add_attribute(key::OSEQ, id.oseq.to_string())
}

fn bid_attrs(e: Event, id: &BidId) -> Event {
    order_attrs(e, &id.order()).add_attribute(key::PROVIDER, id.provider.as_str())
}

pub fn lease_close_reason_str(reason: LeaseCloseReason) -> &'static str {
    match reason {
        LeaseCloseReason::Owner => "owner",
        LeaseCloseReason::Provider => "provider",
        LeaseCloseReason::Unstable => "unstable",
        LeaseCloseReason::ManifestTimeout => "manifest_timeout",
        LeaseCloseReason::InsufficientFunds => "insufficient_funds",
        LeaseCloseReason::Governance => "governance",
    }
}

fn parse_close_reason(s: &str) -> Option<LeaseCloseReason> {
    use LeaseCloseReason::*;
    [
        Owner,
        Provider,
        Unstable,
        ManifestTimeout,
        InsufficientFunds,
        Governance,
    ]
    .into_iter()
    .find(|r| lease_close_reason_str(*r) == s)
}

fn coins_str(coins: &[Coin]) -> String {
    coins
        .iter()
        .map(Coin::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn vote_options_str(options: &[WeightedVoteOption]) -> String {
    options
        .iter()
        .map(|o| format!("{}={}", o.option.as_str(), o.weight))
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_coin(s: &str) -> Option<Coin> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let amount: Uint256 = s[..split].parse().ok()?;
    Some(Coin::new(amount, &s[split..]))
}

fn parse_vote_options(s: &str) -> Option<Vec<WeightedVoteOption>> {
    s.split(',')
        .map(|part| {
            let (option, weight) = part.split_once('=')?;
            Some(WeightedVoteOption::new(
                VoteOption::parse(option)?,
                weight.parse().ok()?,
            ))
        })
        .collect()
}

fn bid_state_str(state: BidState) -> &'static str {
    match state {
        BidState::Open => "open",
        BidState::Active => "active",
        BidState::Lost => "lost",
        BidState::Closed => "closed",
    }
}

impl KumoEvent {
    /// The event type name, without the `wasm-` prefix.
    pub fn name(&self) -> &'static str {
        use KumoEvent::*;
        match self {
            DeploymentCreated { .. } => name::DEPLOYMENT_CREATED,
            DeploymentUpdated { .. } => name::DEPLOYMENT_UPDATED,
            DeploymentClosed { .. } => name::DEPLOYMENT_CLOSED,
            GroupPaused { .. } => name::GROUP_PAUSED,
            GroupStarted { .. } => name::GROUP_STARTED,
            GroupClosed { .. } => name::GROUP_CLOSED,
            GroupInsufficientFunds { .. } => name::GROUP_INSUFFICIENT_FUNDS,
            OrderCreated { .. } => name::ORDER_CREATED,
            OrderClosed { .. } => name::ORDER_CLOSED,
            BidCreated { .. } => name::BID_CREATED,
            BidClosed { .. } => name::BID_CLOSED,
            LeaseCreated { .. } => name::LEASE_CREATED,
            LeaseClosed { .. } => name::LEASE_CLOSED,
            LeaseWithdrawn { .. } => name::LEASE_WITHDRAWN,
            EscrowDeposited { .. } => name::ESCROW_DEPOSITED,
            ProviderRegistered { .. } => name::PROVIDER_REGISTERED,
            ProviderUpdated { .. } => name::PROVIDER_UPDATED,
            ProviderDeregistered { .. } => name::PROVIDER_DEREGISTERED,
            AttributesSigned { .. } => name::ATTRIBUTES_SIGNED,
            AttributesDeleted { .. } => name::ATTRIBUTES_DELETED,
            CollateralBonded { .. } => name::COLLATERAL_BONDED,
            CollateralUnbonding { .. } => name::COLLATERAL_UNBONDING,
            CollateralClaimed { .. } => name::COLLATERAL_CLAIMED,
            ProviderSlashed { .. } => name::PROVIDER_SLASHED,
            ParamsUpdated { .. } => name::PARAMS_UPDATED,
            ConfigUpdated { .. } => name::CONFIG_UPDATED,
            Staked { .. } => name::STAKED,
            Unstaked { .. } => name::UNSTAKED,
            StakeClaimed { .. } => name::STAKE_CLAIMED,
            ProposalSubmitted { .. } => name::PROPOSAL_SUBMITTED,
            ProposalDeposited { .. } => name::PROPOSAL_DEPOSITED,
            VotingStarted { .. } => name::VOTING_STARTED,
            VoteCast { .. } => name::VOTE_CAST,
            ProposalTallied { .. } => name::PROPOSAL_TALLIED,
            ExpeditedConverted { .. } => name::EXPEDITED_CONVERTED,
            ProposalExecuted { .. } => name::PROPOSAL_EXECUTED,
            ProposalExecutionFailed { .. } => name::PROPOSAL_EXECUTION_FAILED,
            ProposalCancelled { .. } => name::PROPOSAL_CANCELLED,
            ProposalExpired { .. } => name::PROPOSAL_EXPIRED,
            PoolSpent { .. } => name::POOL_SPENT,
        }
    }

    /// The contract event to emit.
    pub fn to_event(&self) -> Event {
        use KumoEvent::*;
        let e = Event::new(self.name());
        match self {
            DeploymentCreated { id, manifest_hash } | DeploymentUpdated { id, manifest_hash } => {
                deployment_attrs(e, id).add_attribute(key::MANIFEST_HASH, manifest_hash)
            }
            DeploymentClosed { id } => deployment_attrs(e, id),
            GroupPaused { id }
            | GroupStarted { id }
            | GroupClosed { id }
            | GroupInsufficientFunds { id } => group_attrs(e, id),
            OrderCreated { id } | OrderClosed { id } => order_attrs(e, id),
            BidCreated { id, price, gpu } => bid_attrs(e, id)
                .add_attribute(key::PRICE, price.to_string())
                .add_attribute(key::GPU, gpu),
            BidClosed { id, state } => {
                bid_attrs(e, id).add_attribute(key::STATE, bid_state_str(*state))
            }
            LeaseCreated { id, price } => {
                bid_attrs(e, id).add_attribute(key::PRICE, price.to_string())
            }
            LeaseClosed { id, reason } => {
                bid_attrs(e, id).add_attribute(key::REASON, lease_close_reason_str(*reason))
            }
            LeaseWithdrawn { id, amount, take } => bid_attrs(e, id)
                .add_attribute(key::AMOUNT, amount.to_string())
                .add_attribute(key::TAKE, take.to_string()),
            EscrowDeposited {
                id,
                depositor,
                amount,
            } => deployment_attrs(e, id)
                .add_attribute(key::DEPOSITOR, depositor.as_str())
                .add_attribute(key::AMOUNT, amount.to_string()),
            ProviderRegistered { provider }
            | ProviderUpdated { provider }
            | ProviderDeregistered { provider } => {
                e.add_attribute(key::PROVIDER, provider.as_str())
            }
            AttributesSigned { provider, auditor } | AttributesDeleted { provider, auditor } => e
                .add_attribute(key::PROVIDER, provider.as_str())
                .add_attribute(key::AUDITOR, auditor.as_str()),
            CollateralBonded { provider, amount } | CollateralClaimed { provider, amount } => e
                .add_attribute(key::PROVIDER, provider.as_str())
                .add_attribute(key::AMOUNT, amount.to_string()),
            CollateralUnbonding {
                provider,
                amount,
                release_at,
            } => e
                .add_attribute(key::PROVIDER, provider.as_str())
                .add_attribute(key::AMOUNT, amount.to_string())
                .add_attribute(key::RELEASE_AT, release_at.nanos().to_string()),
            ProviderSlashed {
                provider,
                amount,
                fraction,
                reason,
            } => e
                .add_attribute(key::PROVIDER, provider.as_str())
                .add_attribute(key::AMOUNT, amount.to_string())
                .add_attribute(key::FRACTION, fraction.to_string())
                .add_attribute(key::REASON, reason),
            ParamsUpdated { contract } | ConfigUpdated { contract } => {
                e.add_attribute(key::CONTRACT, contract)
            }
            Staked { staker, amount } | StakeClaimed { staker, amount } => e
                .add_attribute(key::STAKER, staker.as_str())
                .add_attribute(key::AMOUNT, amount.to_string()),
            Unstaked {
                staker,
                amount,
                release_at,
            } => e
                .add_attribute(key::STAKER, staker.as_str())
                .add_attribute(key::AMOUNT, amount.to_string())
                .add_attribute(key::RELEASE_AT, release_at.nanos().to_string()),
            ProposalSubmitted {
                id,
                proposer,
                expedited,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::PROPOSER, proposer.as_str())
                .add_attribute(key::EXPEDITED, expedited.to_string()),
            ProposalDeposited {
                id,
                depositor,
                amount,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::DEPOSITOR, depositor.as_str())
                .add_attribute(key::AMOUNT, amount.to_string()),
            VotingStarted {
                id,
                start_height,
                voting_end,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::START_HEIGHT, start_height.to_string())
                .add_attribute(key::VOTING_END, voting_end.nanos().to_string()),
            VoteCast {
                id,
                voter,
                power,
                options,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::VOTER, voter.as_str())
                .add_attribute(key::POWER, power.to_string())
                .add_attribute(key::OPTIONS, vote_options_str(options)),
            ProposalTallied {
                id,
                status,
                outcome,
                burned,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::STATUS, status.as_str())
                .add_attribute(key::OUTCOME, outcome.as_str())
                .add_attribute(key::BURNED, burned.to_string()),
            ExpeditedConverted { id, voting_end } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::VOTING_END, voting_end.nanos().to_string()),
            ProposalExecuted { id } | ProposalExpired { id } => {
                e.add_attribute(key::PROPOSAL_ID, id.to_string())
            }
            ProposalExecutionFailed { id, reason } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::REASON, reason),
            ProposalCancelled { id, burned } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::BURNED, burned.to_string()),
            PoolSpent {
                id,
                recipient,
                amount,
            } => e
                .add_attribute(key::PROPOSAL_ID, id.to_string())
                .add_attribute(key::RECIPIENT, recipient.as_str())
                .add_attribute(key::AMOUNT, coins_str(amount)),
        }
    }

    /// Decodes a chain event. `Ok(None)` for event types that are not Kumo's; an error when a
    /// Kumo event lacks an attribute or carries a malformed one.
    pub fn decode<K: AsRef<str>, V: AsRef<str>>(
        event_type: &str,
        attributes: &[(K, V)],
    ) -> Result<Option<Self>, EventDecodeError> {
        use KumoEvent::*;
        let ty = event_type.strip_prefix(WASM_PREFIX).unwrap_or(event_type);
        let a = Attrs {
            event: ty,
            attributes,
        };
        let event = match ty {
            name::DEPLOYMENT_CREATED => DeploymentCreated {
                id: a.deployment()?,
                manifest_hash: a.string(key::MANIFEST_HASH)?,
            },
            name::DEPLOYMENT_UPDATED => DeploymentUpdated {
                id: a.deployment()?,
                manifest_hash: a.string(key::MANIFEST_HASH)?,
            },
            name::DEPLOYMENT_CLOSED => DeploymentClosed {
                id: a.deployment()?,
            },
            name::GROUP_PAUSED => GroupPaused { id: a.group()? },
            name::GROUP_STARTED => GroupStarted { id: a.group()? },
            name::GROUP_CLOSED => GroupClosed { id: a.group()? },
            name::GROUP_INSUFFICIENT_FUNDS => GroupInsufficientFunds { id: a.group()? },
            name::ORDER_CREATED => OrderCreated { id: a.order()? },
            name::ORDER_CLOSED => OrderClosed { id: a.order()? },
            name::BID_CREATED => BidCreated {
                id: a.bid()?,
                price: a.dec_coin(key::PRICE)?,
                gpu: a.string(key::GPU)?,
            },
            name::BID_CLOSED => {
                let state = a.parse(key::STATE, |s| match s {
                    "lost" => Some(BidState::Lost),
                    "closed" => Some(BidState::Closed),
                    _ => None,
                })?;
                BidClosed {
                    id: a.bid()?,
                    state,
                }
            }
            name::LEASE_CREATED => LeaseCreated {
                id: a.bid()?,
                price: a.dec_coin(key::PRICE)?,
            },
            name::LEASE_CLOSED => LeaseClosed {
                id: a.bid()?,
                reason: a.parse(key::REASON, parse_close_reason)?,
            },
            name::LEASE_WITHDRAWN => LeaseWithdrawn {
                id: a.bid()?,
                amount: a.coin(key::AMOUNT)?,
                take: a.coin(key::TAKE)?,
            },
            name::ESCROW_DEPOSITED => EscrowDeposited {
                id: a.deployment()?,
                depositor: a.addr(key::DEPOSITOR)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::PROVIDER_REGISTERED => ProviderRegistered {
                provider: a.addr(key::PROVIDER)?,
            },
            name::PROVIDER_UPDATED => ProviderUpdated {
                provider: a.addr(key::PROVIDER)?,
            },
            name::PROVIDER_DEREGISTERED => ProviderDeregistered {
                provider: a.addr(key::PROVIDER)?,
            },
            name::ATTRIBUTES_SIGNED => AttributesSigned {
                provider: a.addr(key::PROVIDER)?,
                auditor: a.addr(key::AUDITOR)?,
            },
            name::ATTRIBUTES_DELETED => AttributesDeleted {
                provider: a.addr(key::PROVIDER)?,
                auditor: a.addr(key::AUDITOR)?,
            },
            name::COLLATERAL_BONDED => CollateralBonded {
                provider: a.addr(key::PROVIDER)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::COLLATERAL_CLAIMED => CollateralClaimed {
                provider: a.addr(key::PROVIDER)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::COLLATERAL_UNBONDING => CollateralUnbonding {
                provider: a.addr(key::PROVIDER)?,
                amount: a.coin(key::AMOUNT)?,
                release_at: Timestamp::from_nanos(a.parse(key::RELEASE_AT, |s| s.parse().ok())?),
            },
            name::PROVIDER_SLASHED => ProviderSlashed {
                provider: a.addr(key::PROVIDER)?,
                amount: a.coin(key::AMOUNT)?,
                fraction: a.parse(key::FRACTION, |s| s.parse().ok())?,
                reason: a.string(key::REASON)?,
            },
            name::PARAMS_UPDATED => ParamsUpdated {
                contract: a.string(key::CONTRACT)?,
            },
            name::CONFIG_UPDATED => ConfigUpdated {
                contract: a.string(key::CONTRACT)?,
            },
            name::STAKED => Staked {
                staker: a.addr(key::STAKER)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::UNSTAKED => Unstaked {
                staker: a.addr(key::STAKER)?,
                amount: a.coin(key::AMOUNT)?,
                release_at: a.timestamp(key::RELEASE_AT)?,
            },
            name::STAKE_CLAIMED => StakeClaimed {
                staker: a.addr(key::STAKER)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::PROPOSAL_SUBMITTED => ProposalSubmitted {
                id: a.proposal_id()?,
                proposer: a.addr(key::PROPOSER)?,
                expedited: a.parse(key::EXPEDITED, |s| s.parse().ok())?,
            },
            name::PROPOSAL_DEPOSITED => ProposalDeposited {
                id: a.proposal_id()?,
                depositor: a.addr(key::DEPOSITOR)?,
                amount: a.coin(key::AMOUNT)?,
            },
            name::VOTING_STARTED => VotingStarted {
                id: a.proposal_id()?,
                start_height: a.parse(key::START_HEIGHT, |s| s.parse().ok())?,
                voting_end: a.timestamp(key::VOTING_END)?,
            },
            name::VOTE_CAST => VoteCast {
                id: a.proposal_id()?,
                voter: a.addr(key::VOTER)?,
                power: a.parse(key::POWER, |s| s.parse().ok())?,
                options: a.parse(key::OPTIONS, parse_vote_options)?,
            },
            name::PROPOSAL_TALLIED => ProposalTallied {
                id: a.proposal_id()?,
                status: a.parse(key::STATUS, ProposalStatus::parse)?,
                outcome: a.parse(key::OUTCOME, TallyOutcome::parse)?,
                burned: a.coin(key::BURNED)?,
            },
            name::EXPEDITED_CONVERTED => ExpeditedConverted {
                id: a.proposal_id()?,
                voting_end: a.timestamp(key::VOTING_END)?,
            },
            name::PROPOSAL_EXECUTED => ProposalExecuted {
                id: a.proposal_id()?,
            },
            name::PROPOSAL_EXECUTION_FAILED => ProposalExecutionFailed {
                id: a.proposal_id()?,
                reason: a.string(key::REASON)?,
            },
            name::PROPOSAL_CANCELLED => ProposalCancelled {
                id: a.proposal_id()?,
                burned: a.coin(key::BURNED)?,
            },
            name::PROPOSAL_EXPIRED => ProposalExpired {
                id: a.proposal_id()?,
            },
            name::POOL_SPENT => PoolSpent {
                id: a.proposal_id()?,
                recipient: a.addr(key::RECIPIENT)?,
                amount: a.parse(key::AMOUNT, |s| {
                    s.split(',').map(parse_coin).collect::<Option<Vec<_>>>()
                })?,
            },
            _ => return Ok(None),
        };
        Ok(Some(event))
    }
}

impl From<KumoEvent> for Event {
    fn from(e: KumoEvent) -> Self {
        e.to_event()
    }
}

struct Attrs<'a, K, V> {
    event: &'a str,
    attributes: &'a [(K, V)],
}

impl<K: AsRef<str>, V: AsRef<str>> Attrs<'_, K, V> {
    fn raw(&self, key: &'static str) -> Result<&str, EventDecodeError> {
        self.attributes
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
            .ok_or_else(|| EventDecodeError::Missing {
                event: self.event.into(),
                key,
            })
    }

    fn parse<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, EventDecodeError> {
        let raw = self.raw(key)?;
        f(raw).ok_or_else(|| EventDecodeError::Malformed {
            event: self.event.into(),
            key,
            value: raw.into(),
            reason: "unexpected value".into(),
        })
    }

    fn string(&self, key: &'static str) -> Result<String, EventDecodeError> {
        self.raw(key).map(str::to_string)
    }

    fn addr(&self, key: &'static str) -> Result<Addr, EventDecodeError> {
        self.parse(key, |s| (!s.is_empty()).then(|| Addr::unchecked(s)))
    }

    fn coin(&self, key: &'static str) -> Result<Coin, EventDecodeError> {
        self.parse(key, parse_coin)
    }

    fn timestamp(&self, key: &'static str) -> Result<Timestamp, EventDecodeError> {
        Ok(Timestamp::from_nanos(self.parse(key, |s| s.parse().ok())?))
    }

    fn proposal_id(&self) -> Result<u64, EventDecodeError> {
        self.parse(key::PROPOSAL_ID, |s| s.parse().ok())
    }

    fn dec_coin(&self, key: &'static str) -> Result<DecCoin, EventDecodeError> {
        self.parse(key, |s| {
            let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
            let amount: Decimal256 = s[..split].parse().ok()?;
            Some(DecCoin::new(amount, &s[split..]))
        })
    }

    fn deployment(&self) -> Result<DeploymentId, EventDecodeError> {
        Ok(DeploymentId {
            owner: self.addr(key::OWNER)?,
            dseq: self.parse(key::DSEQ, |s| s.parse().ok())?,
        })
    }

    fn group(&self) -> Result<GroupId, EventDecodeError> {
        Ok(self
            .deployment()?
            .group(self.parse(key::GSEQ, |s| s.parse().ok())?))
    }

    fn order(&self) -> Result<OrderId, EventDecodeError> {
        Ok(self
            .group()?
            .order(self.parse(key::OSEQ, |s| s.parse().ok())?))
    }

    fn bid(&self) -> Result<BidId, EventDecodeError> {
        Ok(self.order()?.bid(&self.addr(key::PROVIDER)?))
    }
}

#[cfg(test)]
mod tests;
