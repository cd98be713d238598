//! The governance contract's API: staking with snapshots, proposals carrying typed actions,
//! deposits, votes, tally and execution, after Cosmos x/gov (lifecycle, tally) and DAO DAO
//! (voting power from a stake snapshot at the proposal's start height).

use cosmwasm_schema::{cw_serde, QueryResponses};
use cosmwasm_std::{Addr, Coin, Decimal, Timestamp, Uint256};

use crate::coins::validate_denom;
use crate::error::{ensure, ValidationError};
use crate::market::{GpuPricingTier, MarketParamsUpdate};
use crate::registry::RegistryParamsUpdate;

/// Longest proposal title, in bytes (x/gov's limit).
pub const MAX_TITLE_LEN: usize = 140;
/// Longest proposal description, in bytes (x/gov v1beta1's limit).
pub const MAX_DESCRIPTION_LEN: usize = 10_000;
/// Most actions in one proposal.
pub const MAX_ACTIONS: usize = 10;
/// Largest JSON serialization of a proposal's actions.
pub const MAX_ACTIONS_BYTES: usize = 16 * 1024;
/// Most distinct depositors one proposal tracks (each is refunded in the same transaction).
pub const MAX_DEPOSITORS: usize = 32;
/// Most pending unstake claims per account, as Cosmos staking bounds unbonding entries.
pub const MAX_CLAIMS: usize = 7;
/// Longest deposit, voting, timelock or unbonding period governance may set: one year.
pub const MAX_PERIOD_SECONDS: u64 = 365 * 24 * 3600;
/// Most coins one community-pool spend may send.
pub const MAX_SPEND_COINS: usize = 16;
/// Longest execution failure reason kept on a proposal (its end: the root cause comes last).
pub const MAX_FAILURE_LEN: usize = 2048;

#[cw_serde]
pub struct GovernanceParams {
    /// The denom staked for voting power and paid as proposal deposits. Fixed at
    /// instantiation: stakes, claims and deposits are stored without it.
    pub staking_denom: String,
    /// Deposit a regular proposal needs before voting starts.
    pub min_deposit: Coin,
    /// Deposit an expedited proposal needs; at least `min_deposit`.
    pub expedited_min_deposit: Coin,
    /// Fraction of the min deposit the proposer must pay at submission, in [0, 1].
    pub min_initial_deposit_ratio: Decimal,
    /// Fraction of the min deposit every later deposit must carry, in [0, 1], so that dust
    /// cannot fill the bounded depositor list (x/gov's `min_deposit_ratio`).
    pub min_deposit_ratio: Decimal,
    pub max_deposit_period_seconds: u64,
    pub voting_period_seconds: u64,
    /// Shorter than `voting_period_seconds`.
    pub expedited_voting_period_seconds: u64,
    /// Seconds between the end of voting and the earliest execution of a passed proposal.
    pub timelock_seconds: u64,
    /// Seconds an unstake waits before it can be claimed; at least voting period + timelock,
    /// so a voter stays exposed until what it voted for has executed.
    pub unbonding_period_seconds: u64,
    /// Least fraction of the total power (at the start height) that must vote, in (0, 1].
    pub quorum: Decimal,
    /// Yes / (Yes + No + NoWithVeto) must be strictly above this, in (0, 1).
    pub threshold: Decimal,
    /// The threshold of expedited proposals: above `threshold`, below 1.
    pub expedited_threshold: Decimal,
    /// NoWithVeto / all votes strictly above this vetoes (and burns the deposit), in (0, 1].
    pub veto_threshold: Decimal,
    /// Burn the deposit of a proposal that misses quorum (else it is refunded).
    pub burn_deposit_on_no_quorum: bool,
    /// Fraction of the deposit burned when the proposer cancels, in [0, 1].
    pub cancel_burn_ratio: Decimal,
}

