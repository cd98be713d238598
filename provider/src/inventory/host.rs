//! Host CPU, memory and disk, via sysinfo.

use std::path::Path;

use sysinfo::{Disks, System};

use super::HostResources;

#[derive(Debug, thiserror::Error)]
#[error("cannot read the host's {what}: {reason}")]
pub struct HostError {
    what: &'static str,
    reason: String,
}

/// The host's logical CPUs, total memory, and the space on the filesystem that holds
/// `storage_path` (where lease volumes live).
pub fn detect(storage_path: &Path) -> Result<HostResources, HostError> {
    let mut system = System::new().map_err(|e| HostError {
        what: "CPUs and memory",
        reason: e.to_string(),
    })?;
    system.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
    system.refresh_memory();
    let disks = Disks::new_with_refreshed_list().map_err(|e| HostError {
        what: "disks",
        reason: e.to_string(),
    })?;
    let (storage_total, storage_available) = disk_for(
        storage_path,
        disks
            .iter()
            .map(|d| (d.mount_point(), d.total_space(), d.available_space())),
    )
    .unwrap_or((0, 0));
    let cpus = system.cpus().len() as u64;
    if cpus == 0 {
        return Err(HostError {
            what: "CPUs",
            reason: "no CPU found".into(),
        });
    }
    Ok(HostResources {
        cpu_millis: cpus.saturating_mul(1000),
        memory_bytes: system.total_memory(),
        storage_bytes: storage_total,
        storage_available_bytes: storage_available,
    })
}

/// The (total, available) space of the mount that holds `path`: the longest mount point that
/// is a prefix of it.
fn disk_for<'a>(
    path: &Path,
    disks: impl Iterator<Item = (&'a Path, u64, u64)>,
) -> Option<(u64, u64)> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    disks
        .filter(|(mount, _, _)| path.starts_with(mount))
        .max_by_key(|(mount, _, _)| mount.as_os_str().len())
        .map(|(_, total, available)| (total, available))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_deepest_mount() {
        let disks = [
            (Path::new("/"), 100, 10),
            (Path::new("/var"), 50, 5),
            (Path::new("/var/lib/docker"), 30, 3),
            (Path::new("/var/lib/dock"), 1, 1),
        ];
        let pick = |p: &str| disk_for(Path::new(p), disks.iter().copied());
        assert_eq!(pick("/var/lib/docker/volumes"), Some((30, 3)));
        assert_eq!(pick("/var/log"), Some((50, 5)));
        assert_eq!(pick("/home"), Some((100, 10)));
        assert_eq!(disk_for(Path::new("/x"), std::iter::empty()), None);
    }

    #[test]
    fn detects_this_host() {
        let host = detect(Path::new("/")).unwrap();
        assert!(host.cpu_millis >= 1000);
        assert!(host.memory_bytes > 0);
        assert!(host.storage_bytes > 0);
        assert!(host.storage_available_bytes <= host.storage_bytes);
    }
}
