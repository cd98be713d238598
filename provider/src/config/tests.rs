use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

const MINIMAL: &str = r#"
chain:
  chain_id: kumo-devnet
  key: provider
pricing:
  cpu_per_millicpu: "0.01"
  memory_per_gib: 2
  storage_per_gib: 0.5
"#;

const HOME: (&str, &str) = ("HOME", "/home/op");

fn parse_with(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::parse(
        text,
        "provider.yaml",
        Path::new("/etc/kumo"),
        vars.iter().copied(),
    )
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    parse_with(text, &[HOME])
}

/// The single refusal's text, or a panic naming what came back instead.
fn refusal(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(ConfigError::Invalid { errors, .. }) if errors.len() == 1 => errors[0].to_string(),
        Err(e) => panic!("expected one field error, got: {e}"),
    }
}

fn with(extra: &str) -> String {
    format!("{MINIMAL}{extra}")
}

#[test]
fn minimal_file_gets_defaults() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.chain.node, "http://127.0.0.1:26657");
    assert_eq!(c.chain.chain_id, "kumo-devnet");
    assert_eq!(c.chain.keyring_backend, KeyringBackend::File);
    assert_eq!(c.chain.keyring_dir, None);
    assert_eq!(c.gateway.listen.to_string(), "0.0.0.0:8443");
    assert_eq!(c.gateway.tls, None);
    assert_eq!(c.pricing.denom, "uakt");
    assert_eq!(c.pricing.cpu_per_millicpu, Decimal256::percent(1));
    assert_eq!(c.pricing.memory_per_gib, Decimal256::from_ratio(2u8, 1u8));
    assert_eq!(c.pricing.storage_per_gib, Decimal256::percent(50));
    assert_eq!(c.pricing.endpoint, Decimal256::zero());
    assert_eq!(c.runtime.docker.network, NetworkMode::Bridge);
    assert_eq!(c.runtime.docker.pids_limit, 1024);
    assert_eq!(c.limits.cpu_overcommit_millis, 1000);
    assert_eq!(c.data_dir, Path::new("/home/op/.kumo/provider"));
    assert_eq!(c.timeouts.bid, Duration::from_secs(300));
    assert_eq!(c.timeouts.withdraw_period, Duration::from_secs(3600));
    assert_eq!(c.inventory, None);
    assert!(c.warnings.is_empty());
}

#[test]
fn full_file_parses_every_section() {
    let text = r#"
chain:
  node: https://rpc.example.org:443
  chain_id: kumo-1
  key: prov
  keyring_dir: keys
  keyring_backend: test
gateway:
  listen: 127.0.0.1:9443
  tls_cert: /tls/cert.pem
  tls_key: tls/key.pem
attributes:
  - { key: region, value: eu-west }
  - { key: tier, value: premium }
pricing:
  denom: uact
  cpu_per_millicpu: "0.001"
  memory_per_gib: "1.5"
  storage_per_gib: "0.05"
  endpoint: 3
  gpu: { h100: "120", a100: 80, "*": "60" }
runtime:
  docker:
    host: unix:///run/docker.sock
    network: none
    bind_address: 127.0.0.1
    pids_limit: 256
    image_allowlist: ["kumo-test/*", "docker.io/library/*"]
limits:
  max_open_bids: 7
  tenant_bids_per_hour: 9
  cpu_overcommit: 1.5
  memory_overcommit: "1.25"
data_dir: state
timeouts: { bid: 45s, manifest: 2m, withdraw_period: 1h }
inventory:
  cpu: 16
  memory: 64Gi
  storage: 1Ti
  gpus:
    - { uuid: GPU-aaa, model: h100, memory: 80Gi, interface: sxm }
    - { uuid: GPU-bbb, model: a100, memory: 40Gi }
"#;
    let c = parse(text).unwrap();
    assert_eq!(
        c.chain.keyring_dir.as_deref(),
        Some(Path::new("/etc/kumo/keys"))
    );
    assert_eq!(c.chain.keyring_backend, KeyringBackend::Test);
    let tls = c.gateway.tls.unwrap();
    assert_eq!(tls.cert, Path::new("/tls/cert.pem"));
    assert_eq!(tls.key, Path::new("/etc/kumo/tls/key.pem"));
    assert_eq!(c.attributes[1], Attribute::new("tier", "premium"));
    assert_eq!(c.pricing.denom, "uact");
    assert_eq!(c.pricing.gpu.by_model.len(), 2);
    assert_eq!(
        c.pricing.gpu.default,
        Some(Decimal256::from_ratio(60u8, 1u8))
    );
    let docker = &c.runtime.docker;
    assert_eq!(docker.network, NetworkMode::None);
    assert_eq!(docker.bind_address.to_string(), "127.0.0.1");
    assert!(docker.image_allowed("kumo-test/busybox:local"));
    assert!(docker.image_allowed("docker.io/library/nginx:1"));
    assert!(!docker.image_allowed("evil.example/kumo-test/x"));
    assert_eq!(c.limits.max_open_bids, 7);
    assert_eq!(c.limits.cpu_overcommit_millis, 1500);
    assert_eq!(c.limits.memory_overcommit_millis, 1250);
    assert_eq!(c.data_dir, Path::new("/etc/kumo/state"));
    assert_eq!(c.timeouts.bid, Duration::from_secs(45));
    let inv = c.inventory.unwrap();
    assert_eq!(inv.cpu_millis, 16_000);
    assert_eq!(inv.memory_bytes, 64 << 30);
    assert_eq!(inv.storage_bytes, 1 << 40);
    assert_eq!(
        inv.gpus[0].spec.capability_key(),
        "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm"
    );
    assert_eq!(inv.gpus[0].memory_bytes, 80 << 30);
    assert_eq!(inv.gpus[1].spec.interface.as_deref(), Some("pcie"));
}

