//! Queries. Lists page with `start_after` + `limit`; other loops run over bounded lists.

use cosmwasm_std::{to_json_binary, Binary, Coin, Deps, Env, Order, StdResult};
use cw_storage_plus::Bound;
use kumo_types::governance::{
    ConfigResponse, DepositsResponse, ProposalResponse, ProposalStatus, ProposalsResponse,
    QueryMsg, StakeResponse, TallyResponse, TotalPowerResponse, VoteResponse, VotesResponse,
    VotingPowerResponse,
};
use kumo_types::pagination::page_size;

use crate::error::ContractError;
use crate::pool::pool_balance;
use crate::state::{
    load_proposal, status_index, CLAIMS, CONFIG, CONTENTS, DEPOSITS, PARAMS, PROPOSALS,
    PROPOSALS_BY_STATUS, STAKES, TOTAL_STAKED, VOTES,
};
use crate::tally::{outcome, TallyRules};

pub fn dispatch(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&config(deps)?)?,
        QueryMsg::Params {} => to_json_binary(&PARAMS.load(deps.storage)?)?,
        QueryMsg::Proposal { id } => to_json_binary(&proposal(deps, id)?)?,
        QueryMsg::Proposals {
            status,
            start_after,
            limit,
        } => to_json_binary(&proposals(deps, status, start_after, limit)?)?,
        QueryMsg::Deposits { id } => to_json_binary(&deposits(deps, id)?)?,
        QueryMsg::Vote { id, voter } => to_json_binary(&vote(deps, id, &voter)?)?,
        QueryMsg::Votes {
            id,
            start_after,
            limit,
        } => to_json_binary(&votes(deps, id, start_after, limit)?)?,
        QueryMsg::Tally { id } => to_json_binary(&tally(deps, id)?)?,
        QueryMsg::VotingPower { address, height } => {
            to_json_binary(&voting_power(deps, &env, &address, height)?)?
        }
        QueryMsg::TotalPower { height } => to_json_binary(&total_power(deps, &env, height)?)?,
        QueryMsg::Stake { address } => to_json_binary(&stake(deps, &address)?)?,
        QueryMsg::CommunityPool { denom } => {
            let amount = pool_balance(deps, &env, &denom)?;
            to_json_binary(&Coin::new(amount, denom))?
        }
    })
}

fn config(deps: Deps) -> StdResult<ConfigResponse> {
    let config = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        market: config.market,
        registry: config.registry,
        wirer: config.wirer,
    })
}

fn proposal(deps: Deps, id: u64) -> Result<ProposalResponse, ContractError> {
    let proposal = load_proposal(deps.storage, id)?;
    let content = CONTENTS.load(deps.storage, id)?;
    Ok(ProposalResponse {
        proposal,
        description: content.description,
        actions: content.actions,
    })
}

fn proposals(
    deps: Deps,
    status: Option<ProposalStatus>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<ProposalsResponse> {
    let start = start_after.map(Bound::exclusive);
    let limit = page_size(limit);
    let proposals = match status {
        Some(status) => PROPOSALS_BY_STATUS
            .prefix(status_index(status))
            .keys(deps.storage, start, None, Order::Ascending)
            .take(limit)
            .map(|id| PROPOSALS.load(deps.storage, id?))
            .collect::<StdResult<_>>()?,
        None => PROPOSALS
            .range(deps.storage, start, None, Order::Ascending)
            .take(limit)
            .map(|item| item.map(|(_, p)| p))
            .collect::<StdResult<_>>()?,
    };
    Ok(ProposalsResponse { proposals })
}

/// Deposits still held; none once they were refunded or burned.
fn deposits(deps: Deps, id: u64) -> Result<DepositsResponse, ContractError> {
    load_proposal(deps.storage, id)?;
    Ok(DepositsResponse {
        deposits: DEPOSITS.may_load(deps.storage, id)?.unwrap_or_default(),
    })
}

fn vote(deps: Deps, id: u64, voter: &str) -> StdResult<VoteResponse> {
    let voter = deps.api.addr_validate(voter)?;
    Ok(VoteResponse {
        vote: VOTES.may_load(deps.storage, (id, &voter))?,
    })
}

fn votes(
    deps: Deps,
    id: u64,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<VotesResponse> {
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let votes = VOTES
        .prefix(id)
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_size(limit))
        .map(|item| item.map(|(_, v)| v))
        .collect::<StdResult<_>>()?;
    Ok(VotesResponse { votes })
}

fn tally(deps: Deps, id: u64) -> Result<TallyResponse, ContractError> {
    let proposal = load_proposal(deps.storage, id)?;
    let decided = match proposal.status {
        ProposalStatus::DepositPeriod => None,
        ProposalStatus::VotingPeriod => {
            let params = PARAMS.load(deps.storage)?;
            let rules = TallyRules::for_proposal(&params, proposal.expedited);
            Some(outcome(&proposal.tally, proposal.total_power, &rules))
        }
        _ => proposal.outcome,
    };
    Ok(TallyResponse {
        status: proposal.status,
        tally: proposal.tally,
        total_power: proposal.total_power,
        outcome: decided,
    })
}

fn voting_power(
    deps: Deps,
    env: &Env,
    address: &str,
    height: Option<u64>,
) -> StdResult<VotingPowerResponse> {
    let address = deps.api.addr_validate(address)?;
    let power = match height {
        Some(height) => STAKES.may_load_at_height(deps.storage, &address, height)?,
        None => STAKES.may_load(deps.storage, &address)?,
    };
    Ok(VotingPowerResponse {
        address,
        height: height.unwrap_or(env.block.height),
        power: power.unwrap_or_default(),
    })
}

fn total_power(deps: Deps, env: &Env, height: Option<u64>) -> StdResult<TotalPowerResponse> {
    let power = match height {
        Some(height) => TOTAL_STAKED.may_load_at_height(deps.storage, height)?,
        None => TOTAL_STAKED.may_load(deps.storage)?,
    };
    Ok(TotalPowerResponse {
        height: height.unwrap_or(env.block.height),
        power: power.unwrap_or_default(),
    })
}

fn stake(deps: Deps, address: &str) -> StdResult<StakeResponse> {
    let address = deps.api.addr_validate(address)?;
    let denom = PARAMS.load(deps.storage)?.staking_denom;
    let staked = STAKES.may_load(deps.storage, &address)?.unwrap_or_default();
    let claims = CLAIMS.may_load(deps.storage, &address)?.unwrap_or_default();
    Ok(StakeResponse {
        address,
        staked: Coin::new(staked, denom),
        claims,
    })
}
