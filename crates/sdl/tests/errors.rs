//! Hand-made SDLs: outputs of features the parity corpus does not cover, and the errors for
//! mistakes, each naming the field and line.

use kumo_sdl::{parse, SdlError, SdlVersion};
use kumo_types::resources::EndpointKind;

const BASE: &str = r#"version: "2.0"
services:
  web:
    image: nginx
    expose:
      - port: 80
        as: 80
        to:
          - global: true
profiles:
  compute:
    web:
      resources:
        cpu:
          units: 0.5
        memory:
          size: 512Mi
        storage:
          size: 1Gi
  placement:
    dc:
      pricing:
        web:
          denom: uakt
          amount: 100
deployment:
  web:
    dc:
      profile: web
      count: 1
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} not in BASE");
    BASE.replacen(from, to, 1)
}

fn refused(src: &str) -> SdlError {
    match parse(src) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(e) => e,
    }
}

#[test]
fn base_parses() {
    let sdl = parse(BASE).unwrap();
    assert_eq!(sdl.version, SdlVersion::V2_0);
    assert!(sdl.warnings.is_empty());
    assert_eq!(sdl.groups[0].name, "dc");
}

#[test]
fn bad_size_names_field_and_line() {
    let e = refused(&with("size: 512Mi", "size: 16XB"));
    assert_eq!(
        e.to_string(),
        "profiles.compute.web.resources.memory.size: \"16XB\" is not a size (use e.g. 512Mi, 1Gi, 16GB) (at line 17)"
    );
    let e = refused(&with("size: 1Gi", "size: lots"));
    assert_eq!(e.path, "profiles.compute.web.resources.storage.size");
    assert_eq!(e.line, Some(19));
}

#[test]
fn lenient_sizes() {
    let sdl = parse(&with("size: 512Mi", "size: 16GB")).unwrap();
    assert_eq!(
        sdl.groups[0].resources[0].resource.memory.size.get(),
        16_000_000_000
    );
    let sdl = parse(&with("size: 1Gi", "size: 1gi")).unwrap();
    assert_eq!(
        sdl.groups[0].resources[0].resource.storage[0].size.get(),
        1 << 30
    );
}

#[test]
fn not_sdl_files_are_refused_clearly() {
    let compose =
        "version: \"3.8\"\nservices:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n";
    let e = refused(compose);
    assert_eq!(
        e.to_string(),
        "not an Akash SDL: missing `profiles`, `deployment` (this looks like a docker-compose file) (at line 1)"
    );
    let workflow = "name: CI\non:\n  push:\njobs:\n  build:\n    runs-on: ubuntu-latest\n";
    let e = refused(workflow);
    assert_eq!(
        e.to_string(),
        "not an Akash SDL: missing `version`, `services`, `profiles`, `deployment` (this looks like a CI workflow) (at line 1)"
    );
    assert!(refused("- a\n- b\n")
        .reason
        .contains("the document is a list"));
    assert_eq!(refused("").reason, "not an Akash SDL: the file is empty");
    assert!(refused("just text").reason.contains("not an Akash SDL"));
}

#[test]
fn yaml_errors_have_lines() {
    let e = refused(&with(
        "  web:\n    image: nginx",
        "  web:\n    image: [nginx",
    ));
    assert!(e.reason.starts_with("not valid YAML"), "{e}");
    assert!(e.line.is_some());
    let e = refused(&with("deployment:", "services:\n  x: {}\ndeployment:"));
    assert!(e.reason.contains("already defined at line 2"), "{e}");
}

#[test]
fn group_spec_limits_map_to_sdl_fields() {
    let cases = [
        (
            "units: 0.5",
            "units: 5m",
            "profiles.compute.web.resources.cpu.units",
            "below the minimum",
        ),
        (
            "size: 512Mi",
            "size: 1Ki",
            "profiles.compute.web.resources.memory.size",
            "below the minimum",
        ),
        (
            "size: 1Gi",
            "size: 1Ki",
            "profiles.compute.web.resources.storage",
            "below the minimum",
        ),
        (
            "count: 1",
            "count: 51",
            "deployment.web.dc.count",
            "out of range",
        ),
        (
            "denom: uakt",
            "denom: u",
            "profiles.placement.dc.pricing.web.denom",
            "not a valid denom",
        ),
        (
            "amount: 100",
            "amount: 100000000000",
            "profiles.placement.dc.pricing.web.amount",
            "above the maximum",
        ),
    ];
    for (from, to, path, reason) in cases {
        let e = refused(&with(from, to));
        assert_eq!(e.path, path, "{to}: {e}");
        assert!(e.reason.contains(reason), "{to}: {e}");
        assert!(e.line.is_some(), "{to}: {e}");
    }
    let e = refused(&with(
        "  placement:\n    dc:\n",
        "  placement:\n    dc:\n      attributes:\n        \"bad key\": x\n",
    ));
    assert_eq!(e.path, "profiles.placement.dc.attributes.bad key");
}

