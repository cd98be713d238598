//! The example SDLs at the repository root (`examples/sdl/`) parse, with the expected shape.

use kumo_types::resources::EndpointKind;

fn example(name: &str) -> kumo_sdl::Sdl {
    let path = format!("{}/../../examples/sdl/{name}", env!("CARGO_MANIFEST_DIR"));
    kumo_sdl::parse_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn cpu_example() {
    let sdl = example("cpu.yaml");
    assert!(sdl.warnings.is_empty(), "{:?}", sdl.warnings);
    assert_eq!(sdl.groups.len(), 1);
    let unit = &sdl.groups[0].resources[0];
    assert_eq!(unit.resource.cpu.units.get(), 500);
    assert_eq!(unit.resource.memory.size.get(), 512 << 20);
    assert_eq!(unit.resource.gpu.units.get(), 0);
    assert_eq!(unit.resource.endpoints[0].kind, EndpointKind::SharedHttp);
    assert_eq!(unit.price.denom, "uakt");
    let svc = &sdl.manifest.0[0].services[0];
    assert_eq!(
        svc.expose[0].hosts.as_deref(),
        Some(&["www.example.com".to_string()][..])
    );
}

#[test]
fn gpu_example() {
    let sdl = example("gpu.yaml");
    assert!(sdl.warnings.is_empty(), "{:?}", sdl.warnings);
    let unit = &sdl.groups[0].resources[0];
    assert_eq!(unit.resource.gpu.units.get(), 1);
    assert_eq!(
        unit.resource.gpu.attributes[0].key,
        "vendor/nvidia/model/h100/ram/80Gi/interface/sxm"
    );
    assert_eq!(unit.resource.gpu.attributes[0].value, "true");
    let names: Vec<_> = unit
        .resource
        .storage
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["default", "models"]);
    let params = sdl.manifest.0[0].services[0].params.as_ref().unwrap();
    assert_eq!(params.storage.as_ref().unwrap()[0].mount, "/models");
    assert_eq!(
        sdl.group_specs_json()[0]["resources"][0]["price"]["amount"],
        "100000.000000000000000000"
    );
}
