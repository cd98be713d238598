//! `kumo account` and `kumo send`.

use clap::Args;
use serde_json::json;

use crate::context::App;
use crate::output;
use crate::parse::parse_coin;

#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The account's address [default: the --from key's]
    pub address: Option<String>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient's address
    pub to: String,
    /// What to send, e.g. 5000000uakt
    pub amount: String,
}

pub async fn account(args: &AccountArgs, app: &App) -> anyhow::Result<()> {
    let address = app.address_or_from(args.address.clone(), "account")?;
    let client = app.connect().await?;
    let info = client.account(&address).await?;
    let balances = client.balances(&address).await?;
    if app.json() {
        output::print_json(&json!({
            "address": address,
            "exists": info.is_some(),
            "account_number": info.as_ref().map(|i| i.account_number),
            "sequence": info.as_ref().map(|i| i.sequence),
            "balances": balances,
        }));
    } else {
        let mut pairs = vec![("address", address.clone())];
        match &info {
            Some(i) => {
                pairs.push(("account number", i.account_number.to_string()));
                pairs.push(("sequence", i.sequence.to_string()));
            }
            None => pairs.push(("account", "not on chain yet (never received funds)".into())),
        }
        let shown: Vec<String> = balances
            .iter()
            .map(|c| output::coin_amount(c.amount, &c.denom))
            .collect();
        pairs.push((
            "balances",
            if shown.is_empty() {
                "none".into()
            } else {
                shown.join(", ")
            },
        ));
        print!("{}", output::key_values(&pairs));
    }
    Ok(())
}

pub async fn send(args: &SendArgs, app: &App) -> anyhow::Result<()> {
    let coin = parse_coin(&args.amount, app.denom()).map_err(anyhow::Error::msg)?;
    let session = app.tx_session().await?;
    let msg =
        kumo_client::tx::bank_send_msg(session.address(), &args.to, std::slice::from_ref(&coin))?;
    let summary = format!("send {}{} to {}", coin.amount, coin.denom, args.to);
    let outcome = app.broadcast(&session, vec![msg], &summary).await?;
    app.print_tx(
        &outcome,
        &format!("sent {}{} to {}", coin.amount, coin.denom, args.to),
        Some(json!({ "to": args.to, "amount": coin })),
    );
    Ok(())
}

#[derive(Debug, clap::Subcommand)]
pub enum QueryCmd {
    /// An account's balances and sequence (same as `kumo account`)
    Balance(AccountArgs),
    /// A transaction by hash: its result, gas and Kumo events
    Tx(TxArgs),
}

#[derive(Debug, Args)]
pub struct TxArgs {
    /// The transaction hash (hex)
    pub hash: String,
}

pub async fn query(cmd: &QueryCmd, app: &App) -> anyhow::Result<()> {
    match cmd {
        QueryCmd::Balance(args) => account(args, app).await,
        QueryCmd::Tx(args) => tx(args, app).await,
    }
}

async fn tx(args: &TxArgs, app: &App) -> anyhow::Result<()> {
    use tendermint_rpc::Client as _;
    let hash: tendermint::Hash = tendermint::Hash::from_hex_upper(
        tendermint::hash::Algorithm::Sha256,
        &args.hash.trim().to_ascii_uppercase(),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "{:?} is not a transaction hash ({e}): give the 64 hex characters a tx printed",
            args.hash
        )
    })?;
    let client = app.connect().await?;
    let resp = client
        .rpc()
        .call("tx", move |http| async move { http.tx(hash, false).await })
        .await?;
    let result = &resp.tx_result;
    let events: Vec<crate::context::EventJson> =
        kumo_client::events::kumo_events(&result.events, Some(client.contracts()))
            .iter()
            .map(crate::context::EventJson::from)
            .collect();
    let ok = result.code.is_ok();
    if app.json() {
        output::print_json(&json!({
            "txhash": resp.hash.to_string(),
            "height": resp.height.value(),
            "code": result.code.value(),
            "success": ok,
            "log": result.log,
            "gas_wanted": result.gas_wanted,
            "gas_used": result.gas_used,
            "events": events,
        }));
    } else {
        let tx = crate::context::TxJson {
            txhash: resp.hash.to_string(),
            height: resp.height.value(),
            gas_wanted: result.gas_wanted.max(0) as u64,
            gas_used: result.gas_used.max(0) as u64,
            fee: crate::context::fee_for(result.gas_wanted.max(0) as u64, &app.settings.gas_prices),
            events,
        };
        let headline = if ok {
            "succeeded".to_string()
        } else {
            format!("failed with code {}: {}", result.code.value(), result.log)
        };
        print!("{}", tx.text(&headline));
    }
    Ok(())
}
