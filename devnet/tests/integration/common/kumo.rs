//! Kumo market messages the compatibility tests and the benchmark send.
#![allow(dead_code)]

use cosmwasm_std::HexBinary;
use kumo_types::attributes::{PlacementRequirements, SignedBy};
use kumo_types::coins::DecCoin;
use kumo_types::ids::DeploymentId;
use kumo_types::market::ExecuteMsg;
use kumo_types::resources::*;

pub const GI: u64 = 1 << 30;
/// The devnet market's minimum deployment deposit (5 tokens of 6 decimals).
pub const MIN_DEPOSIT: u128 = 5_000_000;

/// A CPU-only group: 1 core, 1 GiB, 10 GiB disk, one replica, at most `price` uakt per block.
pub fn cpu_group(name: &str, price: &str) -> GroupSpec {
    GroupSpec {
        name: name.into(),
        requirements: PlacementRequirements {
            signed_by: SignedBy::default(),
            attributes: vec![],
        },
        resources: vec![ResourceUnit {
            resource: Resources {
                id: 1,
                cpu: CpuResource {
                    units: ResourceValue::new(1000),
                    attributes: vec![],
                },
                memory: MemoryResource {
                    size: ResourceValue::new(GI),
                    attributes: vec![],
                },
                storage: vec![StorageResource {
                    name: "default".into(),
                    size: ResourceValue::new(10 * GI),
                    attributes: vec![],
                }],
                gpu: GpuResource {
                    units: ResourceValue::new(0),
                    attributes: vec![],
                },
                endpoints: vec![],
            },
            count: 1,
            price: DecCoin::new(price.parse().unwrap(), "uakt"),
        }],
    }
}

pub fn create_deployment(dseq: u64) -> ExecuteMsg {
    ExecuteMsg::CreateDeployment {
        dseq,
        groups: vec![cpu_group("web", "1")],
        manifest_hash: HexBinary::from(vec![7u8; 32]),
    }
}

pub fn deposit_deployment(owner: &str, dseq: u64) -> ExecuteMsg {
    ExecuteMsg::DepositDeployment {
        id: DeploymentId {
            owner: cosmwasm_std::Addr::unchecked(owner),
            dseq,
        },
    }
}
