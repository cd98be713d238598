use std::net::IpAddr;

use cosmwasm_std::Addr;
use kumo_types::ids::DeploymentId;

use super::*;
use crate::runtime::labels::lease_from_labels;

const SDL: &str = r#"
version: "2.0"
services:
  web:
    image: kumo-test/busybox:local
    command: ["sh", "-c"]
    args: ["httpd -f -p 8080"]
    env: ["GREETING=hi"]
    expose:
      - port: 8080
        as: 80
        to: [{ global: true }]
      - port: 9000
        proto: udp
        to: [{ service: worker }]
  worker:
    image: kumo-test/busybox:local
    args: ["sleep", "3600"]
    params:
      storage:
        data: { mount: /data }
        scratch: { mount: /scratch }
profiles:
  compute:
    web:
      resources: { cpu: { units: 0.5 }, memory: { size: 64Mi }, storage: { size: 128Mi } }
    worker:
      resources:
        cpu: { units: 250m }
        memory: { size: 32Mi }
        storage:
          - size: 64Mi
          - name: data
            size: 256Mi
            attributes: { persistent: true, class: beta2 }
          - name: scratch
            size: 16Mi
            attributes: { class: ram }
        gpu: { units: 1, attributes: { vendor: { nvidia: [ { model: h100 } ] } } }
  placement:
    dc:
      pricing:
        web: { denom: uakt, amount: 100 }
        worker: { denom: uakt, amount: 100 }
deployment:
  web: { dc: { profile: web, count: 1 } }
  worker: { dc: { profile: worker, count: 2 } }
"#;

fn group() -> ManifestGroup {
    let sdl = kumo_sdl::parse(SDL).unwrap_or_else(|e| panic!("{e}"));
    sdl.manifest.0.into_iter().next().unwrap()
}

fn lease() -> LeaseId {
    DeploymentId::new("akash1tenant", 7)
        .group(1)
        .order(1)
        .bid(&Addr::unchecked("akash1prov"))
}

fn config(network: NetworkMode) -> DockerConfig {
    DockerConfig {
        host: None,
        network,
        bind_address: IpAddr::from([127, 0, 0, 1]),
        pids_limit: 256,
        image_allowlist: None,
    }
}

fn gpus() -> Vec<String> {
    vec!["GPU-a".into(), "GPU-b".into()]
}

fn host(c: &ContainerSpec) -> &HostConfig {
    c.body.host_config.as_ref().unwrap()
}

#[test]
fn containers_per_replica_with_limits_and_labels() {
    let plan = plan(&lease(), &group(), &gpus(), &config(NetworkMode::None)).unwrap();
    let names: Vec<(&str, u32)> = plan
        .containers
        .iter()
        .map(|c| (c.service.as_str(), c.replica))
        .collect();
    assert_eq!(names, [("web", 0), ("worker", 0), ("worker", 1)]);
    let stem = lease_stem(&lease());
    assert_eq!(plan.containers[1].name, format!("{stem}-worker-0"));

    let web = &plan.containers[0];
    let h = host(web);
    assert_eq!(h.nano_cpus, Some(500_000_000));
    assert_eq!(h.memory, Some(64 << 20));
    assert_eq!(h.memory_swap, Some(64 << 20));
    assert_eq!(h.pids_limit, Some(256));
    let labels = web.body.labels.as_ref().unwrap();
    assert_eq!(lease_from_labels(labels), Some(lease()));
    assert_eq!(labels[labels::SERVICE], "web");
    assert_eq!(labels[labels::REPLICA], "0");
    assert_eq!(
        plan.containers[2].body.labels.as_ref().unwrap()[labels::REPLICA],
        "1"
    );

    assert_eq!(host(&plan.containers[1]).nano_cpus, Some(250_000_000));
    assert_eq!(plan.images.len(), 1, "one image, pulled once");
}

