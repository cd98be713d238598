//! Kumo's group specs and resources in Akash's JSON shapes, and back.
//!
//! The kumo types serialize almost like Akash's; this module writes the differences out:
//! resource values as `{"val": "<decimal>"}`, endpoint kinds as numbers omitted when 0
//! (`SHARED_HTTP`), empty attribute lists omitted on resources but `null` on requirements,
//! empty `signed_by` lists as `null`, and prices with 18 decimals (`"1000.000000000000000000"`,
//! Cosmos SDK's `LegacyDec`).

use std::str::FromStr;

use cosmwasm_std::Decimal256;
use kumo_types::attributes::{Attribute, PlacementRequirements, SignedBy};
use kumo_types::coins::DecCoin;
use kumo_types::resources::{
    CpuResource, Endpoint, EndpointKind, GpuResource, GroupSpec, MemoryResource, ResourceUnit,
    ResourceValue, Resources, StorageResource,
};
use serde_json::{json, Map, Value};

/// Group specs as Akash's JSON (`[]GroupSpec` of deployment v1beta4).
pub fn group_specs(specs: &[GroupSpec]) -> Value {
    Value::Array(specs.iter().map(group_spec).collect())
}

pub fn group_spec(spec: &GroupSpec) -> Value {
    json!({
        "name": spec.name,
        "requirements": requirements(&spec.requirements),
        "resources": spec.resources.iter().map(resource_unit).collect::<Vec<_>>(),
    })
}

fn list_or_null<T: serde::Serialize>(items: &[T]) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        json!(items)
    }
}

fn requirements(req: &PlacementRequirements) -> Value {
    json!({
        "signed_by": {
            "all_of": list_or_null(&req.signed_by.all_of),
            "any_of": list_or_null(&req.signed_by.any_of),
        },
        "attributes": list_or_null(&req.attributes),
    })
}

fn resource_unit(unit: &ResourceUnit) -> Value {
    json!({
        "resource": resources(&unit.resource),
        "count": unit.count,
        "price": {"denom": unit.price.denom, "amount": amount(&unit.price.amount)},
    })
}

/// A decimal with exactly 18 decimals, as Cosmos SDK's `LegacyDec` prints it.
pub fn amount(value: &Decimal256) -> String {
    let atomics = format!("{:0>19}", value.atomics().to_string());
    let (int, frac) = atomics.split_at(atomics.len() - 18);
    format!("{int}.{frac}")
}

fn resource_value(v: &ResourceValue) -> Value {
    json!({"val": v.get().to_string()})
}

fn with_attributes(mut obj: Map<String, Value>, attributes: &[Attribute]) -> Value {
    if !attributes.is_empty() {
        obj.insert("attributes".into(), json!(attributes));
    }
    Value::Object(obj)
}

fn endpoint_kind(kind: EndpointKind) -> u64 {
    match kind {
        EndpointKind::SharedHttp => 0,
        EndpointKind::RandomPort => 1,
        EndpointKind::LeasedIp => 2,
    }
}

/// Resources as Akash's JSON (`Resources` of resources v1beta4).
pub fn resources(r: &Resources) -> Value {
    let mut cpu = Map::new();
    cpu.insert("units".into(), resource_value(&r.cpu.units));
    let mut memory = Map::new();
    memory.insert("size".into(), resource_value(&r.memory.size));
    let mut gpu = Map::new();
    gpu.insert("units".into(), resource_value(&r.gpu.units));
    let storage: Vec<Value> = r
        .storage
        .iter()
        .map(|s| {
            let mut obj = Map::new();
            obj.insert("name".into(), json!(s.name));
            obj.insert("size".into(), resource_value(&s.size));
            with_attributes(obj, &s.attributes)
        })
        .collect();
    let endpoints: Vec<Value> = r
        .endpoints
        .iter()
        .map(|e| {
            let mut obj = Map::new();
            let kind = endpoint_kind(e.kind);
            if kind != 0 {
                obj.insert("kind".into(), json!(kind));
            }
            obj.insert("sequence_number".into(), json!(e.sequence_number));
            Value::Object(obj)
        })
        .collect();
    json!({
        "id": r.id,
        "cpu": with_attributes(cpu, &r.cpu.attributes),
        "memory": with_attributes(memory, &r.memory.attributes),
        // Go leaves a unit without volumes with a nil slice.
        "storage": if storage.is_empty() { Value::Null } else { Value::Array(storage) },
        "gpu": with_attributes(gpu, &r.gpu.attributes),
        "endpoints": endpoints,
    })
}

type Res<T> = Result<T, String>;

fn field<'a>(v: &'a Value, key: &str) -> Res<&'a Value> {
    v.get(key).ok_or_else(|| format!("missing {key:?}"))
}