/// A partial update: fields left out keep their value. The staking denom cannot change.
#[cw_serde]
#[derive(Default)]
pub struct GovernanceParamsUpdate {
    pub min_deposit: Option<Coin>,
    pub expedited_min_deposit: Option<Coin>,
    pub min_initial_deposit_ratio: Option<Decimal>,
    pub min_deposit_ratio: Option<Decimal>,
    pub max_deposit_period_seconds: Option<u64>,
    pub voting_period_seconds: Option<u64>,
    pub expedited_voting_period_seconds: Option<u64>,
    pub timelock_seconds: Option<u64>,
    pub unbonding_period_seconds: Option<u64>,
    pub quorum: Option<Decimal>,
    pub threshold: Option<Decimal>,
    pub expedited_threshold: Option<Decimal>,
    pub veto_threshold: Option<Decimal>,
    pub burn_deposit_on_no_quorum: Option<bool>,
    pub cancel_burn_ratio: Option<Decimal>,
}

fn validate_period(field: &str, seconds: u64) -> Result<(), ValidationError> {
    ensure(
        (1..=MAX_PERIOD_SECONDS).contains(&seconds),
        || field.into(),
        || format!("{seconds} is out of range 1-{MAX_PERIOD_SECONDS} seconds"),
    )
}

/// A fraction in [0, 1].
fn validate_ratio(field: &str, value: Decimal) -> Result<(), ValidationError> {
    ensure(
        value <= Decimal::one(),
        || field.into(),
        || format!("{value} must be at most 1"),
    )
}

/// A fraction in (0, 1], or in (0, 1) when `below_one`.
fn validate_positive_fraction(
    field: &str,
    value: Decimal,
    below_one: bool,
) -> Result<(), ValidationError> {
    let in_range = !value.is_zero()
        && if below_one {
            value < Decimal::one()
        } else {
            value <= Decimal::one()
        };
    ensure(
        in_range,
        || field.into(),
        || {
            let upper = if below_one { "below 1" } else { "at most 1" };
            format!("{value} must be above 0 and {upper}")
        },
    )
}

fn validate_min_deposit(field: &str, coin: &Coin, denom: &str) -> Result<(), ValidationError> {
    ensure(
        coin.denom == denom,
        || format!("{field}.denom"),
        || format!("{} is not the staking denom {denom}", coin.denom),
    )?;
    ensure(
        !coin.amount.is_zero(),
        || format!("{field}.amount"),
        || "must be above 0".into(),
    )
}