#[test]
fn bad_duration_names_key_and_reason() {
    assert_eq!(
        refusal(&with("timeouts: { bid: 5x }")),
        r#"timeouts.bid: "5x" is not a duration (use e.g. 30s, 5m, 1h30m)"#
    );
    assert!(refusal(&with("timeouts: { manifest: 30 }")).contains("has no unit"));
    assert!(refusal(&with("timeouts: { withdraw_period: 0s }"))
        .starts_with("timeouts.withdraw_period:"));
}

#[test]
fn every_refusal_is_reported_at_once() {
    let err = parse(&with(
        "timeouts: { bid: soon }\nlimits: { max_open_bids: -1, cpu_overcommit: 0.5 }\nruntime: { docker: { network: bridged } }",
    ))
    .unwrap_err();
    let paths: Vec<&str> = err.field_errors().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "runtime.docker.network",
            "limits.max_open_bids",
            "limits.cpu_overcommit",
            "timeouts.bid"
        ]
    );
    let text = err.to_string();
    assert!(
        text.starts_with("provider.yaml: invalid configuration:"),
        "{text}"
    );
    assert!(text.contains(r#"runtime.docker.network: "bridged" is not one of bridge, host, none"#));
}

#[test]
fn required_keys_are_named() {
    let err = parse("pricing: { cpu_per_millicpu: 1, memory_per_gib: 1 }").unwrap_err();
    let shown: Vec<String> = err.field_errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "chain.chain_id: is required",
            "chain.key: is required",
            "pricing.storage_per_gib: is required"
        ]
    );
}

#[test]
fn env_overrides_the_file_and_is_named_in_errors() {
    let c = parse_with(
        MINIMAL,
        &[
            HOME,
            ("KUMO_PROVIDER_TIMEOUTS_BID", "45s"),
            ("KUMO_PROVIDER_RUNTIME_DOCKER_NETWORK", "host"),
            ("KUMO_PROVIDER_CHAIN_CHAIN_ID", "other-1"),
            ("KUMO_PROVIDER_DATA_DIR", "/var/lib/kumo"),
            ("KUMO_PROVIDER_LIMITS_MAX_OPEN_BIDS", "3"),
        ],
    )
    .unwrap();
    assert_eq!(c.timeouts.bid, Duration::from_secs(45));
    assert_eq!(c.runtime.docker.network, NetworkMode::Host);
    assert_eq!(c.chain.chain_id, "other-1");
    assert_eq!(c.data_dir, Path::new("/var/lib/kumo"));
    assert_eq!(c.limits.max_open_bids, 3);

    let err = parse_with(MINIMAL, &[HOME, ("KUMO_PROVIDER_TIMEOUTS_BID", "5x")]).unwrap_err();
    assert_eq!(
        err.field_errors()[0].to_string(),
        r#"timeouts.bid (from KUMO_PROVIDER_TIMEOUTS_BID): "5x" is not a duration (use e.g. 30s, 5m, 1h30m)"#
    );
    let err = parse_with(MINIMAL, &[HOME, ("KUMO_PROVIDER_TIMEOUT_BID", "5s")]).unwrap_err();
    assert!(err
        .to_string()
        .contains("KUMO_PROVIDER_TIMEOUT_BID: is not a provider setting"));
}