#[test]
fn containers_are_locked_down() {
    for network in [NetworkMode::None, NetworkMode::Host, NetworkMode::Bridge] {
        let plan = plan(&lease(), &group(), &gpus(), &config(network)).unwrap();
        for c in &plan.containers {
            let h = host(c);
            assert_eq!(h.privileged, Some(false));
            assert_eq!(h.cap_drop.as_deref(), Some(&["ALL".to_string()][..]));
            let added = h.cap_add.as_ref().unwrap();
            for dangerous in ["SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "MKNOD"] {
                assert!(!added.iter().any(|c| c == dangerous), "{dangerous} added");
            }
            assert_eq!(
                h.security_opt.as_deref(),
                Some(&["no-new-privileges=true".to_string()][..])
            );
            assert_eq!(h.binds, None);
            for m in h.mounts.iter().flatten() {
                assert_ne!(m.typ, Some(MountType::BIND), "no host bind mounts");
            }
            assert_eq!(h.devices, None);
            assert_eq!(h.pid_mode, None);
            assert_eq!(h.ipc_mode, None);
            assert_eq!(h.init, Some(true));
            assert_eq!(h.publish_all_ports, Some(false));
            assert!(h
                .log_config
                .as_ref()
                .unwrap()
                .config
                .as_ref()
                .unwrap()
                .contains_key("max-size"));
        }
    }
}

#[test]
fn gpus_go_by_uuid_only_where_asked() {
    let plan = plan(&lease(), &group(), &gpus(), &config(NetworkMode::None)).unwrap();
    assert_eq!(
        host(&plan.containers[0]).device_requests,
        None,
        "web asks for no GPU"
    );
    for (c, uuid) in plan.containers[1..].iter().zip(["GPU-a", "GPU-b"]) {
        let reqs = host(c).device_requests.as_ref().unwrap();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].driver.as_deref(), Some("nvidia"));
        assert_eq!(reqs[0].device_ids.as_deref(), Some(&[uuid.to_string()][..]));
        assert_eq!(reqs[0].count, None, "never `count: -1` (all GPUs)");
        assert_eq!(c.gpus, [uuid]);
    }
    assert!(plan.requests_gpus());
    // A static inventory's GPUs do not exist: no device requests, UUIDs kept for status.
    let fake = plan.without_gpu_devices();
    assert!(!fake.requests_gpus());
    assert!(fake
        .containers
        .iter()
        .all(|c| host(c).device_requests.is_none()));
    assert_eq!(fake.containers[1].gpus, ["GPU-a"]);
}

#[test]
fn gpu_count_must_match_the_lease() {
    let cfg = config(NetworkMode::None);
    assert_eq!(
        plan(&lease(), &group(), &gpus()[..1], &cfg).unwrap_err(),
        SpecError::GpuMismatch {
            wanted: 2,
            allocated: 1
        }
    );
    let three = vec!["a".into(), "b".into(), "c".into()];
    assert!(matches!(
        plan(&lease(), &group(), &three, &cfg),
        Err(SpecError::GpuMismatch {
            wanted: 2,
            allocated: 3
        })
    ));
}

#[test]
fn command_args_and_env() {
    let plan = plan(&lease(), &group(), &gpus(), &config(NetworkMode::None)).unwrap();
    let web = &plan.containers[0].body;
    assert_eq!(
        web.entrypoint.as_deref(),
        Some(&["sh".to_string(), "-c".to_string()][..])
    );
    assert_eq!(
        web.cmd.as_deref(),
        Some(&["httpd -f -p 8080".to_string()][..])
    );
    let env = web.env.as_ref().unwrap();
    assert!(env.contains(&"GREETING=hi".to_string()));
    assert!(env.contains(&"KUMO_LEASE_DSEQ=7".to_string()));
    let worker = &plan.containers[1].body;
    assert_eq!(
        worker.entrypoint, None,
        "no command keeps the image's entrypoint"
    );
    assert_eq!(
        worker.cmd.as_deref(),
        Some(&["sleep".to_string(), "3600".to_string()][..])
    );
}