impl GovernanceParams {
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_denom("staking_denom", &self.staking_denom)?;
        validate_min_deposit("min_deposit", &self.min_deposit, &self.staking_denom)?;
        validate_min_deposit(
            "expedited_min_deposit",
            &self.expedited_min_deposit,
            &self.staking_denom,
        )?;
        ensure(
            self.expedited_min_deposit.amount >= self.min_deposit.amount,
            || "expedited_min_deposit.amount".into(),
            || {
                format!(
                    "{} must be at least min_deposit ({})",
                    self.expedited_min_deposit.amount, self.min_deposit.amount
                )
            },
        )?;
        validate_ratio("min_initial_deposit_ratio", self.min_initial_deposit_ratio)?;
        validate_ratio("min_deposit_ratio", self.min_deposit_ratio)?;
        validate_ratio("cancel_burn_ratio", self.cancel_burn_ratio)?;
        validate_period(
            "max_deposit_period_seconds",
            self.max_deposit_period_seconds,
        )?;
        validate_period("voting_period_seconds", self.voting_period_seconds)?;
        validate_period(
            "expedited_voting_period_seconds",
            self.expedited_voting_period_seconds,
        )?;
        ensure(
            self.expedited_voting_period_seconds < self.voting_period_seconds,
            || "expedited_voting_period_seconds".into(),
            || {
                format!(
                    "{} must be below voting_period_seconds ({})",
                    self.expedited_voting_period_seconds, self.voting_period_seconds
                )
            },
        )?;
        validate_period("timelock_seconds", self.timelock_seconds)?;
        validate_period("unbonding_period_seconds", self.unbonding_period_seconds)?;
        // Both are at most a year, so the sum cannot overflow.
        let exposure = self.voting_period_seconds + self.timelock_seconds;
        ensure(
            self.unbonding_period_seconds >= exposure,
            || "unbonding_period_seconds".into(),
            || {
                format!(
                    "{} must be at least voting_period_seconds + timelock_seconds ({exposure})",
                    self.unbonding_period_seconds
                )
            },
        )?;
        validate_positive_fraction("quorum", self.quorum, false)?;
        // Passing needs a share strictly above the threshold: at 1 nothing could ever pass
        // again, governance included.
        validate_positive_fraction("threshold", self.threshold, true)?;
        validate_positive_fraction("expedited_threshold", self.expedited_threshold, true)?;
        ensure(
            self.expedited_threshold > self.threshold,
            || "expedited_threshold".into(),
            || {
                format!(
                    "{} must be above threshold ({})",
                    self.expedited_threshold, self.threshold
                )
            },
        )?;
        validate_positive_fraction("veto_threshold", self.veto_threshold, false)
    }

    /// Applies a partial update and validates the result.
    pub fn updated(&self, update: &GovernanceParamsUpdate) -> Result<Self, ValidationError> {
        let mut next = self.clone();
        let GovernanceParamsUpdate {
            min_deposit,
            expedited_min_deposit,
            min_initial_deposit_ratio,
            min_deposit_ratio,
            max_deposit_period_seconds,
            voting_period_seconds,
            expedited_voting_period_seconds,
            timelock_seconds,
            unbonding_period_seconds,
            quorum,
            threshold,
            expedited_threshold,
            veto_threshold,
            burn_deposit_on_no_quorum,
            cancel_burn_ratio,
        } = update.clone();
        if let Some(v) = min_deposit {
            next.min_deposit = v;
        }
        if let Some(v) = expedited_min_deposit {
            next.expedited_min_deposit = v;
        }
        if let Some(v) = min_initial_deposit_ratio {
            next.min_initial_deposit_ratio = v;
        }
        if let Some(v) = min_deposit_ratio {
            next.min_deposit_ratio = v;
        }
        if let Some(v) = max_deposit_period_seconds {
            next.max_deposit_period_seconds = v;
        }
        if let Some(v) = voting_period_seconds {
            next.voting_period_seconds = v;
        }
        if let Some(v) = expedited_voting_period_seconds {
            next.expedited_voting_period_seconds = v;
        }
        if let Some(v) = timelock_seconds {
            next.timelock_seconds = v;
        }
        if let Some(v) = unbonding_period_seconds {
            next.unbonding_period_seconds = v;
        }
        if let Some(v) = quorum {
            next.quorum = v;
        }
        if let Some(v) = threshold {
            next.threshold = v;
        }
        if let Some(v) = expedited_threshold {
            next.expedited_threshold = v;
        }
        if let Some(v) = veto_threshold {
            next.veto_threshold = v;
        }
        if let Some(v) = burn_deposit_on_no_quorum {
            next.burn_deposit_on_no_quorum = v;
        }
        if let Some(v) = cancel_burn_ratio {
            next.cancel_burn_ratio = v;
        }
        next.validate()?;
        Ok(next)
    }

    /// The deposit that starts voting.
    pub fn min_deposit_for(&self, expedited: bool) -> Uint256 {
        if expedited {
            self.expedited_min_deposit.amount
        } else {
            self.min_deposit.amount
        }
    }

    pub fn voting_period_for(&self, expedited: bool) -> u64 {
        if expedited {
            self.expedited_voting_period_seconds
        } else {
            self.voting_period_seconds
        }
    }

    pub fn threshold_for(&self, expedited: bool) -> Decimal {
        if expedited {
            self.expedited_threshold
        } else {
            self.threshold
        }
    }
}

