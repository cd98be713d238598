//! The `kumo-devnet` binary as a user runs it: the anvil-like banner, Ctrl-C, restart, reset.

use std::process::Stdio;
use std::time::Duration;

use tendermint_rpc::{Client, HttpClient};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_kumo-devnet");

/// Starts the binary and returns it with everything it printed up to "Listening on".
async fn start(args: &[&str]) -> (Child, String, HttpClient) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--log-level", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    let url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            banner.push_str(&line);
            banner.push('\n');
            if let Some(url) = line.strip_prefix("Listening on ") {
                return url.trim().to_string();
            }
        }
        panic!("kumo-devnet exited early:\n{banner}");
    })
    .await
    .expect("listening within 2 minutes");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = HttpClient::new(url.as_str()).unwrap();
    (child, banner, client)
}

/// Sends SIGINT, as Ctrl-C does, and expects a clean exit.
async fn ctrl_c(mut child: Child) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits within 20 s of Ctrl-C")
        .unwrap();
    assert!(exit.success(), "clean exit after Ctrl-C: {exit:?}");
}

async fn height(client: &HttpClient) -> u64 {
    client
        .status()
        .await
        .unwrap()
        .sync_info
        .latest_block_height
        .value()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_like_anvil_stops_on_ctrl_c_resumes_and_resets() {
    let home = tempfile::tempdir().unwrap();
    let home_arg = home.path().to_str().unwrap().to_string();
    let artifacts = crate::common::artifacts_dir();
    let mut args = vec![
        "--home",
        &home_arg,
        "--block-time",
        "0.2",
        "--accounts",
        "3",
    ];
    let artifacts_arg = artifacts.as_ref().map(|a| a.to_str().unwrap().to_string());
    match &artifacts_arg {
        Some(dir) => args.extend(["--artifacts", dir.as_str()]),
        None => args.push("--no-contracts"),
    }

    let (child, banner, client) = start(&args).await;
    for expected in [
        "Available Accounts",
        "(0) kumo1",
        "(2) kumo1",
        "Private Keys",
        kumo_devnet::app::DEV_MNEMONIC,
        "Chain ID:          kumo-devnet-1",
        "Listening on http://127.0.0.1:",
    ] {
        assert!(
            banner.contains(expected),
            "{expected:?} missing from:\n{banner}"
        );
    }
    assert!(!banner.contains("(3) kumo1"), "--accounts 3");
    if artifacts.is_some() {
        assert!(banner.contains("market"), "contract addresses:\n{banner}");
        assert!(banner.contains("registry"));
    }
    let genesis_time = client
        .genesis::<serde_json::Value>()
        .await
        .unwrap()
        .genesis_time;
    crate::common::eventually(Duration::from_secs(20), || async {
        (height(&client).await >= 3).then_some(())
    })
    .await;
    ctrl_c(child).await;

    // A restart resumes the same chain.
    let (child, _, client) = start(&args).await;
    let resumed = height(&client).await;
    assert!(resumed >= 3, "resumed at {resumed}");
    assert_eq!(
        client
            .genesis::<serde_json::Value>()
            .await
            .unwrap()
            .genesis_time,
        genesis_time
    );
    ctrl_c(child).await;

    // --reset starts a new chain.
    let mut reset_args = args.clone();
    reset_args.push("--reset");
    let (child, _, client) = start(&reset_args).await;
    assert_ne!(
        client
            .genesis::<serde_json::Value>()
            .await
            .unwrap()
            .genesis_time,
        genesis_time
    );
    assert!(height(&client).await < resumed);
    ctrl_c(child).await;
}

#[tokio::test]
async fn refuses_to_reset_a_directory_that_is_not_a_devnet_home() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), b"precious").unwrap();
    let output = Command::new(BIN)
        .args([
            "--home",
            dir.path().to_str().unwrap(),
            "--reset",
            "--port",
            "0",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("does not look like a kumo devnet home")
    );
    assert!(dir.path().join("thesis.tex").exists());
}
