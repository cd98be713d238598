//! Compute profiles as written: CPU, memory, GPUs and volumes, with Akash's rules for each.

use std::collections::BTreeMap;

use kumo_types::attributes::Attribute;

use crate::de::Cursor;
use crate::error::{Result, SdlError};
use crate::units;

use super::{Compute, Volume};

pub(super) fn compute(c: &Cursor<'_>) -> Result<Compute> {
    let f = c.fields_lenient(&["resources"])?;
    let r = f.require("resources")?;
    let rf = r.fields_lenient(&["cpu", "memory", "storage", "gpu"])?;

    let cpu_c = rf.require("cpu")?;
    let cf = cpu_c.fields(&["units", "attributes"])?;
    let units_c = cf.require("units")?;
    let cpu = units::parse_cpu(units_c.scalar()?).map_err(|e| units_c.err(e))?;
    let mut cpu_attributes = Vec::new();
    if let Some(a) = cf.get("attributes") {
        for (key, v) in a.entries()? {
            if key != "arch" {
                return Err(v.err("unsupported CPU attribute (only arch is)"));
            }
            cpu_attributes.push(Attribute::new(key, v.string()?));
        }
    }

    let mem_c = rf.require("memory")?;
    // Akash ignores memory attributes; they are accepted and dropped likewise.
    let mf = mem_c.fields_lenient(&["size", "attributes"])?;
    let size_c = mf.require("size")?;
    let memory = units::parse_size(size_c.scalar()?).map_err(|e| size_c.err(e))?;

    let (gpu_units, gpu_attributes) = match rf.get("gpu") {
        Some(g) => gpu(&g)?,
        None => (0, Vec::new()),
    };

    let storage = volumes(&rf.require("storage")?)?;
    Ok(Compute {
        cpu,
        cpu_attributes,
        memory,
        gpu_units,
        gpu_attributes,
        storage,
    })
}

fn gpu(c: &Cursor<'_>) -> Result<(u64, Vec<Attribute>)> {
    let f = c.fields(&["units", "attributes"])?;
    let units = match f.get("units") {
        Some(u) => units::parse_gpu_units(u.scalar()?).map_err(|e| u.err(e))?,
        None => 0,
    };
    let Some(attrs) = f.get("attributes") else {
        if units > 0 {
            return Err(SdlError::new(
                f.path("attributes"),
                Some(c.node.line),
                "missing: GPUs need a vendor (e.g. vendor: {nvidia: [{model: h100}]}, or nvidia: with no list for any model)",
            ));
        }
        return Ok((units, Vec::new()));
    };
    let af = attrs.fields(&["vendor"])?;
    let vendor = af.require("vendor")?;
    let vendors = vendor.entries()?;
    if let Some((name, v)) = vendors.iter().find(|(name, _)| name != "nvidia") {
        return Err(v.err(format!(
            "unsupported GPU vendor {name:?} (Akash's SDL knows nvidia only)"
        )));
    }
    let Some((_, nvidia)) = vendors.into_iter().next() else {
        return Err(vendor.err("missing: name a GPU vendor (nvidia)"));
    };
    let mut out = Vec::new();
    for model in nvidia.seq()? {
        let mf = model.fields_lenient(&["model", "ram", "interface"])?;
        let name_c = mf.require("model")?;
        let mut key = format!("vendor/nvidia/model/{}", name_c.string()?);
        if let Some(ram) = mf.get("ram") {
            let gi = units::parse_gpu_ram(ram.scalar()?).map_err(|e| ram.err(e))?;
            key.push_str(&format!("/ram/{gi}"));
        }
        if let Some(iface) = mf.get("interface") {
            let v = iface.string()?;
            if v != "pcie" && v != "sxm" {
                return Err(iface.err(format!("{v:?} is not a GPU interface (use pcie or sxm)")));
            }
            key.push_str(&format!("/interface/{v}"));
        }
        out.push(Attribute::new(key, "true"));
    }
    if out.is_empty() {
        out.push(Attribute::new("vendor/nvidia/model/*", "true"));
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    if units == 0 {
        return Err(SdlError::new(
            f.path("units"),
            Some(c.node.line),
            "GPU attributes need at least one GPU unit",
        ));
    }
    Ok((units, out))
}

fn volumes(c: &Cursor<'_>) -> Result<Vec<Volume>> {
    let mut out = Vec::new();
    let listed = !matches!(c.node.value, crate::yaml::Value::Map(_));
    let items = if listed { c.seq()? } else { vec![c.clone()] };
    for (index, item) in items.iter().enumerate() {
        let f = item.fields_lenient(&["name", "size", "attributes"])?;
        let name = match (listed, f.get("name")) {
            (true, Some(n)) => n.string()?,
            _ => "default".to_string(),
        };
        let size_c = f.require("size")?;
        let size = units::parse_size(size_c.scalar()?).map_err(|e| size_c.err(e))?;
        let attributes = f
            .get("attributes")
            .map(|a| storage_attributes(&a))
            .transpose()?;
        if out.iter().any(|v: &Volume| v.name == name) {
            return Err(item.err(format!("volume name {name:?} is used twice")));
        }
        out.push(Volume {
            name,
            size,
            attributes,
            index,
            listed,
        });
    }
    sort_volumes(&mut out);
    Ok(out)
}

fn unify_bool(v: &str) -> Option<&'static str> {
    match v {
        "true" | "on" | "yes" => Some("true"),
        "false" | "off" | "no" => Some("false"),
        _ => None,
    }
}

