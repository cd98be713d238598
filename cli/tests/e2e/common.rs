//! One in-process devnet with Kumo's contracts for the whole test binary, and a runner for the
//! real `kumo` binary.
//!
//! The devnet mines a block as soon as txs arrive, and its governance periods are seconds long
//! (voting 6 s, timelock 1 s) so that a proposal can be executed within a test. Each test signs
//! with its own dev accounts, so tests can run in parallel.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kumo_devnet::app::genesis::GenesisStep;
use kumo_devnet::app::{dev_accounts, AppOptions, ChainParams, GenesisBuilder, KumoApp};
use kumo_devnet::node::{BlockProduction, GenesisSpec, NodeConfig, StoreLocation};
use kumo_devnet::rpc::RpcConfig;
use kumo_devnet::Devnet;
use serde_json::Value;

pub use kumo_devnet::app::DEV_MNEMONIC;

pub const CHAIN_ID: &str = "kumo-e2e-1";
/// Voting period of the test chain's governance, in seconds.
pub const VOTING_PERIOD: u64 = 6;
pub const TIMELOCK: u64 = 1;

pub struct Chain {
    pub rpc_url: String,
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

pub fn example(rel: &str) -> String {
    repo_root().join("examples").join(rel).display().to_string()
}

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// The dev account `index`'s address.
pub fn dev_address(index: u32) -> String {
    dev_accounts("kumo", index + 1)
        .remove(index as usize)
        .address
}

fn genesis() -> Value {
    let artifacts = repo_root().join("artifacts");
    for name in [
        "kumo_market.wasm",
        "kumo_registry.wasm",
        "kumo_governance.wasm",
    ] {
        let path = artifacts.join(name);
        assert!(
            path.is_file(),
            "{} is missing: run scripts/build-wasm.sh (the end-to-end tests run Kumo's real contracts)",
            path.display()
        );
    }
    let params = ChainParams::default();
    let deployer = dev_accounts(&params.bech32_prefix, 1).remove(0).address;
    let mut genesis = GenesisBuilder::new(params)
        .dev_accounts(10, 1_000_000_000_000)
        .kumo_contracts(&artifacts, &deployer)
        .expect("genesis with Kumo's contracts")
        .build();
    let mut patched = false;
    for step in &mut genesis.wasm.steps {
        if let GenesisStep::Instantiate { label, msg, .. } = step {
            if label == "governance" {
                let p = &mut msg["params"];
                p["max_deposit_period_seconds"] = 120.into();
                p["voting_period_seconds"] = VOTING_PERIOD.into();
                p["expedited_voting_period_seconds"] = 3.into();
                p["timelock_seconds"] = TIMELOCK.into();
                p["unbonding_period_seconds"] = 10.into();
                patched = true;
            }
        }
    }
    assert!(patched, "the genesis has a governance contract");
    serde_json::to_value(&genesis).expect("genesis serializes")
}

/// The shared devnet, started on first use.
pub fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let app_state = genesis();
        let devnet = runtime().block_on(async {
            let app = KumoApp::open(AppOptions::in_memory()).expect("in-memory app");
            let mut node = NodeConfig::new(CHAIN_ID, StoreLocation::InMemory);
            node.block_production = BlockProduction::OnDemand;
            Devnet::spawn_with_app(
                app,
                node,
                GenesisSpec {
                    genesis_time: None,
                    app_state,
                },
                SocketAddr::from(([127, 0, 0, 1], 0)),
                RpcConfig::default(),
            )
            .await
            .expect("devnet starts")
        });
        let rpc_url = devnet.rpc_url();
        assert!(rpc_url.starts_with("http://127.0.0.1:"), "{rpc_url}");
        // The devnet lives as long as the test process.
        std::mem::forget(devnet);
        Chain { rpc_url }
    })
}

/// A client-library connection to the shared devnet.
pub fn client() -> kumo_client::ChainClient {
    let url = chain().rpc_url.clone();
    runtime().block_on(async move {
        kumo_client::ChainClient::connect(kumo_client::config::ChainConfig {
            rpc_url: url,
            chain_id: CHAIN_ID.into(),
            ..Default::default()
        })
        .await
        .expect("client connects")
    })
}

/// A signer for dev account `index`, through the client library.
pub fn dev_signer(index: u32) -> kumo_client::Signer {
    let key = kumo_client::keys::KeyPair::from_mnemonic(
        DEV_MNEMONIC,
        &format!("m/44'/118'/0'/0/{index}"),
        "kumo",
    )
    .expect("dev key");
    client().signer(key)
}

