//! Akash's parity corpus: for every valid input, the group specs, the manifest and the
//! manifest hash must equal what Akash's Go parser produced.

mod common;

use std::path::Path;

use kumo_sdl::{akash_json, canonical, Manifest};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn json(path: &Path) -> Value {
    serde_json::from_str(&common::read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Checks one case; returns a description of each mismatch.
fn check_case(version: &str, case: &Path, outputs: &Path) -> Vec<String> {
    let name = format!("{version}/{}", case.file_name().unwrap().to_string_lossy());
    let mut problems = Vec::new();
    let sdl = match kumo_sdl::parse(&common::read(&case.join("input.yaml"))) {
        Ok(sdl) => sdl,
        Err(e) => return vec![format!("{name}: refused: {e}")],
    };
    assert_eq!(sdl.version.to_string(), version.trim_start_matches('v'));

    let want_groups = json(&outputs.join("group-specs.json"));
    let got_groups = sdl.group_specs_json();
    if got_groups != want_groups {
        problems.push(format!(
            "{name}: group specs differ\n  want {want_groups}\n  got  {got_groups}"
        ));
    }
    match akash_json::group_specs_from(&want_groups) {
        Ok(groups) if groups == sdl.groups => {}
        Ok(groups) => problems.push(format!(
            "{name}: group specs read back from Akash's JSON differ: {groups:?}"
        )),
        Err(e) => problems.push(format!("{name}: cannot read Akash's group specs: {e}")),
    }

    let want_manifest = json(&outputs.join("manifest.json"));
    let got_manifest = sdl.manifest.to_json();
    if got_manifest != want_manifest {
        problems.push(format!(
            "{name}: manifest differs\n  want {want_manifest}\n  got  {got_manifest}"
        ));
    }
    match Manifest::from_json(&want_manifest) {
        Ok(m) if m == sdl.manifest => {}
        Ok(m) => problems.push(format!("{name}: manifest read back differs: {m:?}")),
        Err(e) => problems.push(format!("{name}: cannot read Akash's manifest: {e}")),
    }

    let want_canonical = canonical::to_string(&want_manifest);
    let want_hash: [u8; 32] = Sha256::digest(want_canonical.as_bytes()).into();
    if sdl.manifest_json() != want_canonical {
        problems.push(format!(
            "{name}: canonical JSON differs\n  want {want_canonical}\n  got  {}",
            sdl.manifest_json()
        ));
    }
    if sdl.manifest_hash != want_hash {
        problems.push(format!(
            "{name}: manifest hash {} != {}",
            sdl.manifest_hash_hex(),
            hex::encode(want_hash)
        ));
    }
    problems
}

#[test]
fn parity_corpus_matches_akash() {
    let parity = common::corpus().join("parity");
    let mut cases = 0;
    let mut problems = Vec::new();
    for version in ["v2.0", "v2.1"] {
        let dir = parity.join("input").join(version);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        for case in entries {
            let outputs = parity
                .join("output-fixtures")
                .join(version)
                .join(case.file_name().unwrap());
            assert!(
                outputs.is_dir(),
                "no output fixtures for {}",
                case.display()
            );
            cases += 1;
            problems.extend(check_case(version, &case, &outputs));
        }
    }
    assert!(cases >= 15, "only {cases} parity cases found");
    assert!(
        problems.is_empty(),
        "{} of {cases} parity cases differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn hash_is_sha256_of_canonical_json() {
    let parity = common::corpus().join("parity");
    let sdl = kumo_sdl::parse(&common::read(&parity.join("input/v2.0/simple/input.yaml"))).unwrap();
    let canonical = sdl.manifest_json();
    assert!(canonical.starts_with("[{\"name\":\"westcoast\",\"services\":[{\"args\":null,"));
    assert!(!canonical.contains(' '));
    assert_eq!(
        sdl.manifest_hash,
        <[u8; 32]>::from(Sha256::digest(canonical.as_bytes()))
    );
    // Any change to the manifest changes the hash.
    let mut changed = sdl.manifest.clone();
    changed.0[0].services[0].count += 1;
    assert_ne!(changed.hash(), sdl.manifest_hash);
}