#[test]
fn field_errors() {
    let cases = [
        ("count: 1", "count: 0", "deployment.web.dc.count"),
        ("count: 1", "count: -1", "deployment.web.dc.count"),
        ("profile: web", "profile: nope", "deployment.web.dc.profile"),
        (
            "    dc:\n      profile",
            "    elsewhere:\n      profile",
            "deployment.web.elsewhere",
        ),
        ("  web:\n    dc:", "  api:\n    dc:", "deployment.api"),
        ("port: 80", "port: eighty", "services.web.expose[0].port"),
        ("as: 80", "as: 70000", "services.web.expose[0].as"),
        (
            "global: true",
            "global: maybe",
            "services.web.expose[0].to[0].global",
        ),
        (
            "units: 0.5",
            "units: [1]",
            "profiles.compute.web.resources.cpu.units",
        ),
        (
            "amount: 100",
            "amount: 1e3",
            "profiles.placement.dc.pricing.web.amount",
        ),
        (
            "amount: 100",
            "amount: 0",
            "profiles.placement.dc.pricing.web.amount",
        ),
        (
            "image: nginx",
            "image: nginx\n    env:\n      - 1BAD=x",
            "services.web.env[0]",
        ),
        ("  web:\n    image", "  Web:\n    image", "deployment.web"),
        (
            "        cpu:\n",
            "        cpu:\n          cores: 2\n",
            "profiles.compute.web.resources.cpu.cores",
        ),
        ("global: true", "global: false", "services"),
    ];
    for (from, to, path) in cases {
        let e = refused(&with(from, to));
        assert_eq!(e.path, path, "{to}: {e}");
        assert!(e.line.is_some(), "{to}: {e}");
    }
}

#[test]
fn gpu_requirement_keys() {
    let gpu = |attrs: &str| {
        with(
            "          size: 1Gi\n",
            &format!("          size: 1Gi\n        gpu:\n          units: 2\n          attributes:\n{attrs}"),
        )
    };
    let sdl = parse(&gpu("            vendor:\n              nvidia:\n                - model: h100\n                  ram: 80Gi\n                  interface: sxm\n                - model: a100\n")).unwrap();
    let keys: Vec<_> = sdl.groups[0].resources[0]
        .resource
        .gpu
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("vendor/nvidia/model/a100", "true"),
            ("vendor/nvidia/model/h100/ram/80Gi/interface/sxm", "true")
        ]
    );
    let sdl = parse(&gpu("            vendor:\n              nvidia:\n")).unwrap();
    assert_eq!(
        sdl.groups[0].resources[0].resource.gpu.attributes[0].key,
        "vendor/nvidia/model/*"
    );

    let e = refused(&gpu("            vendor:\n              nvidia:\n                - model: h100\n                  interface: nvlink\n"));
    assert_eq!(
        e.path,
        "profiles.compute.web.resources.gpu.attributes.vendor.nvidia[0].interface"
    );
    let e = refused(&gpu("            vendor:\n              nvidia:\n                - model: h100\n                  ram: 80GB\n"));
    assert!(e.reason.contains("use binary units"), "{e}");
    let e = refused(&with(
        "          size: 1Gi\n",
        "          size: 1Gi\n        gpu:\n          units: 1\n",
    ));
    assert_eq!(e.path, "profiles.compute.web.resources.gpu.attributes");
    let e = refused(&with(
        "          size: 1Gi\n",
        "          size: 1Gi\n        gpu:\n          units: 25\n          attributes:\n            vendor:\n              nvidia:\n",
    ));
    assert_eq!(e.path, "profiles.compute.web.resources.gpu.units");
    assert!(e.reason.contains("above the maximum of 24"), "{e}");
}

#[test]
fn placement_requirements() {
    let src = with(
        "  placement:\n    dc:\n",
        "  placement:\n    dc:\n      attributes:\n        zone: b\n        region: us-west\n        tier: 1\n      signedBy:\n        allOf: [akash1aaa]\n        anyOf: [akash1bbb, akash1ccc]\n",
    );
    let sdl = parse(&src).unwrap();
    let req = &sdl.groups[0].requirements;
    let keys: Vec<_> = req
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(keys, [("region", "us-west"), ("tier", "1"), ("zone", "b")]);
    assert_eq!(req.signed_by.all_of, ["akash1aaa"]);
    assert_eq!(req.signed_by.any_of, ["akash1bbb", "akash1ccc"]);
    let json = sdl.group_specs_json();
    assert_eq!(
        json[0]["requirements"]["signed_by"]["all_of"][0],
        "akash1aaa"
    );
}

