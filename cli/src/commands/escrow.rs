//! `kumo escrow status`: what a deployment's escrow holds, how fast it drains, and for how long.

use clap::{Args, Subcommand};
use cosmwasm_std::Decimal256;
use kumo_types::ids::DeploymentId;
use kumo_types::market::{EscrowResponse, QueryMsg};
use serde::Serialize;

use crate::context::App;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum EscrowCmd {
    /// Balance, burn rate, blocks and time remaining of a deployment's escrow
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The deployment's sequence number
    pub dseq: u64,
    /// The deployment's owner [default: the --from key]
    #[arg(long, value_name = "ADDR")]
    pub owner: Option<String>,
}

/// `kumo escrow status --output json`.
#[derive(Debug, Serialize)]
pub struct EscrowStatus {
    pub deployment: DeploymentId,
    pub denom: String,
    /// Unspent deposits, as if settled now.
    pub balance: cosmwasm_std::Uint256,
    /// Paid to leases so far.
    pub transferred: cosmwasm_std::Uint256,
    /// Sum of the active leases' prices, per block.
    pub burn_rate_per_block: Decimal256,
    pub burn_rate_per_month: Decimal256,
    pub active_leases: usize,
    /// None when no lease is active.
    pub blocks_remaining: Option<u64>,
    /// blocks_remaining x block_time_seconds.
    pub seconds_remaining: Option<f64>,
    pub block_time_seconds: f64,
    pub escrow: EscrowResponse,
}

pub fn status(id: DeploymentId, resp: EscrowResponse, block_time: f64) -> EscrowStatus {
    let active: Vec<_> = resp.payments.iter().filter(|p| p.active).collect();
    let rate = active
        .iter()
        .fold(Decimal256::zero(), |acc, p| acc + p.rate);
    let month = rate * Decimal256::from_ratio(output::blocks_per_month(block_time), 1u64);
    EscrowStatus {
        deployment: id,
        denom: resp.account.denom.clone(),
        balance: resp.account.balance,
        transferred: resp.account.transferred,
        burn_rate_per_block: rate,
        burn_rate_per_month: month,
        active_leases: active.len(),
        blocks_remaining: resp.blocks_remaining,
        seconds_remaining: resp.blocks_remaining.map(|b| b as f64 * block_time),
        block_time_seconds: block_time,
        escrow: resp,
    }
}

pub fn status_text(s: &EscrowStatus) -> String {
    let mut out = output::key_values(&[
        ("deployment", s.deployment.to_string()),
        ("balance", output::coin_amount(s.balance, &s.denom)),
        ("paid out", output::coin_amount(s.transferred, &s.denom)),
        (
            "burn rate",
            format!(
                "{}{} per block (~{} per month) over {} active lease(s)",
                output::round_decimal(s.burn_rate_per_block, 18),
                s.denom,
                output::display_denom(s.burn_rate_per_month, &s.denom),
                s.active_leases
            ),
        ),
        (
            "remaining",
            match (s.blocks_remaining, s.seconds_remaining) {
                (Some(b), Some(secs)) => format!(
                    "{} blocks (~{})",
                    output::group_digits(&b.to_string()),
                    output::human_duration(secs)
                ),
                _ => "no active lease draws on it".into(),
            },
        ),
    ]);
    out.push_str(&format!(
        "note: {}\n",
        output::block_time_note(s.block_time_seconds)
    ));
    out
}

pub async fn run(cmd: &EscrowCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        EscrowCmd::Status(args) => {
            let owner = app.address_or_from(args.owner.clone(), "deployment owner")?;
            let client = app.connect().await?;
            let id = DeploymentId::new(owner, args.dseq);
            let resp: EscrowResponse = client
                .query_market(&QueryMsg::Escrow { id: id.clone() })
                .await?;
            let s = status(id, resp, app.block_time());
            if app.json() {
                output::print_json(&s);
            } else {
                print!("{}", status_text(&s));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::{Addr, Uint256};
    use kumo_types::market::{EscrowAccount, Payment};
    use std::str::FromStr;

    #[test]
    fn burn_rate_and_time_left() {
        let id = DeploymentId::new("kumo1owner", 9);
        let payment = |rate: &str, active: bool| Payment {
            lease: id.group(1).order(1).bid(&Addr::unchecked("kumo1p")),
            rate: Decimal256::from_str(rate).unwrap(),
            carry: Decimal256::zero(),
            unwithdrawn: Uint256::zero(),
            withdrawn: Uint256::zero(),
            active,
        };
        let resp = EscrowResponse {
            account: EscrowAccount {
                id: id.clone(),
                denom: "uakt".into(),
                balance: Uint256::from(5_000_000u64),
                depositors: vec![],
                transferred: Uint256::from(1000u64),
                settled_at: 10,
            },
            payments: vec![payment("500", true), payment("300", false)],
            blocks_remaining: Some(10_000),
        };
        let s = status(id, resp, 6.0);
        assert_eq!(s.burn_rate_per_block, Decimal256::from_str("500").unwrap());
        assert_eq!(s.active_leases, 1);
        assert_eq!(s.seconds_remaining, Some(60_000.0));
        let text = status_text(&s);
        assert!(
            text.contains("500uakt per block (~216 AKT per month)"),
            "{text}"
        );
        assert!(text.contains("10,000 blocks (~16h 40m)"), "{text}");
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["balance"], "5000000");
        assert_eq!(v["blocks_remaining"], 10_000);
    }
}