#[test]
fn env_alone_can_configure_an_empty_file() {
    let c = parse_with(
        "",
        &[
            ("KUMO_PROVIDER_CHAIN_CHAIN_ID", "c"),
            ("KUMO_PROVIDER_CHAIN_KEY", "k"),
            ("KUMO_PROVIDER_PRICING_CPU_PER_MILLICPU", "1"),
            ("KUMO_PROVIDER_PRICING_MEMORY_PER_GIB", "1"),
            ("KUMO_PROVIDER_PRICING_STORAGE_PER_GIB", "1"),
            ("KUMO_PROVIDER_DATA_DIR", "./d"),
        ],
    )
    .unwrap();
    assert_eq!(c.data_dir, Path::new("/etc/kumo/d"));
    // Without HOME and without data_dir there is no default.
    let err = parse_with(MINIMAL, &[]).unwrap_err();
    assert_eq!(err.field_errors()[0].path, "data_dir");
}

#[test]
fn typos_inside_sections_are_refused_with_their_path() {
    let err = parse(&with("timeouts: { bidd: 5s }")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ConfigError::Syntax { .. }));
    assert!(text.contains("timeouts"), "{text}");
    assert!(text.contains("unknown field `bidd`"), "{text}");
    assert!(text.contains("line"), "{text}");

    let err = parse(&with("runtime: { docker: { netwrok: host } }")).unwrap_err();
    assert!(err.to_string().contains("runtime.docker"), "{err}");
}

#[test]
fn unknown_top_level_sections_warn() {
    let c = parse(&with(
        "provider_extras: { a: 1 }\nregistration: { host_uri: https://x, anything: [1, 2] }",
    ))
    .unwrap();
    assert_eq!(
        c.warnings,
        ["provider.yaml: unknown top-level key \"provider_extras\" ignored"]
    );
}