const TWO_SERVICES_ONE_PROFILE: &str = r#"version: "VERSION"
services:
  b:
    image: nginx
    expose:
      - port: 80
        to:
          - global: true
  a:
    image: nginx
    expose:
      - port: 8080
        to:
          - global: true
profiles:
  compute:
    small:
      resources:
        cpu: {units: 1}
        memory: {size: 1Gi}
        storage: {size: 1Gi}
  placement:
    dc:
      pricing:
        small: {denom: uakt, amount: 10}
deployment:
  a:
    dc: {profile: small, count: 2}
  b:
    dc: {profile: small, count: 1}
"#;

#[test]
fn v2_1_merges_services_of_one_profile_v2_0_does_not() {
    let v20 = parse(&TWO_SERVICES_ONE_PROFILE.replace("VERSION", "2.0")).unwrap();
    assert_eq!(v20.groups[0].resources.len(), 2);
    let ids: Vec<_> = v20.manifest.0[0]
        .services
        .iter()
        .map(|s| s.resources.id)
        .collect();
    assert_eq!(ids, [1, 2]);

    let v21 = parse(&TWO_SERVICES_ONE_PROFILE.replace("VERSION", "2.1")).unwrap();
    let units = &v21.groups[0].resources;
    assert_eq!(units.len(), 1);
    assert_eq!(units[0].count, 3);
    let kinds: Vec<_> = units[0].resource.endpoints.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EndpointKind::RandomPort, EndpointKind::SharedHttp]);
    let ids: Vec<_> = v21.manifest.0[0]
        .services
        .iter()
        .map(|s| s.resources.id)
        .collect();
    assert_eq!(ids, [1, 1]);
    assert_ne!(v20.manifest_hash, v21.manifest_hash);
}

#[test]
fn credentials_differ_by_version() {
    let creds = "    image: nginx\n    credentials:\n      host: \" r.io \"\n      email: me@x.io\n      username: u\n      password: secret\n";
    let src = with("    image: nginx\n", creds);
    let v20 = parse(&src).unwrap();
    let c = v20.manifest.0[0].services[0].credentials.clone().unwrap();
    assert_eq!((c.host.as_str(), c.email.as_str()), (" r.io ", ""));
    let v21 = parse(&src.replace("\"2.0\"", "\"2.1\"")).unwrap();
    let c = v21.manifest.0[0].services[0].credentials.clone().unwrap();
    assert_eq!((c.host.as_str(), c.email.as_str()), ("r.io", "me@x.io"));
    let e = refused(&src.replace("password: secret", "password: \" \""));
    assert_eq!(e.path, "services.web.credentials.password");
}

#[test]
fn http_options_and_hosts() {
    let src = with(
        "        to:\n",
        "        http_options:\n          max_body_size: 200000000\n        to:\n",
    );
    let e = refused(&src);
    assert_eq!(e.path, "services.web.expose[0].http_options.max_body_size");
    let src = with(
        "        to:\n",
        "        http_options:\n          next_cases: [off, error]\n        to:\n",
    );
    assert_eq!(
        refused(&src).path,
        "services.web.expose[0].http_options.next_cases"
    );
    let src = with(
        "        to:\n",
        "        http_options:\n          proxy_buffer_size: 65536\n        to:\n",
    );
    let sdl = parse(&src).unwrap();
    let json = sdl.manifest.to_json();
    assert_eq!(
        json[0]["services"][0]["expose"][0]["httpOptions"]["proxyBufferSize"],
        65536
    );
    let src = with("        to:\n", "        accept: [Bad_Host]\n        to:\n");
    assert_eq!(refused(&src).path, "services.web.expose[0].accept[0]");
}

#[test]
fn warnings_for_what_akash_ignores() {
    let src = with(
        "    image: nginx\n",
        "    image: nginx\n    depends_on: [db]\n",
    );
    let sdl = parse(&src).unwrap();
    assert_eq!(sdl.warnings.len(), 1);
    assert_eq!(sdl.warnings[0].path, "services.web.depends_on");
    assert_eq!(sdl.warnings[0].line, Some(5));
    assert!(
        sdl.warnings[0].reason.contains("dependencies"),
        "{}",
        sdl.warnings[0]
    );
    let src = with(
        "          - global: true\n",
        "          - global: true\n          - service: ghost\n",
    );
    let sdl = parse(&src).unwrap();
    assert_eq!(sdl.warnings[0].path, "services.web.expose[0].to[1].service");
}

