//! A governance proposal from examples/proposal.json, from stake to execution: the market's
//! order_max_bids changes.

use std::time::Duration;

use crate::common::{event, example, num, Kumo, TIMELOCK, VOTING_PERIOD};

#[test]
fn proposal_from_file_is_voted_and_executed() {
    let kumo = Kumo::new();
    let voter = kumo.recover("voter", 5);

    let params = kumo.json(&["gov", "params"]);
    assert_eq!(params["voting_period_seconds"], VOTING_PERIOD);
    let min_deposit = num(&params["min_deposit"]["amount"]);
    assert_eq!(kumo.json(&["market", "params"])["order_max_bids"], 20);

    let tx = kumo.json(&["gov", "stake", "100000000uakt", "--from", "voter", "-y"]);
    assert_eq!(event(&tx, "staked")["attributes"]["staker"], voter);
    let staked = kumo.json(&["gov", "staked", "--from", "voter"]);
    assert_eq!(staked["stake"]["staked"]["amount"], "100000000");

    // The file carries the minimum deposit, so voting starts at once.
    let tx = kumo.json(&[
        "gov",
        "propose",
        &example("proposal.json"),
        "--from",
        "voter",
        "-y",
    ]);
    let id = tx["proposal_id"].as_u64().expect("proposal id");
    assert_eq!(tx["voting_started"], true, "{tx}");
    assert_eq!(num(&tx["deposit"]["amount"]), min_deposit);
    event(&tx, "proposal_submitted");

    let proposal = kumo.json(&["gov", "proposal", &id.to_string()]);
    assert_eq!(proposal["proposal"]["status"], "voting_period");
    assert_eq!(
        proposal["actions"][0]["update_market_params"]["order_max_bids"],
        25
    );

    // Executing before voting ends is refused with the time to come back.
    let err = kumo.fails(&["gov", "execute", &id.to_string(), "--from", "voter", "-y"]);
    assert!(err.contains("run `kumo gov execute"), "{err}");

    let tx = kumo.json(&[
        "gov",
        "vote",
        &id.to_string(),
        "yes",
        "--from",
        "voter",
        "-y",
    ]);
    assert_eq!(event(&tx, "vote_cast")["attributes"]["voter"], voter);
    let tally = kumo.json(&["gov", "tally", &id.to_string()]);
    assert_eq!(tally["tally"]["yes"], "100000000");
    assert_eq!(tally["outcome"], "passed");

    // Wait out the voting period and the timelock.
    let end_nanos = num(&proposal["proposal"]["voting_end_time"]);
    let now_nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let wait = end_nanos.saturating_sub(now_nanos) + (TIMELOCK as u128 + 1) * 1_000_000_000;
    std::thread::sleep(Duration::from_nanos(wait as u64));

    // Voting and the timelock run on block time, and this devnet makes blocks on demand: until
    // a block is past them the chain says until when, so make one (a small send) and ask again.
    let id_text = id.to_string();
    let execute = [
        "gov", "execute", &id_text, "--from", "voter", "-y", "-o", "json",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let tx = loop {
        let run = kumo.run(&execute);
        let early = ["runs until", "can be executed from"];
        if run.code == 0 || !early.iter().any(|e| run.stderr.contains(e)) {
            assert_eq!(run.code, 0, "{}", run.stderr);
            break run.json();
        }
        assert!(std::time::Instant::now() < deadline, "{}", run.stderr);
        std::thread::sleep(Duration::from_millis(500));
        kumo.ok(&["send", &voter, "1uakt", "--from", "voter", "-y"]);
    };
    assert_eq!(tx["status"], "executed", "{tx}");
    assert_eq!(tx["tallied"], true);
    event(&tx, "proposal_tallied");
    event(&tx, "proposal_executed");

    assert_eq!(kumo.json(&["market", "params"])["order_max_bids"], 25);
    let listed = kumo.json(&["gov", "proposals", "--status", "executed"]);
    assert!(listed["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id));
}