#[test]
fn wrong_shapes_are_refused() {
    for (text, needle) in [
        ("timeouts: { bid: [1, 2] }", "timeouts.bid"),
        ("timeouts: 5s", "timeouts"),
        ("attributes: { region: eu }", "attributes"),
        (
            "inventory: { cpu: 1, memory: 1Gi, storage: 1Gi, gpus: [ { uuid: a } ] }",
            "gpus",
        ),
        ("registration: [1, 2]", "registration"),
    ] {
        let err = parse(&with(text)).unwrap_err();
        assert!(matches!(err, ConfigError::Syntax { .. }), "{text}: {err}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
    for text in [
        "- a\n- b",
        "just text",
        "42",
        "{{{{",
        "chain: [",
        "\t\tchain:\n:",
    ] {
        assert!(
            matches!(parse(text), Err(ConfigError::Syntax { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn duplicate_keys_are_refused() {
    let err = parse(&with("timeouts: { bid: 1s }\ntimeouts: { bid: 2s }")).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    let err = parse(&with("timeouts: { bid: 1s, bid: 2s }")).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
}

#[test]
fn alias_bombs_and_deep_nesting_fail_fast() {
    let bomb = r#"
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
chain: { chain_id: *h }
"#;
    let started = Instant::now();
    assert!(parse(bomb).is_err());
    assert!(started.elapsed() < Duration::from_secs(5));

    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse(&format!("registration: {deep}")).is_err());
    assert!(parse(&format!("timeouts: {{ bid: {deep} }}")).is_err());
}

#[test]
fn gpu_price_table_and_wildcard() {
    let c = parse(&with("  gpu: { h100: 100, \"*\": 10 }")).unwrap();
    let h100 = GpuSpec::new("nvidia", "h100").with_ram("80Gi");
    let l4 = GpuSpec::new("nvidia", "l4");
    assert_eq!(
        c.pricing.gpu.price_for(&h100),
        Some(Decimal256::from_ratio(100u8, 1u8))
    );
    assert_eq!(
        c.pricing.gpu.price_for(&l4),
        Some(Decimal256::from_ratio(10u8, 1u8))
    );
    let c = parse(&with("  gpu: { h100: 100 }")).unwrap();
    assert_eq!(c.pricing.gpu.price_for(&l4), None);

    assert!(refusal(&with("  gpu: { H100: 100 }")).starts_with("pricing.gpu.H100:"));
    assert!(refusal(&with("  gpu: { h100: -1 }")).contains("negative"));
    assert!(refusal(&with("  gpu: { h100: lots }")).starts_with("pricing.gpu.h100:"));
}

#[test]
fn price_script_settings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("price.sh"), "#!/bin/sh\necho 1\n").unwrap();
    let text = with("  script: { path: price.sh, timeout: 3s }");
    let c = Config::parse(&text, "p", dir.path(), [HOME]).unwrap();
    let script = c.pricing.script.unwrap();
    assert_eq!(script.path, dir.path().join("price.sh"));
    assert_eq!(script.timeout, Duration::from_secs(3));
    assert_eq!(script.concurrency, 4);

    let err = Config::parse(
        &with("  script: { path: missing.sh }"),
        "p",
        dir.path(),
        [HOME],
    )
    .unwrap_err();
    assert!(err.field_errors()[0].reason.contains("is not a file"));
    assert_eq!(
        refusal(&with("  script: { timeout: 3s }")),
        "pricing.script.timeout: is set but pricing.script.path is not"
    );
    let err = Config::parse(
        &with("  script: { path: price.sh, concurrency: 0 }"),
        "p",
        dir.path(),
        [HOME],
    )
    .unwrap_err();
    assert_eq!(err.field_errors()[0].path, "pricing.script.concurrency");
}

#[test]
fn attributes_are_checked() {
    assert!(refusal(&with(
        "attributes: [ { key: region, value: a }, { key: region, value: b } ]"
    ))
    .contains("listed twice"));
    assert!(
        refusal(&with("attributes: [ { key: \"9bad\", value: a } ]"))
            .starts_with("attributes[0].key")
    );
    assert!(refusal(&with(
        "attributes: [ { key: capabilities/gpu/vendor/nvidia/model/h100, value: \"true\" } ]"
    ))
    .contains("derived from the GPU inventory"));
}

#[test]
fn gateway_tls_needs_both_files() {
    assert_eq!(
        refusal(&with("gateway: { tls_cert: c.pem }")),
        "gateway.tls_key: is required when gateway.tls_cert is set"
    );
    assert!(refusal(&with("gateway: { listen: 8443 }")).contains("not an address with a port"));
}

#[test]
fn chain_values_are_checked() {
    let chain = |c: &str| {
        format!("chain: {{ {c} }}\npricing: {{ cpu_per_millicpu: 1, memory_per_gib: 1, storage_per_gib: 1 }}")
    };
    assert!(
        refusal(&chain("chain_id: x, key: k, node: localhost:26657")).starts_with("chain.node:")
    );
    assert!(refusal(&chain("chain_id: \"a b\", key: k")).starts_with("chain.chain_id:"));
    assert!(refusal(&chain("chain_id: a, key: ../k")).starts_with("chain.key:"));
    assert!(
        refusal(&chain("chain_id: a, key: k, keyring_backend: kwallet"))
            .starts_with("chain.keyring_backend:")
    );
    assert!(parse(&chain("chain_id: a, key: k, keyring_backend: os")).is_ok());
}

#[test]
fn static_inventory_is_checked() {
    let inv = |gpus: &str| {
        with(&format!(
            "inventory: {{ cpu: 8, memory: 32Gi, storage: 100Gi, gpus: [{gpus}] }}"
        ))
    };
    assert!(refusal(&inv(
        "{ uuid: G1, model: h100, memory: 80Gi }, { uuid: G1, model: h100, memory: 80Gi }"
    ))
    .starts_with("inventory.gpus[1].uuid: \"G1\" is also inventory.gpus[0]'s uuid"));
    assert!(refusal(&inv("{ uuid: G1, model: h100, memory: 80GB }"))
        .starts_with("inventory.gpus[0].memory:"));
    assert!(
        refusal(&inv("{ uuid: G1, model: \"NVIDIA H100\", memory: 80Gi }"))
            .starts_with("inventory.gpus[0].model:")
    );
    assert!(refusal(&inv(
        "{ uuid: G1, model: h100, memory: 80Gi, interface: nvlink }"
    ))
    .starts_with("inventory.gpus[0].interface:"));
    assert!(
        refusal(&inv("{ uuid: \"G 1\", model: h100, memory: 80Gi }"))
            .starts_with("inventory.gpus[0].uuid:")
    );
    assert_eq!(
        refusal(&with("inventory: { cpu: 8, memory: 32Gi }")),
        "inventory.storage: is required"
    );
    assert!(
        refusal(&with("inventory: { cpu: 0, memory: 32Gi, storage: 1Gi }"))
            .starts_with("inventory.cpu:")
    );
}

#[test]
fn load_reads_files_and_reports_unreadable_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider.yaml");
    std::fs::write(&path, MINIMAL).unwrap();
    let c = Config::load_with_env(&path, [HOME]).unwrap();
    assert_eq!(c.chain.key, "provider");

    let err = Config::load_with_env(&dir.path().join("nope.yaml"), [HOME]).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("nope.yaml"));

    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x01]).unwrap();
    assert!(Config::load_with_env(&path, [HOME]).is_err());
}

#[test]
fn documented_variables_cover_scalars() {
    let vars: Vec<String> = env::overridable().map(|(_, v)| v).collect();
    for v in [
        "KUMO_PROVIDER_CHAIN_NODE",
        "KUMO_PROVIDER_GATEWAY_LISTEN",
        "KUMO_PROVIDER_PRICING_SCRIPT_TIMEOUT",
        "KUMO_PROVIDER_LIMITS_CPU_OVERCOMMIT",
        "KUMO_PROVIDER_TIMEOUTS_WITHDRAW_PERIOD",
    ] {
        assert!(vars.iter().any(|x| x == v), "{v} missing");
    }
}

/// The file shared with `kumo provider register`, which carries only its `registration`
/// section: the daemon accepts it, with its own required settings from the environment.
#[test]
fn shared_example_file_is_accepted() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/provider.yaml");
    let c = Config::load_with_env(
        &path,
        [
            HOME,
            ("KUMO_PROVIDER_CHAIN_CHAIN_ID", "kumo-devnet"),
            ("KUMO_PROVIDER_CHAIN_KEY", "provider"),
            ("KUMO_PROVIDER_PRICING_CPU_PER_MILLICPU", "0.01"),
            ("KUMO_PROVIDER_PRICING_MEMORY_PER_GIB", "1"),
            ("KUMO_PROVIDER_PRICING_STORAGE_PER_GIB", "0.1"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let reg = c.registration.as_ref().expect("registration section");
    assert!(reg.host_uri.as_deref().unwrap().starts_with("https://"));
    // Placement attributes default to the registered ones, without GPU capabilities.
    assert!(!c.attributes.is_empty());
    assert!(c
        .attributes
        .iter()
        .all(|a| !a.key.starts_with("capabilities/gpu/")));
    assert!(c.attributes.iter().all(|a| reg.attributes.contains(a)));
    for cap in reg.gpu_capabilities() {
        GpuSpec::parse_capability_key(&cap.key).unwrap();
    }
}

#[test]
fn registration_attributes_are_the_default_placement_attributes() {
    let reg = "registration:\n  host_uri: https://p.example:8443\n  tls_cert_fingerprint: ab\n  info: { email: a@b.c }\n  attributes:\n    - { key: region, value: us-west }\n    - { key: capabilities/gpu/vendor/nvidia/model/h100, value: \"true\" }\n";
    let c = parse(&with(reg)).unwrap();
    assert_eq!(c.attributes, [Attribute::new("region", "us-west")]);
    assert_eq!(
        c.registration.as_ref().unwrap().gpu_capabilities().count(),
        1
    );

    let c = parse(&with(&format!(
        "{reg}attributes: [ {{ key: zone, value: a }} ]"
    )))
    .unwrap();
    assert_eq!(
        c.attributes,
        [Attribute::new("zone", "a")],
        "the daemon's own list wins"
    );

    assert!(
        refusal(&with("registration: { host_uri: http://p.example }"))
            .starts_with("registration.host_uri:")
    );
    assert!(refusal(&with(
        "registration: { attributes: [ { key: capabilities/gpu/vendor/nvidia/model/*, value: \"true\" } ] }"
    ))
    .starts_with("registration.attributes[0].key:"));
}
