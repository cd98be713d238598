//! `kumo keys`: add, recover, list, show, export, delete, in both keyring backends.

use crate::common::{dev_address, Kumo, DEV_MNEMONIC};

#[test]
fn test_backend_key_lifecycle() {
    let kumo = Kumo::offline();
    let added = kumo.json(&["keys", "add", "alice"]);
    let mnemonic = added["mnemonic"].as_str().unwrap().to_string();
    assert_eq!(mnemonic.split(' ').count(), 24);
    let address = added["address"].as_str().unwrap().to_string();
    assert!(address.starts_with("kumo1"));

    // The same name again is refused.
    let err = kumo.fails(&["keys", "add", "alice"]);
    assert!(err.contains("already exists"), "{err}");

    let bob = kumo.recover("bob", 1);
    assert_eq!(bob, dev_address(1));

    let list = kumo.json(&["keys", "list"]);
    let names: Vec<&str> = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"alice") && names.contains(&"bob"), "{list}");

    let shown = kumo.ok(&["keys", "show", "alice", "-a"]).stdout;
    assert_eq!(shown.trim(), address);
    let exported = kumo.json(&["keys", "export", "alice"]);
    assert_eq!(exported["mnemonic"], mnemonic);

    // Deleting asks; without a terminal it needs -y.
    let err = kumo.fails(&["keys", "delete", "alice"]);
    assert!(err.contains("pass -y"), "{err}");
    kumo.ok(&["keys", "delete", "alice", "-y"]);
    let err = kumo.fails(&["keys", "show", "alice"]);
    assert!(
        err.contains("not found") && err.contains("kumo keys list"),
        "{err}"
    );

    // A bad mnemonic is refused.
    let run = kumo.run_with_stdin(&["keys", "recover", "carol"], Some("not a mnemonic at all"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("mnemonic"),
        "{}",
        run.stderr
    );
}

#[test]
fn file_backend_needs_the_passphrase() {
    let mut kumo = Kumo::offline();
    kumo.backend = "file";
    // Without a passphrase and without a terminal: refused, saying how to give one.
    let run = kumo.run_with_stdin(&["keys", "recover", "dave"], Some(DEV_MNEMONIC));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("KUMO_KEYRING_PASSPHRASE"),
        "{}",
        run.stderr
    );

    let kumo = kumo.with_env("KUMO_KEYRING_PASSPHRASE", "correct horse battery");
    let run = kumo.run_with_stdin(
        &["keys", "recover", "dave", "--account", "2", "-o", "json"],
        Some(DEV_MNEMONIC),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["address"], dev_address(2));
    assert_eq!(
        kumo.json(&["keys", "export", "dave"])["mnemonic"],
        DEV_MNEMONIC
    );
    let wrong = Kumo {
        env: vec![("KUMO_KEYRING_PASSPHRASE".into(), "wrong passphrase".into())],
        ..kumo
    };
    let err = wrong.fails(&["keys", "export", "dave"]);
    assert!(err.contains("wrong passphrase"), "{err}");
    // Listing needs no passphrase.
    assert_eq!(wrong.json(&["keys", "list"])["keys"][0]["name"], "dave");
}
