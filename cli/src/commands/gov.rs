//! `kumo gov`: stake AKT for voting power, propose typed parameter changes, deposit, vote,
//! execute; proposals, tallies and params.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};
use cosmwasm_std::{Coin, Decimal, Timestamp};
use kumo_types::governance::{
    validate_weighted_options, ExecuteMsg, GovernanceParams, ProposalResponse, ProposalStatus,
    ProposalsResponse, QueryMsg, StakeResponse, TallyOutcome, TallyResponse, VoteOption,
    VotingPowerResponse, WeightedVoteOption,
};
use serde_json::json;

use crate::context::App;
use crate::files::read_proposal;
use crate::output;
use crate::parse::{parse_amount, parse_coin};

#[derive(Debug, Subcommand)]
pub enum GovCmd {
    /// Stake AKT for voting power (counts on proposals whose voting starts in a later block)
    Stake(AmountArgs),
    /// Start unstaking; claimable after the unbonding period
    Unstake(AmountArgs),
    /// Claim unstaked AKT whose unbonding period has passed
    Claim,
    /// An account's stake, voting power and pending claims
    Staked(AddressArgs),
    /// Submit a proposal from a JSON or YAML file (see examples/proposal.json)
    Propose(ProposeArgs),
    /// Add to a proposal's deposit
    Deposit(DepositArgs),
    /// Vote yes, no, abstain or no_with_veto
    Vote(VoteArgs),
    /// Split a vote, e.g. yes=0.7,no=0.3 (weights sum to 1)
    VoteWeighted(VoteWeightedArgs),
    /// Tally a proposal whose voting ended, and execute it once passed and its timelock is over
    Execute(IdArgs),
    /// Cancel your own proposal before voting ends (part of the deposit is burned)
    Cancel(IdArgs),
    /// List proposals
    Proposals(ProposalsArgs),
    /// Show a proposal with its actions
    Proposal(IdArgs),
    /// A proposal's votes so far and the outcome if voting ended now
    Tally(IdArgs),
    /// The governance params (deposits, periods, quorum, thresholds)
    Params,
}

#[derive(Debug, Args)]
pub struct AmountArgs {
    /// How much, e.g. 10000000uakt
    pub amount: String,
}

#[derive(Debug, Args)]
pub struct AddressArgs {
    /// The account [default: the --from key's]
    pub address: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// The proposal file: title, summary, actions, optional expedited and deposit
    pub file: PathBuf,
    /// Initial deposit [default: the file's `deposit`, else the minimum that starts voting]
    #[arg(long, value_name = "COIN")]
    pub deposit: Option<String>,
}

#[derive(Debug, Args)]
pub struct DepositArgs {
    /// The proposal id
    pub id: u64,
    /// How much, e.g. 5000000uakt
    pub amount: String,
}

fn parse_vote_option(s: &str) -> Result<VoteOption, String> {
    let norm = s.trim().to_ascii_lowercase().replace('-', "_");
    let norm = match norm.as_str() {
        "veto" | "nowithveto" => "no_with_veto".to_string(),
        _ => norm,
    };
    VoteOption::parse(&norm)
        .ok_or_else(|| format!("{s:?} is not a vote: use yes, no, abstain or no_with_veto"))
}

/// A split vote, as one argument.
#[derive(Debug, Clone)]
pub struct Weighted(pub Vec<WeightedVoteOption>);

fn parse_weighted(s: &str) -> Result<Weighted, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (opt, weight) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not option=weight: write e.g. yes=0.7,no=0.3"))?;
        let option = parse_vote_option(opt)?;
        let weight: Decimal = weight
            .trim()
            .parse()
            .map_err(|_| format!("{weight:?} is not a weight: use a decimal such as 0.7"))?;
        out.push(WeightedVoteOption::new(option, weight));
    }
    validate_weighted_options(&out).map_err(|e| format!("{}: {}", e.field, e.reason))?;
    Ok(Weighted(out))
}

