//! Commands that need no chain: `sdl check`, `config show`, completions, man pages.

use crate::common::{example, Kumo};

#[test]
fn sdl_check_json_is_kumo_sdls_akash_json() {
    let kumo = Kumo::offline();
    for name in ["sdl/cpu.yaml", "sdl/gpu.yaml"] {
        let path = example(name);
        let out = kumo.json(&["sdl", "check", &path]);
        let sdl = kumo_sdl::parse_file(&path).unwrap();
        assert_eq!(out["groups"], sdl.group_specs_json(), "{name}");
        assert_eq!(out["manifest"], sdl.manifest.to_json(), "{name}");
        assert_eq!(out["manifest_hash"], sdl.manifest_hash_hex(), "{name}");
        assert_eq!(out["version"], sdl.version.to_string());
    }
    let text = kumo.ok(&["sdl", "check", &example("sdl/gpu.yaml")]).stdout;
    assert!(text.contains("manifest hash:"), "{text}");
    assert!(text.contains("nvidia/h100/80Gi/sxm"), "{text}");
    assert!(text.contains("per month"), "{text}");
}

#[test]
fn sdl_check_refuses_malformed_sdl() {
    let kumo = Kumo::offline();
    let bad = kumo.dir.path().join("bad.yaml");
    let good = std::fs::read_to_string(example("sdl/cpu.yaml")).unwrap();
    std::fs::write(&bad, good.replace("units: 0.5", "units: lots")).unwrap();
    let err = kumo.fails(&["sdl", "check", bad.to_str().unwrap()]);
    assert!(err.contains("is not a valid SDL"), "{err}");
    assert!(err.contains("cpu.units"), "{err}");
    let err = kumo.fails(&["sdl", "check", "/nonexistent/deploy.yaml"]);
    assert!(err.contains("cannot read the SDL file"), "{err}");
}

#[test]
fn settings_precedence_flag_env_file_default() {
    let kumo = Kumo::offline()
        .with_env("KUMO_FROM", "from-env")
        .with_env("KUMO_GAS_PRICES", "0.5uakt");
    let config = kumo.home().join(".kumo");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "from = \"from-file\"\ngas_prices = \"1uakt\"\ngas = 123456\nblock_time = 5.0\n",
    )
    .unwrap();
    let out = kumo.json(&["config", "show", "--gas", "777"]);
    let s = &out["settings"];
    assert_eq!(s["gas"]["value"], "777");
    assert_eq!(s["gas"]["source"], "flag");
    assert_eq!(s["from"]["value"], "from-env");
    assert_eq!(s["from"]["source"], "env");
    assert_eq!(s["gas_prices"]["value"], "0.5uakt");
    assert_eq!(s["block_time"]["value"], "5");
    assert_eq!(s["block_time"]["source"], "file");
    assert_eq!(s["gas_adjustment"]["source"], "default");
    assert_eq!(s["chain_id"]["source"], "flag");
    assert!(out["config_file"]
        .as_str()
        .unwrap()
        .ends_with("config.toml"));

    // A broken config file is an error that names the file and the key.
    std::fs::write(config.join("config.toml"), "block_time = -1.0\n").unwrap();
    let err = kumo.fails(&["config", "show"]);
    assert!(
        err.contains("config.toml") && err.contains("`block_time`"),
        "{err}"
    );
    // ... unless a flag or variable overrides the broken value.
    kumo.ok(&["config", "show", "--block-time", "2"]);
    // An explicit --config that does not exist is an error too.
    let err = kumo.fails(&["--config", "/nonexistent/kumo.toml", "config", "show"]);
    assert!(err.contains("/nonexistent/kumo.toml"), "{err}");
}

#[test]
fn completions_and_man_pages() {
    let kumo = Kumo::offline();
    let bash = kumo.ok(&["completions", "bash"]).stdout;
    assert!(bash.contains("deployment") && bash.contains("--wait-bids"));
    let man = kumo.ok(&["man"]).stdout;
    assert!(man.contains(".TH kumo"), "{}", &man[..man.len().min(200)]);
    let dir = kumo.dir.path().join("man");
    kumo.ok(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(dir.join("kumo-deployment-create.1").is_file());
    assert!(dir.join("kumo-gov-vote-weighted.1").is_file());
    // Usage errors exit with 2.
    let run = kumo.run(&["deployment", "create"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