const STORAGE_CLASSES: [&str; 5] = ["default", "beta1", "beta2", "beta3", "ram"];

/// Storage attributes as Akash reads them: `persistent` defaults to false, a persistent
/// volume without a class gets class `default`, a `ram` volume cannot be persistent and an
/// ephemeral one cannot name another class. The checks read the values as written, then
/// booleans are normalized, and the list is sorted by key.
fn storage_attributes(c: &Cursor<'_>) -> Result<Vec<Attribute>> {
    let mut map: BTreeMap<String, (String, Cursor<'_>)> = BTreeMap::new();
    for (key, v) in c.entries()? {
        if key != "persistent" && key != "class" {
            return Err(v.err("unsupported storage attribute (use persistent and class)"));
        }
        map.insert(key, (v.opt_string()?.unwrap_or_default(), v));
    }
    let persistent = map
        .get("persistent")
        .map(|(v, _)| v.clone())
        .unwrap_or_else(|| "false".into());
    let class = map.get("class").map(|(v, _)| v.clone()).unwrap_or_default();
    let at =
        |key: &str| -> Cursor<'_> { map.get(key).map_or_else(|| c.clone(), |(_, c)| c.clone()) };
    let mut class_out = (!class.is_empty()).then(|| class.clone());
    match class.as_str() {
        "" => {
            if persistent == "true" {
                class_out = Some("default".into());
            }
        }
        "ram" => {
            if persistent != "false" {
                return Err(at("persistent").err("a ram volume cannot be persistent"));
            }
        }
        _ => {
            if persistent == "false" {
                return Err(at("class").err(format!(
                    "an ephemeral volume cannot set class {class:?} (add persistent: true)"
                )));
            }
        }
    }
    let persistent = unify_bool(&persistent)
        .ok_or_else(|| at("persistent").err(format!("{persistent:?} is not true or false")))?;
    if let Some(class) = &class_out {
        if !STORAGE_CLASSES.contains(&class.as_str()) {
            return Err(at("class").err(format!(
                "{class:?} is not a storage class (use one of: {})",
                STORAGE_CLASSES.join(", ")
            )));
        }
    }
    let mut out = vec![Attribute::new("persistent", persistent)];
    if let Some(class) = class_out {
        out.push(Attribute::new("class", class));
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// Akash's volume order: Go's `sort.SliceStable` (an insertion sort at these sizes) with its
/// comparator, quirks included: smaller size first; then a volume with a `persistent`
/// attribute after one without, or by its value; then non-persistent first; then by name.
pub fn sort_volumes(volumes: &mut [Volume]) {
    fn less(a: &Volume, b: &Volume) -> bool {
        if a.size != b.size {
            return a.size < b.size;
        }
        let ia = a.attribute("persistent").filter(|v| !v.is_empty());
        let ja = b.attribute("persistent").filter(|v| !v.is_empty());
        match (ia, ja) {
            (None, Some(_)) => return true,
            (Some(i), Some(j)) if i < j => return true,
            (Some(_), None) => return false,
            _ => {}
        }
        if !a.persistent() {
            return true;
        }
        if !b.persistent() {
            return false;
        }
        a.name < b.name
    }
    for i in 1..volumes.len() {
        let mut j = i;
        while j > 0 && less(&volumes[j], &volumes[j - 1]) {
            volumes.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(name: &str, size: u64, persistent: Option<&str>) -> Volume {
        Volume {
            name: name.into(),
            size,
            attributes: persistent.map(|p| vec![Attribute::new("persistent", p)]),
            index: 0,
            listed: true,
        }
    }

    fn names(v: &[Volume]) -> Vec<&str> {
        v.iter().map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn volumes_sort_like_go() {
        let mut v = vec![vol("c", 3, None), vol("a", 1, None), vol("b", 2, None)];
        sort_volumes(&mut v);
        assert_eq!(names(&v), ["a", "b", "c"]);
        // Equal sizes without attributes: Go's comparator says "less" both ways, so the
        // insertion sort reverses them.
        let mut v = vec![vol("x", 1, None), vol("y", 1, None)];
        sort_volumes(&mut v);
        assert_eq!(names(&v), ["y", "x"]);
        // A volume with a persistent attribute goes after one without.
        let mut v = vec![vol("p", 1, Some("true")), vol("e", 1, None)];
        sort_volumes(&mut v);
        assert_eq!(names(&v), ["e", "p"]);
        // Both persistent: by name.
        let mut v = vec![vol("b", 1, Some("true")), vol("a", 1, Some("true"))];
        sort_volumes(&mut v);
        assert_eq!(names(&v), ["a", "b"]);
    }
}