fn str_field(v: &Value, key: &str) -> Res<String> {
    field(v, key)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{key:?} is not a string"))
}

fn u32_field(v: &Value, key: &str) -> Res<u32> {
    field(v, key)?
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{key:?} is not a u32"))
}

fn resource_value_from(v: &Value, key: &str) -> Res<ResourceValue> {
    let val = str_field(field(v, key)?, "val")?;
    val.parse()
        .map(ResourceValue::new)
        .map_err(|_| format!("{key}.val {val:?} is not a u64"))
}

fn attributes_from(v: &Value) -> Res<Vec<Attribute>> {
    match v.get("attributes") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(a) => serde_json::from_value(a.clone()).map_err(|e| format!("attributes: {e}")),
    }
}

fn strings_from(v: &Value, key: &str) -> Res<Vec<String>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(a) => serde_json::from_value(a.clone()).map_err(|e| format!("{key}: {e}")),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> Res<&'a [Value]> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{key:?} is not a list")),
    }
}

/// Reads resources from Akash's JSON.
pub fn resources_from(v: &Value) -> Res<Resources> {
    let cpu = field(v, "cpu")?;
    let memory = field(v, "memory")?;
    let gpu = field(v, "gpu")?;
    let storage = array(v, "storage")?
        .iter()
        .map(|s| {
            Ok(StorageResource {
                name: str_field(s, "name")?,
                size: resource_value_from(s, "size")?,
                attributes: attributes_from(s)?,
            })
        })
        .collect::<Res<Vec<_>>>()?;
    let endpoints = array(v, "endpoints")?
        .iter()
        .map(|e| {
            let kind = match e.get("kind").and_then(Value::as_u64).unwrap_or(0) {
                0 => EndpointKind::SharedHttp,
                1 => EndpointKind::RandomPort,
                2 => EndpointKind::LeasedIp,
                other => return Err(format!("unknown endpoint kind {other}")),
            };
            Ok(Endpoint {
                kind,
                sequence_number: u32_field(e, "sequence_number")?,
            })
        })
        .collect::<Res<Vec<_>>>()?;
    Ok(Resources {
        id: u32_field(v, "id")?,
        cpu: CpuResource {
            units: resource_value_from(cpu, "units")?,
            attributes: attributes_from(cpu)?,
        },
        memory: MemoryResource {
            size: resource_value_from(memory, "size")?,
            attributes: attributes_from(memory)?,
        },
        storage,
        gpu: GpuResource {
            units: resource_value_from(gpu, "units")?,
            attributes: attributes_from(gpu)?,
        },
        endpoints,
    })
}

/// Reads group specs from Akash's JSON.
pub fn group_specs_from(v: &Value) -> Res<Vec<GroupSpec>> {
    let Value::Array(items) = v else {
        return Err("group specs must be a list".into());
    };
    items
        .iter()
        .map(|g| {
            let req = field(g, "requirements")?;
            let signed_by = req.get("signed_by").cloned().unwrap_or(Value::Null);
            let resources = array(g, "resources")?
                .iter()
                .map(|u| {
                    let price = field(u, "price")?;
                    let amount = str_field(price, "amount")?;
                    Ok(ResourceUnit {
                        resource: resources_from(field(u, "resource")?)?,
                        count: u32_field(u, "count")?,
                        price: DecCoin::new(
                            Decimal256::from_str(&amount)
                                .map_err(|e| format!("price amount {amount:?}: {e}"))?,
                            str_field(price, "denom")?,
                        ),
                    })
                })
                .collect::<Res<Vec<_>>>()?;
            Ok(GroupSpec {
                name: str_field(g, "name")?,
                requirements: PlacementRequirements {
                    signed_by: SignedBy {
                        all_of: strings_from(&signed_by, "all_of")?,
                        any_of: strings_from(&signed_by, "any_of")?,
                    },
                    attributes: attributes_from(req)?,
                },
                resources,
            })
        })
        .collect()
}

/// Serde adapter for a `Resources` field written in Akash's shape.
pub mod resources_serde {
    use kumo_types::resources::Resources;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(r: &Resources, s: S) -> Result<S::Ok, S::Error> {
        super::resources(r).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Resources, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        super::resources_from(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_18_decimals() {
        let d = |s: &str| Decimal256::from_str(s).unwrap();
        assert_eq!(amount(&d("1000")), "1000.000000000000000000");
        assert_eq!(amount(&d("0.5")), "0.500000000000000000");
        assert_eq!(amount(&d("0.000000000000000001")), "0.000000000000000001");
        assert_eq!(amount(&d("0")), "0.000000000000000000");
        assert_eq!(amount(&d("12345.678")), "12345.678000000000000000");
    }
}