/// What a `kumo` run left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The `kumo` binary with its own keyring directory, no config file and no KUMO_* variables
/// from the environment; `node` and `backend` are passed as flags.
pub struct Kumo {
    pub dir: tempfile::TempDir,
    pub node: Option<String>,
    pub chain_id: String,
    pub backend: &'static str,
    pub env: Vec<(String, String)>,
}

impl Kumo {
    /// Against the shared devnet, test keyring.
    pub fn new() -> Kumo {
        Kumo {
            dir: tempfile::tempdir().expect("temp dir"),
            node: Some(chain().rpc_url.clone()),
            chain_id: CHAIN_ID.into(),
            backend: "test",
            env: Vec::new(),
        }
    }

    /// No chain: for commands that must not need one.
    pub fn offline() -> Kumo {
        Kumo {
            dir: tempfile::tempdir().expect("temp dir"),
            node: None,
            chain_id: CHAIN_ID.into(),
            backend: "test",
            env: Vec::new(),
        }
    }

    pub fn keyring_dir(&self) -> PathBuf {
        self.dir.path().join("keyring")
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Kumo {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kumo"));
        for (k, _) in std::env::vars() {
            if k.starts_with("KUMO_") {
                cmd.env_remove(k);
            }
        }
        std::fs::create_dir_all(self.home()).expect("home dir");
        cmd.env("HOME", self.home())
            .env("NO_COLOR", "1")
            .arg("--keyring-dir")
            .arg(self.keyring_dir())
            .arg("--keyring-backend")
            .arg(self.backend)
            .arg("--chain-id")
            .arg(&self.chain_id);
        if let Some(node) = &self.node {
            cmd.arg("--node").arg(node);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `kumo args` with `stdin` (none: an empty, non-terminal stdin).
    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kumo runs");
        {
            let mut pipe = child.stdin.take().expect("stdin");
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).expect("write stdin");
            }
        }
        wait(child, args, Duration::from_secs(180))
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// Runs and expects success.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "kumo {args:?} failed:\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        run
    }

    /// Runs with `-o json` and expects success.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        self.ok(&all).json()
    }

    /// Runs and expects failure with exit code 1; the stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 1,
            "kumo {args:?} should fail with exit code 1:\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        run.stderr
    }

    /// Recovers dev account `index` under `name`.
    pub fn recover(&self, name: &str, index: u32) -> String {
        let run = self.run_with_stdin(
            &[
                "keys",
                "recover",
                name,
                "--account",
                &index.to_string(),
                "-o",
                "json",
            ],
            Some(DEV_MNEMONIC),
        );
        assert_eq!(run.code, 0, "recover failed: {}", run.stderr);
        let address = run.json()["address"].as_str().unwrap().to_string();
        assert_eq!(address, dev_address(index));
        address
    }

    /// `kumo account <addr> -o json`.
    pub fn account(&self, address: &str) -> Value {
        self.json(&["account", address])
    }
}

/// Waits for a child, killing it after `limit`.
pub fn wait(mut child: std::process::Child, args: &[&str], limit: Duration) -> Run {
    use std::io::Read as _;
    let started = Instant::now();
    // Drain the pipes in threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "kumo {args:?} did not finish within {limit:?}; stderr:\n{}",
                err_t.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// An integer out of a JSON string or number.
pub fn num(v: &Value) -> u128 {
    match v {
        Value::String(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("{s:?} is not a number")),
        Value::Number(n) => n.as_u64().expect("unsigned") as u128,
        other => panic!("{other} is not a number"),
    }
}

/// The balance of `denom` in an `account -o json` answer.
pub fn balance(account: &Value, denom: &str) -> u128 {
    account["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .find(|c| c["denom"] == denom)
        .map(|c| num(&c["amount"]))
        .unwrap_or(0)
}

/// The fee a tx paid, from its JSON.
pub fn fee(tx: &Value) -> u128 {
    num(&tx["fee"]["amount"])
}

/// The first event of `ty` in a tx's JSON.
pub fn event<'a>(tx: &'a Value, ty: &str) -> &'a Value {
    tx["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == ty)
        .unwrap_or_else(|| panic!("no {ty} event in {tx}"))
}

/// A port on 127.0.0.1 that nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
