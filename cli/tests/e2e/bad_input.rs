//! Bad input gives a clear error, exit code 1, and broadcasts nothing: the account's sequence
//! and balance stay as they were.

use crate::common::{balance, closed_port, dev_address, example, Kumo, DEV_MNEMONIC};

const INDEX: u32 = 6;

fn state(kumo: &Kumo) -> (u64, u128) {
    let acct = kumo.account(&dev_address(INDEX));
    (
        acct["sequence"].as_u64().unwrap_or(0),
        balance(&acct, "uakt"),
    )
}

#[test]
fn bad_input_is_refused_before_anything_is_broadcast() {
    // A test keyring and a file keyring, both holding dev account 6 as "badger".
    let kumo = Kumo::new();
    kumo.recover("badger", INDEX);
    let mut file = Kumo::new();
    file.backend = "file";
    let file = file.with_env("KUMO_KEYRING_PASSPHRASE", "correct horse battery");
    let run = file.run_with_stdin(
        &["keys", "recover", "badger", "--account", &INDEX.to_string()],
        Some(DEV_MNEMONIC),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let start = state(&kumo);
    let to = dev_address(9);
    let send = ["send", to.as_str(), "1000uakt", "--from", "badger", "-y"];

    // Wrong passphrase.
    let wrong = Kumo {
        env: vec![(
            "KUMO_KEYRING_PASSPHRASE".into(),
            "not the passphrase".into(),
        )],
        ..file
    };
    let err = wrong.fails(&send);
    assert!(err.contains("wrong passphrase for key 'badger'"), "{err}");

    // Unknown key.
    let err = kumo.fails(&["send", &to, "1000uakt", "--from", "nosuchkey", "-y"]);
    assert!(err.contains("key 'nosuchkey' not found"), "{err}");
    assert!(err.contains("kumo keys list"), "{err}");

    // Insufficient funds: a deposit far above the balance.
    let err = kumo.fails(&[
        "deployment",
        "create",
        &example("sdl/cpu.yaml"),
        "--deposit",
        "999999999999999999uakt",
        "--no-wait",
        "--from",
        "badger",
        "-y",
    ]);
    assert!(err.to_lowercase().contains("insufficient funds"), "{err}");
    // And a send of more than the account holds.
    let err = kumo.fails(&[
        "send",
        &to,
        "999999999999999999uakt",
        "--from",
        "badger",
        "-y",
    ]);
    assert!(err.to_lowercase().contains("insufficient funds"), "{err}");

    // Wrong chain id: refused before the passphrase is needed (none is set here, and there is
    // no terminal to ask on).
    let mut no_pass = Kumo {
        env: vec![],
        ..wrong
    };
    no_pass.chain_id = "wrong-chain-7".into();
    let err = no_pass.fails(&send);
    assert!(
        err.contains("the node is on chain 'kumo-e2e-1', not 'wrong-chain-7'"),
        "{err}"
    );
    assert!(err.contains("--chain-id"), "{err}");

    // Unreachable node: also before the passphrase.
    no_pass.chain_id = crate::common::CHAIN_ID.into();
    no_pass.node = Some(format!("http://127.0.0.1:{}", closed_port()));
    let err = no_pass.fails(&send);
    assert!(
        err.contains("cannot reach the node at http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("--node"), "{err}");

    // Malformed SDL: refused before the chain is touched (the node here is unreachable).
    let bad = kumo.dir.path().join("bad.yaml");
    let good = std::fs::read_to_string(example("sdl/cpu.yaml")).unwrap();
    std::fs::write(&bad, good.replace("size: 512Mi", "size: 16XB")).unwrap();
    let err = no_pass.fails(&[
        "deployment",
        "create",
        bad.to_str().unwrap(),
        "--from",
        "badger",
        "-y",
    ]);
    assert!(err.contains("is not a valid SDL"), "{err}");
    assert!(err.contains("memory.size"), "{err}");

    // Without a terminal and without -y nothing is signed.
    let err = kumo.fails(&["send", &to, "1000uakt", "--from", "badger"]);
    assert!(err.contains("pass -y"), "{err}");

    // Bad flag values are usage errors (exit 2).
    let run = kumo.run(&[
        "send", &to, "1000uakt", "--from", "badger", "--gas", "lots", "-y",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);

    assert_eq!(state(&kumo), start, "nothing was broadcast");

    // The same send with good input goes through, so the checks above did test something.
    let tx = kumo.json(&send);
    assert_eq!(tx["amount"]["amount"], "1000");
    let (seq, bal) = state(&kumo);
    assert_eq!(seq, start.0 + 1);
    assert_eq!(bal, start.1 - 1000 - crate::common::fee(&tx));
}