#[derive(Debug, Args)]
pub struct VoteArgs {
    /// The proposal id
    pub id: u64,
    /// yes, no, abstain or no_with_veto
    #[arg(value_parser = parse_vote_option)]
    pub option: VoteOption,
}

#[derive(Debug, Args)]
pub struct VoteWeightedArgs {
    /// The proposal id
    pub id: u64,
    /// Options with weights summing to 1, e.g. yes=0.7,no=0.2,abstain=0.1
    #[arg(value_parser = parse_weighted)]
    pub options: Weighted,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The proposal id
    pub id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    DepositPeriod,
    VotingPeriod,
    Passed,
    Rejected,
    Vetoed,
    Executed,
    ExecutionFailed,
    Cancelled,
}

#[derive(Debug, Args)]
pub struct ProposalsArgs {
    /// Only proposals in this status
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Most proposals in this page
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Start after this proposal id
    #[arg(long, value_name = "ID")]
    pub start_after: Option<u64>,
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// RFC 3339, UTC.
pub fn time_str(t: &Timestamp) -> String {
    tendermint::Time::from_unix_timestamp(t.seconds() as i64, t.subsec_nanos() as u32)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|_| t.seconds().to_string())
}

async fn governance(app: &App, session: &crate::context::TxSession) -> String {
    let _ = app;
    session.client.contracts().governance.clone()
}

