//! Real-world SDLs from awesome-akash: every SDL parses, lenient sizes included; the files that
//! are not SDL are refused with a clear message.

mod common;

/// Files of awesome-sample that are not SDL, and what their refusal must say.
const NOT_SDL: &[(&str, &str)] = &[(
    "axolotlai/llama-3.2-1b-lora-4bit.yaml",
    "not an Akash SDL: missing `version`, `services`, `profiles`, `deployment`",
)];

#[test]
fn every_real_sdl_parses() {
    let dir = common::corpus().join("awesome-sample");
    let files = common::files_under(&dir);
    assert!(
        files.len() >= 90,
        "only {} files in awesome-sample",
        files.len()
    );
    let mut problems = Vec::new();
    let mut parsed = 0;
    for file in &files {
        let name = file.to_string_lossy().to_string();
        let result = kumo_sdl::parse(&common::read(&dir.join(file)));
        match (NOT_SDL.iter().find(|(f, _)| *f == name), result) {
            (None, Ok(sdl)) => {
                parsed += 1;
                assert!(!sdl.groups.is_empty(), "{name}: no groups");
                assert_eq!(sdl.manifest.hash(), sdl.manifest_hash);
            }
            (None, Err(e)) => problems.push(format!("{name}: refused: {e}")),
            (Some(_), Ok(_)) => problems.push(format!("{name}: not SDL, but accepted")),
            (Some((_, want)), Err(e)) => {
                if !e.to_string().contains(want) {
                    problems.push(format!("{name}: refused with {e:?}, want {want:?}"));
                }
            }
        }
    }
    for (name, _) in NOT_SDL {
        if !files.iter().any(|f| f.to_string_lossy() == *name) {
            problems.push(format!(
                "{name}: listed in NOT_SDL but not in awesome-sample"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems ({parsed} parsed):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The console's lenient size spellings in real files read as the table in `units` says.
#[test]
fn lenient_sizes_in_real_files() {
    let dir = common::corpus().join("awesome-sample");
    let unit = |file: &str| {
        let sdl = kumo_sdl::parse(&common::read(&dir.join(file))).unwrap();
        sdl.groups[0].resources[0].resource.clone()
    };
    // uptime-kuma: memory 512Mb, storage 128Mb and 1GB (decimal units).
    let r = unit("uptime-kuma/deploy.yaml");
    assert_eq!(r.memory.size.get(), 512_000_000);
    let sizes: Vec<u64> = r.storage.iter().map(|s| s.size.get()).collect();
    assert_eq!(sizes, [128_000_000, 1_000_000_000]);
    // gitea: storage 1gi (binary, lower case).
    assert_eq!(unit("gitea/deploy.yaml").storage[0].size.get(), 1 << 30);
    // automatic-deployment-CICD-template: memory 6GB.
    assert_eq!(
        unit("automatic-deployment-CICD-template/deploy.yaml")
            .memory
            .size
            .get(),
        6_000_000_000
    );
}
