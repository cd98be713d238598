use super::*;
use crate::keys::COSMOS_HD_PATH;

const MNEMONIC: &str = "test test test test test test test test test test test junk";
const PASS: &str = "correct horse battery";

fn cheap(keyring: Keyring) -> Keyring {
    keyring.with_kdf_params(KdfParams {
        log_n: 4,
        r: 8,
        p: 1,
    })
}

fn file_keyring(dir: &Path) -> Keyring {
    cheap(Keyring::open(dir, KeyringBackend::File, "kumo").unwrap())
}

#[test]
fn file_backend_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    let expected = KeyPair::from_mnemonic(MNEMONIC, COSMOS_HD_PATH, "kumo").unwrap();

    let info = keyring
        .add("alice", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap();
    assert_eq!(info.address, expected.address());
    assert_eq!(info.backend, KeyringBackend::File);
    assert_eq!(info.hd_path, COSMOS_HD_PATH);
    assert_eq!(keyring.show("alice").unwrap(), info);
    assert_eq!(keyring.list().unwrap(), vec![info.clone()]);

    let key = keyring.unlock("alice", Some(PASS)).unwrap();
    assert_eq!(key.address(), expected.address());
    assert_eq!(
        keyring.export_mnemonic("alice", Some(PASS)).unwrap(),
        MNEMONIC
    );

    // The mnemonic is not on disk in the clear.
    let file = std::fs::read_to_string(keyring.dir().join("alice.json")).unwrap();
    assert!(!file.contains("junk"), "{file}");

    // Another keyring object over the same directory sees the key.
    let reopened = file_keyring(dir.path());
    assert_eq!(reopened.list().unwrap(), vec![info]);

    keyring.delete("alice").unwrap();
    assert!(keyring.list().unwrap().is_empty());
    assert!(matches!(
        keyring.delete("alice"),
        Err(KeyringError::NotFound { .. })
    ));
}

#[test]
fn wrong_or_missing_passphrase_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    keyring
        .add("alice", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap();
    let err = keyring
        .unlock("alice", Some("not the passphrase"))
        .unwrap_err();
    assert!(
        matches!(&err, KeyringError::WrongPassphrase { name } if name == "alice"),
        "{err}"
    );
    assert!(err.to_string().contains("try again"));
    assert!(matches!(
        keyring.export_mnemonic("alice", Some("nope nope nope")),
        Err(KeyringError::WrongPassphrase { .. })
    ));
    assert!(matches!(
        keyring.unlock("alice", None),
        Err(KeyringError::PassphraseRequired { .. })
    ));
    assert!(matches!(
        keyring.add("bob", MNEMONIC, COSMOS_HD_PATH, None),
        Err(KeyringError::PassphraseRequired { .. })
    ));
    assert!(matches!(
        keyring.add("bob", MNEMONIC, COSMOS_HD_PATH, Some("short")),
        Err(KeyringError::PassphraseTooShort { min: 8 })
    ));
}

#[test]
fn names_are_validated_and_unique() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    for bad in [
        "",
        ".hidden",
        "-flag",
        "a/b",
        "../up",
        "sp ace",
        "é",
        &"x".repeat(65),
    ] {
        let err = keyring
            .add(bad, MNEMONIC, COSMOS_HD_PATH, Some(PASS))
            .unwrap_err();
        assert!(
            matches!(err, KeyringError::InvalidName { .. }),
            "{bad:?}: {err}"
        );
        assert!(matches!(
            keyring.show(bad),
            Err(KeyringError::InvalidName { .. })
        ));
    }
    for good in ["a", "alice-2", "bob_the.provider", &"x".repeat(64)] {
        keyring
            .add(good, MNEMONIC, COSMOS_HD_PATH, Some(PASS))
            .unwrap();
    }
    let err = keyring
        .add("alice-2", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap_err();
    assert!(matches!(err, KeyringError::AlreadyExists { .. }), "{err}");
    let err = keyring.show("carol").unwrap_err();
    assert!(matches!(err, KeyringError::NotFound { .. }));
    assert!(
        err.to_string().contains("kumo keys list") && err.to_string().contains("file backend"),
        "{err}"
    );
    let names: Vec<_> = keyring
        .list()
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names.len(), 4);
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
}