pub async fn run(cmd: &GovCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        GovCmd::Stake(args) => {
            let coin = parse_coin(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
            let session = app.tx_session().await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::Stake {},
                    std::slice::from_ref(&coin),
                    &format!("stake {}", output::coin_amount(coin.amount, &coin.denom)),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("staked {}{}", coin.amount, coin.denom),
                Some(json!({ "amount": coin })),
            );
        }
        GovCmd::Unstake(args) => {
            let amount = parse_amount(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
            let session = app.tx_session().await?;
            let params: GovernanceParams = session
                .client
                .query_governance(&QueryMsg::Params {})
                .await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::Unstake { amount },
                    &[],
                    &format!(
                        "unstake {amount}{} (claimable in {})",
                        params.staking_denom,
                        output::human_duration(params.unbonding_period_seconds as f64)
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("unstaking {amount}{}", params.staking_denom),
                Some(json!({ "amount": amount, "denom": params.staking_denom })),
            );
        }
        GovCmd::Claim => {
            let session = app.tx_session().await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::Claim {},
                    &[],
                    "claim unstaked AKT",
                )
                .await?;
            app.print_tx(&outcome, "claimed unstaked AKT", None);
        }
        GovCmd::Staked(args) => {
            let address = app.address_or_from(args.address.clone(), "account")?;
            let client = app.connect().await?;
            let stake: StakeResponse = client
                .query_governance(&QueryMsg::Stake {
                    address: address.clone(),
                })
                .await?;
            let power: VotingPowerResponse = client
                .query_governance(&QueryMsg::VotingPower {
                    address: address.clone(),
                    height: None,
                })
                .await?;
            if app.json() {
                output::print_json(&json!({ "stake": stake, "voting_power": power }));
            } else {
                print!(
                    "{}",
                    output::key_values(&[
                        ("address", address),
                        (
                            "staked",
                            output::coin_amount(stake.staked.amount, &stake.staked.denom)
                        ),
                        ("voting power", power.power.to_string()),
                        ("pending claims", stake.claims.len().to_string()),
                    ])
                );
                for c in &stake.claims {
                    println!("  {} at {}", c.amount, time_str(&c.release_at));
                }
            }
        }
        GovCmd::Propose(args) => propose(args, app).await?,
        GovCmd::Deposit(args) => {
            let coin = parse_coin(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
            let session = app.tx_session().await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::Deposit { id: args.id },
                    std::slice::from_ref(&coin),
                    &format!(
                        "deposit {}{} on proposal {}",
                        coin.amount, coin.denom, args.id
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!(
                    "deposited {}{} on proposal {}",
                    coin.amount, coin.denom, args.id
                ),
                Some(json!({ "proposal_id": args.id, "amount": coin })),
            );
        }
        GovCmd::Vote(args) => {
            let session = app.tx_session().await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::Vote {
                        id: args.id,
                        option: args.option,
                    },
                    &[],
                    &format!("vote {} on proposal {}", args.option.as_str(), args.id),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("voted {} on proposal {}", args.option.as_str(), args.id),
                Some(json!({ "proposal_id": args.id, "option": args.option })),
            );
        }
        GovCmd::VoteWeighted(args) => {
            let options: Vec<WeightedVoteOption> = args.options.0.clone();
            validate_weighted_options(&options).map_err(|e| {
                anyhow!(
                    "{}: {}: give options whose weights sum to 1",
                    e.field,
                    e.reason
                )
            })?;
            let shown: Vec<String> = options
                .iter()
                .map(|o| format!("{}={}", o.option.as_str(), o.weight))
                .collect();
            let session = app.tx_session().await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::VoteWeighted {
                        id: args.id,
                        options: options.clone(),
                    },
                    &[],
                    &format!("vote {} on proposal {}", shown.join(","), args.id),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("voted {} on proposal {}", shown.join(","), args.id),
                Some(json!({ "proposal_id": args.id, "options": options })),
            );
        }
        GovCmd::Execute(args) => execute(args.id, app).await?,
        GovCmd::Cancel(args) => {
            let session = app.tx_session().await?;
            let params: GovernanceParams = session
                .client
                .query_governance(&QueryMsg::Params {})
                .await?;
            let gov = governance(app, &session).await;
            let outcome = app
                .execute_contract(
                    &session,
                    &gov,
                    &ExecuteMsg::CancelProposal { id: args.id },
                    &[],
                    &format!(
                        "cancel proposal {} ({} of its deposit is burned)",
                        args.id, params.cancel_burn_ratio
                    ),
                )
                .await?;
            app.print_tx(
                &outcome,
                &format!("cancelled proposal {}", args.id),
                Some(json!({ "proposal_id": args.id })),
            );
        }
        GovCmd::Proposals(args) => {
            let client = app.connect().await?;
            let resp: ProposalsResponse = client
                .query_governance(&QueryMsg::Proposals {
                    status: args.status.map(status_of),
                    start_after: args.start_after,
                    limit: Some(args.limit),
                })
                .await?;
            let next = output::next_page(
                resp.proposals.len(),
                args.limit,
                resp.proposals.last().map(|p| p.id.to_string()),
            );
            if app.json() {
                output::print_json(&output::with_next_page(serde_json::to_value(&resp)?, next));
            } else if resp.proposals.is_empty() {
                println!("no proposals");
            } else {
                let rows: Vec<Vec<String>> = resp
                    .proposals
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.to_string(),
                            p.status.as_str().to_string(),
                            p.title.clone(),
                            format!("{}{}", p.total_deposit.amount, p.total_deposit.denom),
                            p.voting_end_time
                                .as_ref()
                                .map(time_str)
                                .unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    output::table(&["ID", "STATUS", "TITLE", "DEPOSIT", "VOTING ENDS"], &rows)
                );
                output::next_page_hint(&next);
            }
        }
        GovCmd::Proposal(args) => {
            let client = app.connect().await?;
            let resp: ProposalResponse = client
                .query_governance(&QueryMsg::Proposal { id: args.id })
                .await?;
            if app.json() {
                output::print_json(&resp);
            } else {
                print_proposal(&resp);
            }
        }
        GovCmd::Tally(args) => {
            let client = app.connect().await?;
            let resp: TallyResponse = client
                .query_governance(&QueryMsg::Tally { id: args.id })
                .await?;
            if app.json() {
                output::print_json(&resp);
            } else {
                print_tally(args.id, &resp);
            }
        }
        GovCmd::Params => {
            let client = app.connect().await?;
            let p: GovernanceParams = client.query_governance(&QueryMsg::Params {}).await?;
            if app.json() {
                output::print_json(&p);
            } else {
                let secs = |s: u64| format!("{s}s ({})", output::human_duration(s as f64));
                print!(
                    "{}",
                    output::key_values(&[
                        ("staking denom", p.staking_denom.clone()),
                        (
                            "min deposit",
                            format!("{}{}", p.min_deposit.amount, p.min_deposit.denom)
                        ),
                        (
                            "expedited min deposit",
                            format!(
                                "{}{}",
                                p.expedited_min_deposit.amount, p.expedited_min_deposit.denom
                            )
                        ),
                        (
                            "min initial deposit ratio",
                            p.min_initial_deposit_ratio.to_string()
                        ),
                        ("min deposit ratio", p.min_deposit_ratio.to_string()),
                        ("max deposit period", secs(p.max_deposit_period_seconds)),
                        ("voting period", secs(p.voting_period_seconds)),
                        (
                            "expedited voting period",
                            secs(p.expedited_voting_period_seconds)
                        ),
                        ("timelock", secs(p.timelock_seconds)),
                        ("unbonding period", secs(p.unbonding_period_seconds)),
                        ("quorum", p.quorum.to_string()),
                        ("threshold", p.threshold.to_string()),
                        ("expedited threshold", p.expedited_threshold.to_string()),
                        ("veto threshold", p.veto_threshold.to_string()),
                        (
                            "burn deposit on no quorum",
                            p.burn_deposit_on_no_quorum.to_string()
                        ),
                        ("cancel burn ratio", p.cancel_burn_ratio.to_string()),
                    ])
                );
            }
        }
    }
    Ok(())
}

