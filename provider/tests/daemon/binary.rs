//! `kumo-provider --config provider.yaml` itself: it bids like the in-process daemon, and
//! SIGTERM stops it cleanly after the block at hand, with its state kept.

use std::io::BufRead;
use std::time::{Duration, Instant};

use kumo_provider::daemon::store::DaemonStore;
use kumo_provider::daemon::DAEMON_FILE;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_kumo-provider");

#[test]
fn the_binary_bids_and_stops_cleanly_on_sigterm() {
    run_test(Duration::from_secs(180), async {
        let test = "binary";
        let provider = ProviderSetup::new(test, 14, ProviderFile::default()).await;
        let mut command = std::process::Command::new(BIN);
        for (k, _) in std::env::vars() {
            if k.starts_with("KUMO_") {
                command.env_remove(k);
            }
        }
        let mut child = command
            .arg("--config")
            .arg(&provider.config_path)
            .env("KUMO_PROVIDER_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !seen.iter().any(|l: &String| l.contains("provider ready")) {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => seen.push(line),
                Err(_) => {
                    let _ = child.kill();
                    panic!("the provider never became ready:\n{}", seen.join("\n"));
                }
            }
        }

        let tenant = Tenant::new(15).await;
        let sdl = sdl(test, 0, "sleep 3600");
        let dseq = tenant.fresh_dseq().await;
        tenant.create_deployments(&[(dseq, &sdl)]).await;
        tenant
            .wait_bid(
                &tenant.order(dseq),
                &provider.address,
                Duration::from_secs(30),
            )
            .await;

        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("still running 20 s after SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        seen.extend(rx.try_iter());
        assert!(status.success(), "{status}:\n{}", seen.join("\n"));
        assert!(
            seen.iter().any(|l| l.contains("shutting down")),
            "{}",
            seen.join("\n")
        );
        assert!(
            seen.iter().any(|l| l.contains("provider daemon stopped")),
            "{}",
            seen.join("\n")
        );
        // The state is kept: the last processed height and the open bid.
        let store = DaemonStore::open(&provider.config.data_dir.join(DAEMON_FILE)).unwrap();
        assert!(store.last_height().unwrap().unwrap() > 0);
        assert_eq!(store.bids().unwrap().len(), 1);
    });
}