#[test]
fn bad_mnemonics_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    let err = keyring
        .add("alice", "test test junk", COSMOS_HD_PATH, Some(PASS))
        .unwrap_err();
    assert!(
        matches!(err, KeyringError::Key(KeyError::InvalidMnemonic { .. })),
        "{err}"
    );
    assert!(keyring.list().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    keyring
        .add("alice", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&keyring.dir().join("alice.json")), 0o600);
    assert_eq!(mode(keyring.dir()), 0o700);
    // No temporary file is left behind.
    let entries: Vec<_> = std::fs::read_dir(keyring.dir()).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn corrupt_files_are_reported_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = file_keyring(dir.path());
    keyring
        .add("alice", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap();
    let path = keyring.dir().join("alice.json");
    let original = std::fs::read_to_string(&path).unwrap();

    std::fs::write(&path, "{ not json").unwrap();
    let err = keyring.unlock("alice", Some(PASS)).unwrap_err();
    assert!(
        matches!(&err, KeyringError::Corrupt { path: p, .. } if p == &path),
        "{err}"
    );
    assert!(err.to_string().contains("alice.json"));
    assert!(matches!(keyring.list(), Err(KeyringError::Corrupt { .. })));

    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["secret"]["nonce"] = "!!!".into();
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(
        keyring.unlock("alice", Some(PASS)),
        Err(KeyringError::Corrupt { .. })
    ));

    // Editing the public parts breaks the binding to the ciphertext.
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["hd_path"] = "m/44'/118'/0'/0/1".into();
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(
        keyring.unlock("alice", Some(PASS)),
        Err(KeyringError::WrongPassphrase { .. })
    ));

    // A plaintext secret does not belong in the file backend.
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["secret"] = serde_json::json!({ "kind": "plaintext", "mnemonic": MNEMONIC });
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(
        keyring.unlock("alice", None),
        Err(KeyringError::Corrupt { .. })
    ));

    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["version"] = 99.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let err = keyring.show("alice").unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
}

#[test]
fn test_backend_stores_plaintext_without_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::open(dir.path(), KeyringBackend::Test, "kumo").unwrap();
    let info = keyring.add("dev0", MNEMONIC, COSMOS_HD_PATH, None).unwrap();
    assert_eq!(info.backend, KeyringBackend::Test);
    let key = keyring.unlock("dev0", None).unwrap();
    assert_eq!(key.address(), info.address);
    assert_eq!(keyring.export_mnemonic("dev0", None).unwrap(), MNEMONIC);
    // Backends do not see each other's keys.
    let file = file_keyring(dir.path());
    assert!(file.list().unwrap().is_empty());
    assert!(matches!(
        file.show("dev0"),
        Err(KeyringError::NotFound { .. })
    ));
}

#[test]
fn addresses_follow_the_keyring_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let kumo = Keyring::open(dir.path(), KeyringBackend::Test, "kumo").unwrap();
    kumo.add("dev0", MNEMONIC, COSMOS_HD_PATH, None).unwrap();
    let akash = Keyring::open(dir.path(), KeyringBackend::Test, "akash").unwrap();
    let info = akash.show("dev0").unwrap();
    assert!(info.address.starts_with("akash1"), "{}", info.address);
    assert!(akash
        .unlock("dev0", None)
        .unwrap()
        .address()
        .starts_with("akash1"));
}

#[test]
fn backend_names_parse_and_print() {
    assert_eq!(
        "file".parse::<KeyringBackend>().unwrap(),
        KeyringBackend::File
    );
    assert_eq!(
        "TEST".parse::<KeyringBackend>().unwrap(),
        KeyringBackend::Test
    );
    assert_eq!(KeyringBackend::Test.to_string(), "test");
    let err = "os".parse::<KeyringBackend>().unwrap_err();
    assert!(err.to_string().contains("use `file`"), "{err}");
    assert_eq!(
        serde_json::to_string(&KeyringBackend::File).unwrap(),
        "\"file\""
    );
}

#[test]
fn default_kdf_cost_is_the_documented_one() {
    // Keys added by the CLI use scrypt N = 2^15; the unit tests above use cheap costs.
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::open(dir.path(), KeyringBackend::File, "kumo").unwrap();
    keyring
        .add("alice", MNEMONIC, COSMOS_HD_PATH, Some(PASS))
        .unwrap();
    let file = std::fs::read_to_string(keyring.dir().join("alice.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(json["secret"]["kdf"]["log_n"], 15);
    assert!(keyring.unlock("alice", Some(PASS)).is_ok());
}