fn status_of(s: StatusArg) -> ProposalStatus {
    match s {
        StatusArg::DepositPeriod => ProposalStatus::DepositPeriod,
        StatusArg::VotingPeriod => ProposalStatus::VotingPeriod,
        StatusArg::Passed => ProposalStatus::Passed,
        StatusArg::Rejected => ProposalStatus::Rejected,
        StatusArg::Vetoed => ProposalStatus::Vetoed,
        StatusArg::Executed => ProposalStatus::Executed,
        StatusArg::ExecutionFailed => ProposalStatus::ExecutionFailed,
        StatusArg::Cancelled => ProposalStatus::Cancelled,
    }
}

async fn propose(args: &ProposeArgs, app: &App) -> anyhow::Result<()> {
    let file = read_proposal(&args.file, app.denom())?;
    let flag_deposit = args
        .deposit
        .as_deref()
        .map(|d| parse_coin(d, app.denom()))
        .transpose()
        .map_err(|e| anyhow!("--deposit: {e}"))?;
    let session = app.tx_session().await?;
    let params: GovernanceParams = session
        .client
        .query_governance(&QueryMsg::Params {})
        .await?;
    let deposit = match flag_deposit.or(file.deposit.clone()) {
        Some(d) => d,
        None => Coin::new(
            params.min_deposit_for(file.expedited),
            &params.staking_denom,
        ),
    };
    let gov = governance(app, &session).await;
    let msg = ExecuteMsg::SubmitProposal {
        title: file.title.clone(),
        description: file.summary.clone(),
        actions: file.actions.clone(),
        expedited: file.expedited,
    };
    let outcome = app
        .execute_contract(
            &session,
            &gov,
            &msg,
            std::slice::from_ref(&deposit),
            &format!(
                "submit proposal {:?} with {} action(s) and a deposit of {}",
                file.title,
                file.actions.len(),
                output::coin_amount(deposit.amount, &deposit.denom)
            ),
        )
        .await?;
    let id = outcome.kumo_events().iter().find_map(|e| match e {
        kumo_types::events::KumoEvent::ProposalSubmitted { id, .. } => Some(*id),
        _ => None,
    });
    let voting = outcome
        .kumo_events()
        .iter()
        .any(|e| matches!(e, kumo_types::events::KumoEvent::VotingStarted { .. }));
    let headline = match id {
        Some(id) if voting => format!("submitted proposal {id}; voting has started"),
        Some(id) => format!(
            "submitted proposal {id}; it needs {} in deposits to start voting (`kumo gov deposit {id} <amount>`)",
            output::coin_amount(params.min_deposit_for(file.expedited), &params.staking_denom)
        ),
        None => "submitted the proposal".into(),
    };
    app.print_tx(
        &outcome,
        &headline,
        Some(json!({ "proposal_id": id, "voting_started": voting, "deposit": deposit })),
    );
    Ok(())
}