/// What a passed proposal does. Typed, never arbitrary messages; each is checked at
/// submission with the rules its target applies, and again right before execution.
/// A proposal with no actions is a text proposal.
#[cw_serde]
pub enum ProposalAction {
    /// A partial update of the market's params.
    UpdateMarketParams(MarketParamsUpdate),
    /// A partial update of the registry's params.
    UpdateRegistryParams(RegistryParamsUpdate),
    /// A partial update of this contract's params (boxed: it is the largest action).
    UpdateGovernanceParams(Box<GovernanceParamsUpdate>),
    /// Replaces the market's GPU pricing tiers.
    SetGpuPricingTiers { tiers: Vec<GpuPricingTier> },
    /// Replaces the auditors whose GPU attestations the market trusts.
    SetCertifiedAuditors { auditors: Vec<String> },
    /// Slashes a fraction of a provider's bonded and unbonding collateral in the registry.
    SlashProvider {
        provider: String,
        fraction: Decimal,
        reason: String,
    },
    /// Pays coins out of the community pool.
    CommunityPoolSpend {
        recipient: String,
        amount: Vec<Coin>,
    },
    /// Points this contract at another market and/or registry; each must name this contract
    /// as its governance.
    SetContracts {
        market: Option<String>,
        registry: Option<String>,
    },
}

/// A proposal's title (1-140 printable bytes) and description (1-10000 bytes, not blank).
pub fn validate_proposal_text(title: &str, description: &str) -> Result<(), ValidationError> {
    ensure(
        !title.trim().is_empty()
            && title.len() <= MAX_TITLE_LEN
            && !title.chars().any(char::is_control),
        || "title".into(),
        || format!("must be 1-{MAX_TITLE_LEN} bytes of printable text, not blank"),
    )?;
    ensure(
        !description.trim().is_empty() && description.len() <= MAX_DESCRIPTION_LEN,
        || "description".into(),
        || format!("must be 1-{MAX_DESCRIPTION_LEN} bytes, not blank"),
    )
}

/// At most `MAX_ACTIONS` actions, serializing to at most `MAX_ACTIONS_BYTES` of JSON.
pub fn validate_action_bounds(actions: &[ProposalAction]) -> Result<(), ValidationError> {
    ensure(
        actions.len() <= MAX_ACTIONS,
        || "actions".into(),
        || format!("{} actions, at most {MAX_ACTIONS} allowed", actions.len()),
    )?;
    let size = cosmwasm_std::to_json_vec(actions)
        .map_err(|e| ValidationError::new("actions", e.to_string()))?
        .len();
    ensure(
        size <= MAX_ACTIONS_BYTES,
        || "actions".into(),
        || format!("{size} bytes serialized, at most {MAX_ACTIONS_BYTES} allowed"),
    )
}

#[cw_serde]
#[derive(Copy, Eq, PartialOrd, Ord, Hash)]
pub enum VoteOption {
    Yes,
    No,
    Abstain,
    NoWithVeto,
}

