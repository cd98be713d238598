//! `kumo up` and `kumo demo`: the preflight's one-line refusals (a taken port, an unreachable
//! Docker, missing artifacts), the whole marketplace started, stopped with Ctrl-C and resumed
//! where it left off, and the scripted demo on a marketplace of its own.
//!
//! The last two run containers on the local Docker daemon (network none, nothing on Docker's
//! bridge) and fail, never skip, when it is missing: start it as `dockerd --bridge=none
//! --iptables=false &` (root).

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{closed_port, repo_root, wait, Kumo};

/// The marketplaces of these tests run containers on the same Docker daemon: one at a time.
static DOCKER: Mutex<()> = Mutex::new(());

fn artifacts() -> String {
    let dir = repo_root().join("artifacts");
    assert!(
        dir.join("kumo_market.wasm").is_file(),
        "{} has no contracts: run scripts/build-wasm.sh",
        dir.display()
    );
    dir.display().to_string()
}

fn free_port() -> u16 {
    closed_port()
}

/// `kumo up` on these ports (and contracts from `artifacts`, when given) is refused: exit 1,
/// one line on stderr, nothing created in its data dir. The stderr.
fn refused_up(kumo: &Kumo, port: &str, gateway_port: &str, artifacts: Option<&str>) -> String {
    let data = kumo.dir.path().join("up");
    let mut args = vec![
        "up",
        "--data-dir",
        data.to_str().unwrap(),
        "--port",
        port,
        "--gateway-port",
        gateway_port,
    ];
    if let Some(dir) = artifacts {
        args.extend(["--artifacts", dir]);
    }
    let stderr = kumo.fails(&args);
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "the refusal is one line:\n{stderr}"
    );
    assert!(
        !data.exists(),
        "the preflight created {} before refusing",
        data.display()
    );
    stderr
}

#[test]
fn up_refuses_a_taken_rpc_port_and_says_which_flag_changes_it() {
    let kumo = Kumo::offline();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let stderr = refused_up(&kumo, &port, "0", None);
    assert!(stderr.contains(&format!("port {port}")), "{stderr}");
    assert!(
        stderr.contains("taken") && stderr.contains("--port <port>"),
        "{stderr}"
    );
}

#[test]
fn up_refuses_a_taken_gateway_port() {
    let kumo = Kumo::offline();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let stderr = refused_up(&kumo, "0", &port, None);
    assert!(
        stderr.contains("gateway") && stderr.contains("--gateway-port"),
        "{stderr}"
    );
}

#[test]
fn up_says_how_to_start_docker_when_its_socket_does_not_exist() {
    let kumo = Kumo::offline().with_env("DOCKER_HOST", "unix:///nonexistent/kumo/docker.sock");
    let artifacts = artifacts();
    let stderr = refused_up(&kumo, "0", "0", Some(&artifacts));
    assert!(stderr.contains("not running"), "{stderr}");
    assert!(stderr.contains("dockerd --bridge=none"), "{stderr}");
}

#[test]
fn up_says_how_to_start_docker_when_it_does_not_answer() {
    let endpoint = format!("tcp://127.0.0.1:{}", closed_port());
    let kumo = Kumo::offline().with_env("DOCKER_HOST", &endpoint);
    let artifacts = artifacts();
    let stderr = refused_up(&kumo, "0", "0", Some(&artifacts));
    assert!(
        stderr.contains(&endpoint) && stderr.contains("does not answer"),
        "{stderr}"
    );
    assert!(
        stderr.contains("dockerd") && stderr.contains("DOCKER_HOST"),
        "{stderr}"
    );
}

#[test]
fn up_refuses_missing_artifacts_and_names_the_build_script() {
    let kumo = Kumo::offline();
    let empty = kumo.dir.path().join("no-artifacts");
    std::fs::create_dir_all(&empty).unwrap();
    let stderr = refused_up(&kumo, "0", "0", Some(empty.to_str().unwrap()));
    assert!(stderr.contains("scripts/build-wasm.sh"), "{stderr}");
}

