//! A provider registers from examples/provider.yaml and an auditor signs its attributes.

use crate::common::{event, example, Kumo};

const H100: &str = "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm";

#[test]
fn provider_registers_and_an_auditor_signs() {
    let kumo = Kumo::new();
    // The devnet's registry names no certified auditors, so any account may audit.
    let provider = kumo.recover("prov", 1);
    let auditor = kumo.recover("auditor", 2);

    let tx = kumo.json(&[
        "provider",
        "register",
        &example("provider.yaml"),
        "--from",
        "prov",
        "-y",
    ]);
    assert_eq!(
        event(&tx, "provider_registered")["attributes"]["provider"],
        provider
    );
    assert!(tx["txhash"].as_str().unwrap().len() == 64, "{tx}");
    assert!(tx["height"].as_u64().unwrap() > 0);
    assert!(tx["gas_used"].as_u64().unwrap() > 0);

    // Registering twice is the contract's error, said plainly.
    let err = kumo.fails(&[
        "provider",
        "register",
        &example("provider.yaml"),
        "--from",
        "prov",
        "-y",
    ]);
    assert!(err.contains("contract refused"), "{err}");

    let tx = kumo.json(&[
        "audit",
        "sign",
        &provider,
        "region=us-west",
        &format!("{H100}=true"),
        "--from",
        "auditor",
        "-y",
    ]);
    let signed = event(&tx, "attributes_signed");
    assert_eq!(signed["attributes"]["auditor"], auditor);
    assert_eq!(signed["attributes"]["provider"], provider);

    let got = kumo.json(&["provider", "get", &provider]);
    let p = &got["provider"];
    assert_eq!(p["owner"], provider);
    assert_eq!(p["host_uri"], "https://provider.example.com:8443");
    assert_eq!(p["info"]["email"], "ops@provider.example.com");
    let attrs = p["attributes"].as_array().unwrap();
    assert!(attrs
        .iter()
        .any(|a| a["key"] == "region" && a["value"] == "us-west"));
    assert!(attrs
        .iter()
        .any(|a| a["key"] == H100 && a["value"] == "true"));
    let sigs = got["signed_attributes"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "{got}");
    assert_eq!(sigs[0]["auditor"], auditor);
    assert_eq!(sigs[0]["attributes"].as_array().unwrap().len(), 2);
    assert_eq!(got["collateral"]["bonded"]["amount"], "0");

    // Listed among the providers.
    let list = kumo.json(&["provider", "list", "--limit", "100"]);
    assert!(list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["owner"] == provider));

    // The auditor withdraws one signature; the other stays.
    kumo.json(&[
        "audit", "delete", &provider, "region", "--from", "auditor", "-y",
    ]);
    let got = kumo.json(&["provider", "get", &provider]);
    let left = got["signed_attributes"][0]["attributes"]
        .as_array()
        .unwrap();
    assert_eq!(left.len(), 1, "{got}");
    assert_eq!(left[0]["key"], H100);

    // The human form says the same.
    let text = kumo.ok(&["provider", "get", &provider]).stdout;
    assert!(text.contains("https://provider.example.com:8443"), "{text}");
    assert!(text.contains(&auditor), "{text}");
}