impl VoteOption {
    pub const ALL: [VoteOption; 4] = [Self::Yes, Self::No, Self::Abstain, Self::NoWithVeto];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Abstain => "abstain",
            Self::NoWithVeto => "no_with_veto",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One part of a split vote: the share of the voter's power given to one option.
#[cw_serde]
pub struct WeightedVoteOption {
    pub option: VoteOption,
    pub weight: Decimal,
}

impl WeightedVoteOption {
    pub fn new(option: VoteOption, weight: Decimal) -> Self {
        Self { option, weight }
    }
}

/// A split vote: at least one option, each at most once with a weight above 0, weights
/// summing to exactly 1.
pub fn validate_weighted_options(options: &[WeightedVoteOption]) -> Result<(), ValidationError> {
    ensure(
        !options.is_empty(),
        || "options".into(),
        || "at least one option is needed".into(),
    )?;
    let mut sum = Decimal::zero();
    for (i, part) in options.iter().enumerate() {
        ensure(
            !options[..i].iter().any(|o| o.option == part.option),
            || format!("options[{i}].option"),
            || format!("{} is listed twice", part.option.as_str()),
        )?;
        ensure(
            !part.weight.is_zero() && part.weight <= Decimal::one(),
            || format!("options[{i}].weight"),
            || format!("{} must be above 0 and at most 1", part.weight),
        )?;
        // At most four unique weights of at most 1 each: cannot overflow.
        sum += part.weight;
    }
    ensure(
        sum == Decimal::one(),
        || "options".into(),
        || format!("weights sum to {sum}, not 1"),
    )
}

#[cw_serde]
#[derive(Copy, Eq, Hash)]
pub enum ProposalStatus {
    /// Collecting deposits until the min deposit or the deposit period's end.
    DepositPeriod,
    VotingPeriod,
    /// Passed; executable once the timelock has elapsed.
    Passed,
    /// Failed quorum or threshold, or everyone abstained.
    Rejected,
    /// Vetoed: the deposit was burned.
    Vetoed,
    Executed,
    /// Passed but its actions failed; `Proposal::failure` says why.
    ExecutionFailed,
    /// Cancelled by the proposer.
    Cancelled,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 8] = [
        Self::DepositPeriod,
        Self::VotingPeriod,
        Self::Passed,
        Self::Rejected,
        Self::Vetoed,
        Self::Executed,
        Self::ExecutionFailed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DepositPeriod => "deposit_period",
            Self::VotingPeriod => "voting_period",
            Self::Passed => "passed",
            Self::Rejected => "rejected",
            Self::Vetoed => "vetoed",
            Self::Executed => "executed",
            Self::ExecutionFailed => "execution_failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Why a tally came out as it did, in x/gov's order of checks.
#[cw_serde]
#[derive(Copy, Eq, Hash)]
pub enum TallyOutcome {
    Passed,
    /// Fewer than `quorum` of the total power voted.
    NoQuorum,
    /// Everyone who voted abstained.
    AllAbstain,
    /// NoWithVeto above `veto_threshold` of all votes.
    Vetoed,
    /// Yes not strictly above the threshold of the non-abstaining votes.
    BelowThreshold,
}

impl TallyOutcome {
    pub const ALL: [TallyOutcome; 5] = [
        Self::Passed,
        Self::NoQuorum,
        Self::AllAbstain,
        Self::Vetoed,
        Self::BelowThreshold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::NoQuorum => "no_quorum",
            Self::AllAbstain => "all_abstain",
            Self::Vetoed => "vetoed",
            Self::BelowThreshold => "below_threshold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Voting power per option.
#[cw_serde]
#[derive(Default, Eq)]
pub struct TallyResult {
    pub yes: Uint256,
    pub no: Uint256,
    pub abstain: Uint256,
    pub no_with_veto: Uint256,
}

impl TallyResult {
    /// All power that voted, abstentions included. Each voter's parts sum to its power and
    /// powers sum to at most the total supply, so this cannot overflow.
    pub fn total(&self) -> Uint256 {
        self.yes + self.no + self.abstain + self.no_with_veto
    }
}

/// A proposal's lifecycle record. Its description and actions are kept apart (see
/// [`ProposalResponse`]) so that votes do not load them.
#[cw_serde]
pub struct Proposal {
    pub id: u64,
    pub proposer: Addr,
    pub title: String,
    /// False again once a failed expedited proposal became a regular one.
    pub expedited: bool,
    pub status: ProposalStatus,
    pub submit_time: Timestamp,
    pub deposit_end_time: Timestamp,
    /// Deposits held, in the staking denom.
    pub total_deposit: Coin,
    pub voting_start_time: Option<Timestamp>,
    /// The block voting started in; power is the stake at the start of this block.
    pub start_height: Option<u64>,
    /// Votes are accepted before this time; the tally is possible from it on.
    pub voting_end_time: Option<Timestamp>,
    /// Total stake at the start height: the base of the quorum.
    pub total_power: Uint256,
    /// Votes so far; final once tallied.
    pub tally: TallyResult,
    /// The outcome of the final tally.
    pub outcome: Option<TallyOutcome>,
    /// Earliest execution of a passed proposal: voting end + timelock.
    pub executable_at: Option<Timestamp>,
    /// Why execution failed.
    pub failure: Option<String>,
}

#[cw_serde]
pub struct Deposit {
    pub depositor: Addr,
    pub amount: Coin,
}

/// A vote as stored: power is fixed at the proposal's start height.
#[cw_serde]
pub struct Vote {
    pub proposal_id: u64,
    pub voter: Addr,
    pub options: Vec<WeightedVoteOption>,
    pub power: Uint256,
}

/// Unstaked tokens waiting for the unbonding period.
#[cw_serde]
pub struct Claim {
    pub amount: Uint256,
    pub release_at: Timestamp,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// The market; may be wired once later with `WireContracts` (it is instantiated with this
    /// contract's address as its governance, so its address is usually not known yet).
    pub market: Option<String>,
    pub registry: Option<String>,
    pub params: GovernanceParams,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Once, by the instantiating account, for addresses still unset; afterwards only a
    /// passed proposal changes them.
    WireContracts {
        market: Option<String>,
        registry: Option<String>,
    },
    /// Stakes the staking denom sent in the funds. Power counts on proposals whose voting
    /// starts in a later block.
    Stake {},
    /// Starts unbonding; claimable after the unbonding period.
    Unstake {
        amount: Uint256,
    },
    /// Pays out every matured claim.
    Claim {},
    /// Funded with the initial deposit in the staking denom.
    SubmitProposal {
        title: String,
        description: String,
        actions: Vec<ProposalAction>,
        expedited: bool,
    },
    /// Anyone may deposit (in the staking denom) during the deposit and voting periods.
    Deposit {
        id: u64,
    },
    Vote {
        id: u64,
        option: VoteOption,
    },
    VoteWeighted {
        id: u64,
        options: Vec<WeightedVoteOption>,
    },
    /// By the proposer, before voting ends; `cancel_burn_ratio` of the deposit is burned.
    CancelProposal {
        id: u64,
    },
    /// Anyone, once the deposit period ended without the min deposit: refunds the deposits
    /// and deletes the proposal.
    Expire {
        id: u64,
    },
    /// Anyone, once voting ended: counts the votes and settles the deposits.
    Tally {
        id: u64,
    },
    /// Anyone, once a passed proposal's timelock elapsed.
    ExecuteProposal {
        id: u64,
    },
    /// Internal: only this contract may call it, as the single submessage of
    /// `ExecuteProposal`, so that all actions of a proposal apply or none does.
    DispatchActions {
        id: u64,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(ConfigResponse)]
    Config {},
    #[returns(GovernanceParams)]
    Params {},
    #[returns(ProposalResponse)]
    Proposal { id: u64 },
    /// Proposals by id, optionally only those in one status.
    #[returns(ProposalsResponse)]
    Proposals {
        status: Option<ProposalStatus>,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// A proposal's deposits; at most `MAX_DEPOSITORS`, so not paged.
    #[returns(DepositsResponse)]
    Deposits { id: u64 },
    #[returns(VoteResponse)]
    Vote { id: u64, voter: String },
    #[returns(VotesResponse)]
    Votes {
        id: u64,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    /// The tally so far, and the outcome if voting ended now.
    #[returns(TallyResponse)]
    Tally { id: u64 },
    /// Stake at the start of `height` (the power it gives on a proposal starting then);
    /// the current stake without a height.
    #[returns(VotingPowerResponse)]
    VotingPower {
        address: String,
        height: Option<u64>,
    },
    /// Total stake at the start of `height`; the current total without a height.
    #[returns(TotalPowerResponse)]
    TotalPower { height: Option<u64> },
    /// An account's stake and pending claims.
    #[returns(StakeResponse)]
    Stake { address: String },
    /// The community pool in one denom: the contract's balance less what it owes.
    #[returns(Coin)]
    CommunityPool { denom: String },
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
pub struct ConfigResponse {
    pub market: Option<Addr>,
    pub registry: Option<Addr>,
    /// The account still allowed to call `WireContracts` once; none after it did.
    pub wirer: Option<Addr>,
}

#[cw_serde]
pub struct ProposalResponse {
    pub proposal: Proposal,
    pub description: String,
    pub actions: Vec<ProposalAction>,
}

#[cw_serde]
pub struct ProposalsResponse {
    pub proposals: Vec<Proposal>,
}

#[cw_serde]
pub struct DepositsResponse {
    pub deposits: Vec<Deposit>,
}

#[cw_serde]
pub struct VoteResponse {
    pub vote: Option<Vote>,
}

#[cw_serde]
pub struct VotesResponse {
    pub votes: Vec<Vote>,
}

#[cw_serde]
pub struct TallyResponse {
    pub status: ProposalStatus,
    pub tally: TallyResult,
    pub total_power: Uint256,
    /// The final outcome once tallied; during voting, the outcome if voting ended now; none
    /// before voting.
    pub outcome: Option<TallyOutcome>,
}

#[cw_serde]
pub struct VotingPowerResponse {
    pub address: Addr,
    pub height: u64,
    pub power: Uint256,
}

#[cw_serde]
pub struct TotalPowerResponse {
    pub height: u64,
    pub power: Uint256,
}

#[cw_serde]
pub struct StakeResponse {
    pub address: Addr,
    pub staked: Coin,
    pub claims: Vec<Claim>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::coin;

    pub fn params() -> GovernanceParams {
        GovernanceParams {
            staking_denom: "uakt".into(),
            min_deposit: coin(1000, "uakt"),
            expedited_min_deposit: coin(5000, "uakt"),
            min_initial_deposit_ratio: Decimal::percent(25),
            min_deposit_ratio: Decimal::percent(1),
            max_deposit_period_seconds: 3600,
            voting_period_seconds: 7200,
            expedited_voting_period_seconds: 1800,
            timelock_seconds: 600,
            unbonding_period_seconds: 7800,
            quorum: Decimal::permille(334),
            threshold: Decimal::percent(50),
            expedited_threshold: Decimal::permille(667),
            veto_threshold: Decimal::permille(334),
            burn_deposit_on_no_quorum: false,
            cancel_burn_ratio: Decimal::percent(50),
        }
    }

    fn field_of(update: GovernanceParamsUpdate) -> String {
        params().updated(&update).unwrap_err().field
    }

    #[test]
    fn defaults_are_valid() {
        params().validate().unwrap();
    }

    #[test]
    fn unbonding_must_cover_voting_and_timelock() {
        let err = params()
            .updated(&GovernanceParamsUpdate {
                unbonding_period_seconds: Some(7799),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unbonding_period_seconds: 7799 must be at least voting_period_seconds + \
             timelock_seconds (7800)"
        );
        // Exactly voting + timelock is enough; lengthening voting alone breaks it.
        params()
            .updated(&GovernanceParamsUpdate {
                unbonding_period_seconds: Some(7800),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            field_of(GovernanceParamsUpdate {
                voting_period_seconds: Some(7201),
                ..Default::default()
            }),
            "unbonding_period_seconds"
        );
    }

    #[test]
    fn fractions_are_bounded() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        for (update, field) in [
            (
                GovernanceParamsUpdate {
                    quorum: Some(Decimal::zero()),
                    ..Default::default()
                },
                "quorum",
            ),
            (
                GovernanceParamsUpdate {
                    quorum: Some(d("1.01")),
                    ..Default::default()
                },
                "quorum",
            ),
            (
                GovernanceParamsUpdate {
                    threshold: Some(Decimal::one()),
                    expedited_threshold: Some(Decimal::one()),
                    ..Default::default()
                },
                "threshold",
            ),
            (
                GovernanceParamsUpdate {
                    expedited_threshold: Some(d("0.5")),
                    ..Default::default()
                },
                "expedited_threshold",
            ),
            (
                GovernanceParamsUpdate {
                    veto_threshold: Some(Decimal::zero()),
                    ..Default::default()
                },
                "veto_threshold",
            ),
            (
                GovernanceParamsUpdate {
                    cancel_burn_ratio: Some(d("1.5")),
                    ..Default::default()
                },
                "cancel_burn_ratio",
            ),
            (
                GovernanceParamsUpdate {
                    min_initial_deposit_ratio: Some(d("2")),
                    ..Default::default()
                },
                "min_initial_deposit_ratio",
            ),
        ] {
            assert_eq!(field_of(update), field);
        }
        // The edges that are allowed.
        params()
            .updated(&GovernanceParamsUpdate {
                quorum: Some(Decimal::one()),
                veto_threshold: Some(Decimal::one()),
                cancel_burn_ratio: Some(Decimal::zero()),
                min_initial_deposit_ratio: Some(Decimal::one()),
                ..Default::default()
            })
            .unwrap();
    }

    #[test]
    fn periods_and_deposits() {
        for (update, field) in [
            (
                GovernanceParamsUpdate {
                    max_deposit_period_seconds: Some(0),
                    ..Default::default()
                },
                "max_deposit_period_seconds",
            ),
            (
                GovernanceParamsUpdate {
                    expedited_voting_period_seconds: Some(7200),
                    ..Default::default()
                },
                "expedited_voting_period_seconds",
            ),
            (
                GovernanceParamsUpdate {
                    timelock_seconds: Some(MAX_PERIOD_SECONDS + 1),
                    ..Default::default()
                },
                "timelock_seconds",
            ),
            (
                GovernanceParamsUpdate {
                    min_deposit: Some(coin(10, "uother")),
                    ..Default::default()
                },
                "min_deposit.denom",
            ),
            (
                GovernanceParamsUpdate {
                    min_deposit: Some(coin(0, "uakt")),
                    ..Default::default()
                },
                "min_deposit.amount",
            ),
            (
                GovernanceParamsUpdate {
                    min_deposit: Some(coin(5001, "uakt")),
                    ..Default::default()
                },
                "expedited_min_deposit.amount",
            ),
        ] {
            assert_eq!(field_of(update), field);
        }
        // Equal min deposits are allowed.
        params()
            .updated(&GovernanceParamsUpdate {
                min_deposit: Some(coin(5000, "uakt")),
                ..Default::default()
            })
            .unwrap();
    }

    #[test]
    fn weighted_votes() {
        let w = |o, s: &str| WeightedVoteOption::new(o, s.parse().unwrap());
        validate_weighted_options(&[w(VoteOption::Yes, "1")]).unwrap();
        validate_weighted_options(&[
            w(VoteOption::Yes, "0.7"),
            w(VoteOption::No, "0.2"),
            w(VoteOption::NoWithVeto, "0.1"),
        ])
        .unwrap();
        let err = |opts: &[WeightedVoteOption]| validate_weighted_options(opts).unwrap_err();
        assert_eq!(err(&[]).field, "options");
        assert_eq!(
            err(&[w(VoteOption::Yes, "0.5"), w(VoteOption::Yes, "0.5")]).to_string(),
            "options[1].option: yes is listed twice"
        );
        assert_eq!(
            err(&[w(VoteOption::Yes, "0.5"), w(VoteOption::No, "0.4")]).to_string(),
            "options: weights sum to 0.9, not 1"
        );
        assert_eq!(
            err(&[w(VoteOption::Yes, "1"), w(VoteOption::No, "0")]).to_string(),
            "options[1].weight: 0 must be above 0 and at most 1"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in ProposalStatus::ALL {
            assert_eq!(ProposalStatus::parse(s.as_str()), Some(s));
            // The event name is the wire (serde) name.
            assert_eq!(
                cosmwasm_std::to_json_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for o in TallyOutcome::ALL {
            assert_eq!(TallyOutcome::parse(o.as_str()), Some(o));
        }
        for o in VoteOption::ALL {
            assert_eq!(VoteOption::parse(o.as_str()), Some(o));
            assert_eq!(
                cosmwasm_std::to_json_string(&o).unwrap(),
                format!("\"{}\"", o.as_str())
            );
        }
    }
}