/// Tallies (when voting ended) and executes (when passed and the timelock is over), in one
/// transaction when both are due.
async fn execute(id: u64, app: &App) -> anyhow::Result<()> {
    let session = app.tx_session().await?;
    let client = &session.client;
    let resp: ProposalResponse = client.query_governance(&QueryMsg::Proposal { id }).await?;
    let params: GovernanceParams = client.query_governance(&QueryMsg::Params {}).await?;
    let p = &resp.proposal;
    let now = now_seconds();
    let mut msgs = Vec::new();
    match p.status {
        ProposalStatus::VotingPeriod => {
            let end = p
                .voting_end_time
                .ok_or_else(|| anyhow!("proposal {id} is voting but has no voting end"))?;
            if now < end.seconds() {
                bail!(
                    "voting on proposal {id} runs until {} (in {}): run `kumo gov execute {id}` after that",
                    time_str(&end),
                    output::human_duration((end.seconds() - now) as f64)
                );
            }
            msgs.push(ExecuteMsg::Tally { id });
            let tally: TallyResponse = client.query_governance(&QueryMsg::Tally { id }).await?;
            if tally.outcome == Some(TallyOutcome::Passed)
                && now >= end.seconds() + params.timelock_seconds
            {
                msgs.push(ExecuteMsg::ExecuteProposal { id });
            }
        }
        ProposalStatus::Passed => {
            if let Some(at) = p.executable_at {
                if now < at.seconds() {
                    bail!(
                        "proposal {id} passed; its timelock ends at {} (in {}): run `kumo gov execute {id}` after that",
                        time_str(&at),
                        output::human_duration((at.seconds() - now) as f64)
                    );
                }
            }
            msgs.push(ExecuteMsg::ExecuteProposal { id });
        }
        ProposalStatus::DepositPeriod => bail!(
            "proposal {id} is still collecting deposits ({}{} so far, {} needed): deposit with `kumo gov deposit {id} <amount>`",
            p.total_deposit.amount,
            p.total_deposit.denom,
            params.min_deposit_for(p.expedited)
        ),
        other => bail!(
            "proposal {id} is {}: only a proposal that passed can be executed",
            other.as_str()
        ),
    }
    let gov = client.contracts().governance.clone();
    let anys = msgs
        .iter()
        .map(|m| kumo_client::tx::wasm_execute_msg(session.address(), &gov, m, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    let executes = msgs
        .iter()
        .any(|m| matches!(m, ExecuteMsg::ExecuteProposal { .. }));
    let tallies = msgs.iter().any(|m| matches!(m, ExecuteMsg::Tally { .. }));
    let what = match (tallies, executes) {
        (true, true) => format!("tally and execute proposal {id}"),
        (true, false) => format!("tally proposal {id}"),
        _ => format!("execute proposal {id}"),
    };
    let outcome = app.broadcast(&session, anys, &what).await?;
    let after: ProposalResponse = client.query_governance(&QueryMsg::Proposal { id }).await?;
    let status = after.proposal.status;
    let headline = match status {
        ProposalStatus::Executed => format!("proposal {id} executed"),
        ProposalStatus::ExecutionFailed => format!(
            "proposal {id} failed to execute: {}",
            after.proposal.failure.clone().unwrap_or_default()
        ),
        ProposalStatus::Passed => format!(
            "proposal {id} passed; it can be executed from {}: run `kumo gov execute {id}` then",
            after
                .proposal
                .executable_at
                .as_ref()
                .map(time_str)
                .unwrap_or_default()
        ),
        other => format!("proposal {id} tallied: {}", other.as_str()),
    };
    app.print_tx(
        &outcome,
        &headline,
        Some(json!({ "proposal_id": id, "status": status, "tallied": tallies, "executed": executes })),
    );
    if status == ProposalStatus::ExecutionFailed {
        bail!("proposal {id} passed but its actions failed: see `kumo gov proposal {id}`");
    }
    Ok(())
}

fn print_proposal(r: &ProposalResponse) {
    let p = &r.proposal;
    let t = |x: &Option<Timestamp>| x.as_ref().map(time_str).unwrap_or_else(|| "-".into());
    print!(
        "{}",
        output::key_values(&[
            ("id", p.id.to_string()),
            ("title", p.title.clone()),
            ("status", p.status.as_str().to_string()),
            ("proposer", p.proposer.to_string()),
            ("expedited", p.expedited.to_string()),
            (
                "deposit",
                format!("{}{}", p.total_deposit.amount, p.total_deposit.denom)
            ),
            ("submitted", time_str(&p.submit_time)),
            ("deposit ends", time_str(&p.deposit_end_time)),
            ("voting ends", t(&p.voting_end_time)),
            ("executable at", t(&p.executable_at)),
            (
                "outcome",
                p.outcome
                    .map(|o| o.as_str().to_string())
                    .unwrap_or_else(|| "-".into())
            ),
        ])
    );
    if let Some(f) = &p.failure {
        println!("failure: {f}");
    }
    println!("\n{}\n", r.description);
    if r.actions.is_empty() {
        println!("actions: none (a text proposal)");
    } else {
        println!("actions:");
        print!("{}", output::json_string(&r.actions));
    }
}

fn print_tally(id: u64, r: &TallyResponse) {
    let total = r.tally.total();
    let pct = |v: cosmwasm_std::Uint256| {
        if r.total_power.is_zero() {
            "-".to_string()
        } else {
            format!(
                "{}%",
                output::round_decimal(
                    cosmwasm_std::Decimal256::from_ratio(v, r.total_power)
                        * cosmwasm_std::Decimal256::percent(10_000),
                    2
                )
            )
        }
    };
    print!(
        "{}",
        output::key_values(&[
            ("proposal", id.to_string()),
            ("status", r.status.as_str().to_string()),
            (
                "yes",
                format!("{} ({} of power)", r.tally.yes, pct(r.tally.yes))
            ),
            ("no", format!("{} ({})", r.tally.no, pct(r.tally.no))),
            (
                "abstain",
                format!("{} ({})", r.tally.abstain, pct(r.tally.abstain))
            ),
            (
                "no with veto",
                format!("{} ({})", r.tally.no_with_veto, pct(r.tally.no_with_veto))
            ),
            (
                "turnout",
                format!("{} of {} ({})", total, r.total_power, pct(total))
            ),
            (
                "outcome",
                r.outcome
                    .map(|o| o.as_str().to_string())
                    .unwrap_or_else(|| "- (voting has not started)".into())
            ),
        ])
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vote_options_parse() {
        assert_eq!(parse_vote_option("yes"), Ok(VoteOption::Yes));
        assert_eq!(
            parse_vote_option("No-With-Veto"),
            Ok(VoteOption::NoWithVeto)
        );
        assert_eq!(parse_vote_option("veto"), Ok(VoteOption::NoWithVeto));
        assert!(parse_vote_option("maybe").unwrap_err().contains("abstain"));
    }

    #[test]
    fn weighted_votes_parse_and_must_sum_to_one() {
        let opts = parse_weighted("yes=0.7,no=0.3").unwrap().0;
        assert_eq!(opts.len(), 2);
        assert_eq!(opts[0].option, VoteOption::Yes);
        assert!(parse_weighted("yes=0.7,no=0.2")
            .unwrap_err()
            .contains("sum"));
        assert!(parse_weighted("yes").unwrap_err().contains("option=weight"));
        assert!(parse_weighted("yes=lots")
            .unwrap_err()
            .contains("not a weight"));
        assert!(parse_weighted("yes=0.5,yes=0.5")
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn times_print_as_rfc3339() {
        assert_eq!(
            time_str(&Timestamp::from_seconds(0)),
            "1970-01-01T00:00:00Z"
        );
    }
}