#[test]
fn ports_publish_on_the_bind_address_in_bridge_mode_only() {
    let plan_b = plan(&lease(), &group(), &gpus(), &config(NetworkMode::Bridge)).unwrap();
    let web = &plan_b.containers[0];
    assert_eq!(
        web.body.exposed_ports.as_deref(),
        Some(&["8080/tcp".to_string(), "9000/udp".to_string()][..])
    );
    let bindings = host(web).port_bindings.as_ref().unwrap();
    assert_eq!(bindings.len(), 1, "only the global expose is published");
    let b = &bindings["8080/tcp"].as_ref().unwrap()[0];
    assert_eq!(b.host_ip.as_deref(), Some("127.0.0.1"));
    // The lease gets its own network, and services find each other by name.
    let net = plan_b.network.as_ref().unwrap();
    assert_eq!(host(web).network_mode.as_deref(), Some(net.name.as_str()));
    let endpoints = web
        .body
        .networking_config
        .as_ref()
        .unwrap()
        .endpoints_config
        .as_ref()
        .unwrap();
    assert_eq!(
        endpoints[&net.name].aliases.as_deref(),
        Some(&["web".to_string()][..])
    );

    for mode in [NetworkMode::None, NetworkMode::Host] {
        let p = plan(&lease(), &group(), &gpus(), &config(mode)).unwrap();
        assert_eq!(p.network, None);
        for c in &p.containers {
            assert_eq!(host(c).port_bindings, None);
            assert_eq!(host(c).network_mode.as_deref(), Some(mode.as_docker()));
            assert_eq!(c.body.networking_config, None);
        }
    }
}

#[test]
fn volumes_per_replica_and_ram_as_tmpfs() {
    let plan = plan(&lease(), &group(), &gpus(), &config(NetworkMode::None)).unwrap();
    let names: Vec<&str> = plan.volumes.iter().map(|v| v.name.as_str()).collect();
    let stem = lease_stem(&lease());
    assert_eq!(
        names,
        [
            format!("{stem}-worker-0-data"),
            format!("{stem}-worker-1-data")
        ]
    );
    assert_eq!(lease_from_labels(&plan.volumes[0].labels), Some(lease()));
    let mounts = host(&plan.containers[1]).mounts.as_ref().unwrap();
    let data = mounts
        .iter()
        .find(|m| m.target.as_deref() == Some("/data"))
        .unwrap();
    assert_eq!(data.typ, Some(MountType::VOLUME));
    assert_eq!(data.source.as_deref(), Some(names[0]));
    let scratch = mounts
        .iter()
        .find(|m| m.target.as_deref() == Some("/scratch"))
        .unwrap();
    assert_eq!(scratch.typ, Some(MountType::TMPFS));
    assert_eq!(
        scratch.tmpfs_options.as_ref().unwrap().size_bytes,
        Some(16 << 20)
    );
    assert_eq!(host(&plan.containers[0]).mounts, None);
}

#[test]
fn allow_list_and_bad_inputs_are_refused() {
    let mut cfg = config(NetworkMode::None);
    cfg.image_allowlist = Some(vec!["docker.io/library/*".into()]);
    assert!(matches!(
        plan(&lease(), &group(), &gpus(), &cfg),
        Err(SpecError::ImageNotAllowed { .. })
    ));
    cfg.image_allowlist = Some(vec!["kumo-test/*".into()]);
    assert!(plan(&lease(), &group(), &gpus(), &cfg).is_ok());

    let cfg = config(NetworkMode::None);
    let mut g = group();
    g.services[0].expose[0].port = 70_000;
    assert!(matches!(
        plan(&lease(), &g, &gpus(), &cfg),
        Err(SpecError::BadPort { .. })
    ));

    let mut g = group();
    g.services[0].resources.cpu.units = kumo_types::resources::ResourceValue::new(u64::MAX);
    assert!(matches!(
        plan(&lease(), &g, &gpus(), &cfg),
        Err(SpecError::TooLarge { .. })
    ));

    let mut g = group();
    g.services[1]
        .params
        .as_mut()
        .unwrap()
        .storage
        .as_mut()
        .unwrap()[0]
        .name = "nope".into();
    assert!(matches!(
        plan(&lease(), &g, &gpus(), &cfg),
        Err(SpecError::UnknownVolume { .. })
    ));

    // Names from the manifest cannot escape Docker's name rules.
    let mut g = group();
    g.services[0].name = "../Evil Name".into();
    let p = plan(&lease(), &g, &gpus(), &cfg).unwrap();
    assert!(p.containers[0]
        .name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
}
