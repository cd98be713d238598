//! GPUs from NVML. `libnvidia-ml.so` is loaded at run time, so this builds and runs on hosts
//! without a driver; there the provider says so once and offers CPU only.

use nvml_wrapper::error::NvmlError;
use nvml_wrapper::Nvml;
use tracing::{debug, warn};

use super::gpu_models::{normalize, Hints};
use super::{Gpu, GpuUsage};

/// NVML supports at most this many NVLinks per GPU (NVML_NVLINK_MAX_LINKS is 18).
const MAX_NVLINKS: u32 = 18;

/// A handle on NVML, opened once. Without a driver it stays empty and every call returns no
/// GPUs; the absence is logged on the first call only.
pub struct GpuProbe {
    nvml: Option<Nvml>,
    /// Why NVML is unavailable, until it has been reported.
    unreported: Option<String>,
}

impl GpuProbe {
    pub fn open() -> Self {
        match Nvml::init() {
            Ok(nvml) => Self {
                nvml: Some(nvml),
                unreported: None,
            },
            Err(e) => Self {
                nvml: None,
                unreported: Some(describe(&e)),
            },
        }
    }

    pub fn available(&self) -> bool {
        self.nvml.is_some()
    }

    /// Every GPU NVML sees, normalized. A GPU that cannot be read is skipped with a warning:
    /// offering a GPU whose UUID is unknown could never be honoured.
    pub fn gpus(&mut self) -> Vec<Gpu> {
        let Some(nvml) = &self.nvml else {
            if let Some(why) = self.unreported.take() {
                warn!(reason = %why, "no NVIDIA GPUs: NVML is unavailable; offering CPU only");
            }
            return Vec::new();
        };
        let count = match nvml.device_count() {
            Ok(n) => n,
            Err(e) => {
                warn!(error = %e, "NVML could not count GPUs; offering CPU only");
                return Vec::new();
            }
        };
        (0..count)
            .filter_map(|index| match read_gpu(nvml, index) {
                Ok(gpu) => Some(gpu),
                Err(e) => {
                    warn!(index, error = %e, "skipping a GPU that NVML cannot read");
                    None
                }
            })
            .collect()
    }

    /// Live usage of the GPU with `uuid`, when NVML can tell.
    pub fn usage(&self, uuid: &str) -> Option<GpuUsage> {
        let device = self.nvml.as_ref()?.device_by_uuid(uuid).ok()?;
        let rates = device.utilization_rates().ok()?;
        let memory = device.memory_info().ok()?;
        Some(GpuUsage {
            gpu_percent: rates.gpu,
            memory_used_bytes: memory.used,
        })
    }
}

fn describe(e: &NvmlError) -> String {
    match e {
        NvmlError::LibloadingError(_) => {
            "libnvidia-ml.so is not installed (no NVIDIA driver)".into()
        }
        NvmlError::DriverNotLoaded => "the NVIDIA driver is not loaded".into(),
        NvmlError::LibraryNotFound => "the NVML library was not found".into(),
        other => other.to_string(),
    }
}

fn read_gpu(nvml: &Nvml, index: u32) -> Result<Gpu, NvmlError> {
    let device = nvml.device_by_index(index)?;
    let name = device.name()?;
    let uuid = device.uuid()?;
    let memory = device.memory_info()?;
    // NVLink queries fail on parts without NVLink; that means "no NVLink".
    let nvlink =
        (0..MAX_NVLINKS).any(|link| device.link_wrapper_for(link).is_active().unwrap_or(false));
    let usage = device.utilization_rates().ok().map(|r| GpuUsage {
        gpu_percent: r.gpu,
        memory_used_bytes: memory.used,
    });
    let normalized = normalize(
        &name,
        Hints {
            memory_bytes: Some(memory.total),
            nvlink: Some(nvlink),
        },
    );
    if !normalized.known {
        warn!(
            product = %name,
            model = %normalized.spec.model,
            "unknown GPU product name; advertising a model key derived from it"
        );
    }
    debug!(index, %uuid, product = %name, capability = %normalized.spec, nvlink, "GPU found");
    Ok(Gpu {
        index,
        uuid,
        product: name,
        spec: normalized.spec,
        memory_bytes: memory.total,
        usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a host without a driver the probe is empty and reports it only once; on a GPU host
    /// it lists GPUs with UUIDs and valid capabilities.
    #[test]
    fn probe_reports_absence_once_or_lists_gpus() {
        let mut probe = GpuProbe::open();
        if probe.available() {
            let gpus = probe.gpus();
            for g in &gpus {
                assert!(!g.uuid.is_empty());
                g.spec.validate(false).unwrap();
                assert!(g.memory_bytes > 0);
            }
        } else {
            assert!(probe.unreported.is_some());
            assert!(probe.gpus().is_empty());
            assert!(probe.unreported.is_none(), "reported on the first call");
            assert!(probe.gpus().is_empty());
            assert!(probe.usage("GPU-x").is_none());
        }
    }
}
