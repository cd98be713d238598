//! Files Akash's parsers refuse must be refused, naming the field at fault; files only Akash's
//! JSON schema refuses are accepted or refused as documented in the crate docs.

mod common;

use std::time::Duration;

/// Every file of `parity/input/invalid`, with the SDL path its error must name.
const INVALID: &[(&str, &str)] = &[
    ("count-zero.yaml", "deployment.web.akash.count"),
    (
        "credentials-missing-host.yaml",
        "services.web.credentials.host",
    ),
    ("empty-image.yaml", "services.web.image"),
    ("endpoint-not-used.yaml", "endpoints.myendpoint"),
    ("invalid-endpoint-name.yaml", "endpoints.Invalid-Name"),
    ("invalid-port.yaml", "services.web.expose[0].port"),
    ("invalid-protocol.yaml", "services.web.expose[0].proto"),
    ("ip-without-global.yaml", "services.web.expose[0].to[0].ip"),
    ("missing-deployment.yaml", "deployment"),
    ("missing-image.yaml", "services.web.image"),
    (
        "missing-memory-size.yaml",
        "profiles.compute.web.resources.memory.size",
    ),
    ("missing-pricing.yaml", "profiles.placement.akash.pricing"),
    ("missing-version.yaml", "version"),
    (
        "negative-cpu.yaml",
        "profiles.compute.web.resources.cpu.units",
    ),
    (
        "persistent-without-mount.yaml",
        "services.web.params.storage.data",
    ),
    ("port-too-high.yaml", "services.web.expose[0].port"),
    ("port-zero.yaml", "services.web.expose[0].port"),
    (
        "ram-persistent-true.yaml",
        "profiles.compute.web.resources.storage[0].attributes.persistent",
    ),
    ("unknown-field.yaml", "unknown_field"),
    ("v2.1-reclamation-bad-window.yaml", "reclamation.min_window"),
    ("v2.1-tee-cpu-gpu-no-gpu.yaml", "services.web.params.tee"),
];

#[test]
fn every_invalid_file_is_refused_naming_its_field() {
    let dir = common::corpus().join("parity/input/invalid");
    let files = common::files_under(&dir);
    assert!(!files.is_empty());
    let mut problems = Vec::new();
    for file in &files {
        let name = file.to_string_lossy().to_string();
        let Some((_, want_path)) = INVALID.iter().find(|(f, _)| *f == name) else {
            problems.push(format!("{name}: new invalid fixture: add it to INVALID"));
            continue;
        };
        match kumo_sdl::parse(&common::read(&dir.join(file))) {
            Ok(_) => problems.push(format!("{name}: accepted")),
            Err(e) => {
                let text = e.to_string();
                if e.path != *want_path || !text.contains(want_path) {
                    problems.push(format!(
                        "{name}: error names {:?}, want {want_path:?}: {text}",
                        e.path
                    ));
                }
                if e.line.is_none() || !text.contains(" (at line ") {
                    problems.push(format!("{name}: no line: {text}"));
                }
            }
        }
    }
    for (name, _) in INVALID {
        if !files.iter().any(|f| f.to_string_lossy() == *name) {
            problems.push(format!("{name}: listed in INVALID but not in the corpus"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn invalid_errors_read_well() {
    let dir = common::corpus().join("parity/input/invalid");
    let err = |f: &str| {
        kumo_sdl::parse(&common::read(&dir.join(f)))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("negative-cpu.yaml"),
        "profiles.compute.web.resources.cpu.units: \"-100m\" is negative: CPU units must be positive (at line 16)"
    );
    assert_eq!(err("missing-version.yaml"), "version: missing (at line 3)");
    assert_eq!(
        err("unknown-field.yaml"),
        "unknown_field: unknown field (expected one of: version, include, services, profiles, deployment, endpoints, reclamation) (at line 4)"
    );
    assert!(err("port-too-high.yaml").contains("99999 is not a port (1-65535)"));
    assert!(err("missing-pricing.yaml").contains("needs a price"));
    assert!(err("persistent-without-mount.yaml").contains("must mount it"));
}

/// `parity/input/schema-only-invalid`: Akash's Go parser accepts these, its JSON schema does
/// not. Kumo's decision for each (see the crate docs for why).
#[test]
fn schema_only_invalid_decisions() {
    let dir = common::corpus().join("parity/input/schema-only-invalid");
    let parse = |f: &str| kumo_sdl::parse(&common::read(&dir.join(f)));
    let files: Vec<String> = common::files_under(&dir)
        .iter()
        .map(|f| f.to_string_lossy().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "email-too-short.yaml",
            "invalid-denom.yaml",
            "invalid-gpu-vendor.yaml",
            "invalid-version.yaml",
            "password-too-short.yaml",
            "reclamation-compound-window.yaml",
        ],
        "schema-only-invalid changed: decide for the new file"
    );

    // Accepted.
    let sdl = parse("email-too-short.yaml").unwrap();
    let creds = sdl.manifest.0[0].services[0].credentials.clone().unwrap();
    assert_eq!(creds.email, "a@b");
    let sdl = parse("password-too-short.yaml").unwrap();
    let creds = sdl.manifest.0[0].services[0].credentials.clone().unwrap();
    assert_eq!(creds.password, "pass");
    let sdl = parse("invalid-denom.yaml").unwrap();
    assert_eq!(sdl.groups[0].resources[0].price.denom, "invalidtoken");
    let sdl = parse("reclamation-compound-window.yaml").unwrap();
    assert_eq!(sdl.reclamation, Some(Duration::from_secs(90 * 60)));

    // Refused.
    let e = parse("invalid-version.yaml").unwrap_err();
    assert_eq!(e.path, "version");
    assert!(e.reason.contains("not a supported SDL version"), "{e}");
    let e = parse("invalid-gpu-vendor.yaml").unwrap_err();
    assert_eq!(
        e.path,
        "profiles.compute.web.resources.gpu.attributes.vendor.amd"
    );
    assert!(e.reason.contains("unsupported GPU vendor"), "{e}");
}