/// A running `kumo up`: its stdout lines as they come, its stderr collected.
struct Up {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Up {
    fn start(kumo: &Kumo, args: &[&str]) -> Up {
        let mut child = kumo
            .command(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kumo up runs");
        let out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut s);
            s
        });
        Up {
            child,
            lines,
            stdout: Vec::new(),
            stderr,
        }
    }

    /// Waits for the banner's last line; the banner.
    fn banner(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(240);
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let done = line.starts_with("Listening on ");
                    self.stdout.push(line);
                    if done {
                        return self.stdout.join("\n");
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = self.child.try_wait().unwrap() {
                        let stderr =
                            std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
                        panic!(
                            "kumo up exited ({status}) before its banner:\n{}\nstderr:\n{}",
                            self.stdout.join("\n"),
                            stderr.join().unwrap_or_default()
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.child.kill();
        panic!("no banner within 240s:\n{}", self.stdout.join("\n"));
    }

    /// Ctrl-C; the exit code and stderr.
    fn interrupt(mut self) -> (i32, String) {
        // The shell's builtin kill: no procps needed.
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("kill -INT {}", self.child.id()))
            .status()
            .expect("sh runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("kumo up did not stop within 90s of Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (
            status.code().unwrap_or(-1),
            self.stderr.join().unwrap_or_default(),
        )
    }
}

#[test]
fn up_runs_the_marketplace_and_resumes_it_after_ctrl_c() {
    let _docker = DOCKER.lock().unwrap_or_else(|e| e.into_inner());
    let kumo = Kumo::offline();
    let data = kumo.dir.path().join("up");
    let (rpc, gateway) = (free_port().to_string(), free_port().to_string());
    let artifacts = artifacts();
    let args = [
        "up",
        "--data-dir",
        data.to_str().unwrap(),
        "--port",
        &rpc,
        "--gateway-port",
        &gateway,
        "--artifacts",
        &artifacts,
    ];

    let mut up = Up::start(&kumo, &args);
    let banner = up.banner();
    for needle in [
        format!("RPC URL:           http://127.0.0.1:{rpc}"),
        "Chain ID:          kumo-e2e-1".to_string(),
        "local-market".to_string(),
        format!("Gateway URL:       https://127.0.0.1:{gateway}"),
        "kumo demo".to_string(),
        "Listening on".to_string(),
    ] {
        assert!(
            banner.contains(&needle),
            "no {needle:?} in the banner:\n{banner}"
        );
    }
    for name in [
        "tenant ",
        "provider ",
        "auditor ",
        "holder ",
        "governance ",
        "registry ",
        "market ",
    ] {
        assert!(
            banner.lines().any(|l| l.starts_with(name)),
            "no {name:?} line in the banner:\n{banner}"
        );
    }
    assert!(
        banner.contains("CPU") || banner.contains(" x nvidia/"),
        "{banner}"
    );
    let (code, stderr) = up.interrupt();
    assert_eq!(code, 0, "kumo up after Ctrl-C:\n{stderr}");
    assert!(stderr.contains("registered provider"), "{stderr}");
    assert!(stderr.contains("stopped cleanly"), "{stderr}");
    for kept in [
        "chain",
        "keyring",
        "provider",
        "provider.yaml",
        "up.json",
        "env",
    ] {
        assert!(
            data.join(kept).exists(),
            "{kept} is not kept in the data dir"
        );
    }

    // Started again: the same chain, and nothing registered, signed or bonded twice.
    let mut up = Up::start(&kumo, &args);
    let banner = up.banner();
    assert!(banner.contains("(resumed)"), "{banner}");
    let (code, stderr) = up.interrupt();
    assert_eq!(code, 0, "the second kumo up after Ctrl-C:\n{stderr}");
    for skipped in [
        "already in the keyring",
        "already registered",
        "already signed",
        "already bonded",
    ] {
        assert!(stderr.contains(skipped), "no {skipped:?} in:\n{stderr}");
    }
}

#[test]
fn demo_standalone_passes_every_step() {
    let _docker = DOCKER.lock().unwrap_or_else(|e| e.into_inner());
    let kumo = Kumo::offline();
    let artifacts = artifacts();
    let args = ["demo", "--standalone", "--artifacts", &artifacts];
    let child = kumo
        .command(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kumo demo runs");
    let run = wait(child, &args, Duration::from_secs(480));
    assert_eq!(
        run.code, 0,
        "kumo demo --standalone failed:\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    for step in 1..=9 {
        assert!(
            run.stdout.contains(&format!("[{step}/9] ")),
            "step {step} missing:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        run.stdout.matches("ok: verified in").count(),
        9,
        "{}",
        run.stdout
    );
    for needle in [
        "hello from kumo, line",
        "burned (bank burn event:",
        "the market's take rate is now",
        "refunded",
        "demo passed",
    ] {
        assert!(
            run.stdout.contains(needle),
            "no {needle:?} in:\n{}",
            run.stdout
        );
    }
}