#[test]
fn tee_becomes_a_placement_requirement() {
    let src = with(
        "    image: nginx\n",
        "    image: nginx\n    params:\n      tee: cpu\n",
    );
    let sdl = parse(&src).unwrap();
    let attrs = &sdl.groups[0].requirements.attributes;
    assert_eq!(
        (attrs[0].key.as_str(), attrs[0].value.as_str()),
        ("tee/type", "cpu")
    );
    let json = sdl.manifest.to_json();
    assert_eq!(json[0]["services"][0]["params"]["tee"]["attestation"], true);
    assert_eq!(
        json[0]["services"][0]["params"]["storage"],
        serde_json::Value::Null
    );
    let e = refused(&src.replace("tee: cpu", "tee: sgx"));
    assert_eq!(e.path, "services.web.params.tee");
}

#[test]
fn reclamation_window() {
    let sdl = parse(&format!("{BASE}reclamation:\n  min_window: 24h\n")).unwrap();
    assert_eq!(
        sdl.reclamation,
        Some(std::time::Duration::from_secs(86_400))
    );
    let e = refused(&format!("{BASE}reclamation:\n  min_window: soon\n"));
    assert_eq!(e.path, "reclamation.min_window");
    assert_eq!(e.line, Some(32));
}

#[test]
fn storage_rules() {
    let vols = |attrs: &str, params: &str| {
        with(
            "          size: 1Gi\n",
            &format!(
                "          - size: 1Gi\n          - name: data\n            size: 2Gi\n{attrs}"
            ),
        )
        .replace("    image: nginx\n", &format!("    image: nginx\n{params}"))
    };
    let mount = "    params:\n      storage:\n        data:\n          mount: /data\n";
    let sdl = parse(&vols(
        "            attributes:\n              persistent: true\n",
        mount,
    ))
    .unwrap();
    let data = &sdl.groups[0].resources[0].resource.storage[1];
    let attrs: Vec<_> = data
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(attrs, [("class", "default"), ("persistent", "true")]);

    let e = refused(&vols(
        "            attributes:\n              class: beta2\n",
        mount,
    ));
    assert_eq!(
        e.path,
        "profiles.compute.web.resources.storage[1].attributes.class"
    );
    let e = refused(&vols(
        "            attributes:\n              speed: fast\n",
        mount,
    ));
    assert_eq!(
        e.path,
        "profiles.compute.web.resources.storage[1].attributes.speed"
    );
    let e = refused(&vols("", &mount.replace("/data", "data")));
    assert_eq!(e.path, "services.web.params.storage.data.mount");
    let e = refused(&vols("", &mount.replace("data:", "logs:")));
    assert_eq!(e.path, "services.web.params.storage.logs");
    let e = refused(&with(
        "          size: 1Gi\n",
        "          - size: 1Gi\n          - size: 2Gi\n",
    ));
    assert!(e.reason.contains("used twice"), "{e}");
}

#[test]
fn ip_endpoints() {
    let src = format!(
        "{}endpoints:\n  myip:\n    kind: ip\n",
        with(
            "          - global: true\n",
            "          - global: true\n            ip: myip\n"
        )
    );
    let sdl = parse(&src).unwrap();
    let eps = &sdl.groups[0].resources[0].resource.endpoints;
    assert_eq!(eps[1].kind, EndpointKind::LeasedIp);
    assert_eq!(eps[1].sequence_number, 1);
    let e = refused(&src.replace("kind: ip", "kind: dns"));
    assert_eq!(e.path, "endpoints.myip.kind");
    let e = refused(&src.replace("ip: myip", "ip: other"));
    assert_eq!(e.path, "services.web.expose[0].to[0].ip");
}

#[test]
fn nulls_read_as_go_reads_them() {
    let src = with(
        "    image: nginx\n",
        "    image: nginx\n    params:\n    credentials:\n    command:\n    env: []\n",
    );
    let sdl = parse(&src).unwrap();
    let json = sdl.manifest.to_json();
    let svc = &json[0]["services"][0];
    assert!(svc.get("params").is_none(), "{svc}");
    assert_eq!(svc["credentials"], serde_json::Value::Null);
    assert_eq!(svc["command"], serde_json::Value::Null);
    assert_eq!(svc["env"], serde_json::json!([]));
    let src = with(
        "          size: 1Gi\n",
        "          size: 1Gi\n          attributes:\n",
    );
    let sdl = parse(&src).unwrap();
    assert!(sdl.groups[0].resources[0].resource.storage[0]
        .attributes
        .is_empty());
    let src = with(
        "          size: 1Gi\n",
        "          size: 1Gi\n          attributes: {}\n",
    );
    let sdl = parse(&src).unwrap();
    let attrs = &sdl.groups[0].resources[0].resource.storage[0].attributes;
    assert_eq!(
        (attrs[0].key.as_str(), attrs[0].value.as_str()),
        ("persistent", "false")
    );
}
