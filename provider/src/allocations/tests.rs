use std::collections::BTreeMap;

use cosmwasm_std::Addr;
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::DeploymentId;
use proptest::prelude::*;

use super::*;

const GI: u64 = 1 << 30;

fn lease(n: u64) -> LeaseId {
    DeploymentId::new("tenant", n)
        .group(1)
        .order(1)
        .bid(&Addr::unchecked("prov"))
}

fn h100() -> GpuSpec {
    GpuSpec::new("nvidia", "h100")
        .with_ram("80Gi")
        .with_interface("sxm")
}

fn a100() -> GpuSpec {
    GpuSpec::new("nvidia", "a100")
        .with_ram("40Gi")
        .with_interface("pcie")
}

fn capacity() -> Capacity {
    let gpu = |uuid: &str, spec: GpuSpec| HeldGpu {
        uuid: uuid.into(),
        spec,
    };
    Capacity {
        amounts: Amounts {
            cpu_millis: 4000,
            memory_bytes: 8 * GI,
            storage_bytes: 10 * GI,
        },
        gpus: vec![
            gpu("GPU-h0", h100()),
            gpu("GPU-h1", h100()),
            gpu("GPU-h2", h100()),
            gpu("GPU-a0", a100()),
            gpu("GPU-a1", a100()),
        ],
    }
}

fn request(cpu: u64, mem_gi: u64, gpus: &[(GpuSpec, u32)]) -> Request {
    Request {
        amounts: Amounts {
            cpu_millis: cpu,
            memory_bytes: mem_gi * GI,
            storage_bytes: GI,
        },
        gpus: gpus
            .iter()
            .map(|(offered, count)| GpuAsk {
                offered: offered.clone(),
                count: *count,
            })
            .collect(),
    }
}

fn open(dir: &tempfile::TempDir) -> AllocationStore {
    AllocationStore::open(&dir.path().join("alloc.redb"), capacity()).unwrap()
}

#[test]
fn reserve_promote_release() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    let a = store
        .reserve(&lease(1), &request(1000, 2, &[(h100(), 2)]), 100)
        .unwrap();
    assert_eq!(a.state, State::Reserved);
    assert_eq!(a.gpu_uuids(), ["GPU-h0", "GPU-h1"]);
    assert_eq!(store.used().cpu_millis, 1000);
    assert_eq!(store.available().memory_bytes, 6 * GI);
    assert_eq!(store.free_gpus().count(), 3);

    assert_eq!(store.promote(&lease(1)).unwrap().state, State::Allocated);
    assert_eq!(
        store.promote(&lease(1)).unwrap().state,
        State::Allocated,
        "idempotent"
    );
    assert!(matches!(
        store.promote(&lease(2)),
        Err(AllocError::NotHeld(_))
    ));

    let freed = store.release(&lease(1)).unwrap().unwrap();
    assert_eq!(freed.gpus.len(), 2);
    assert_eq!(store.used(), Amounts::default());
    assert_eq!(store.free_gpus().count(), 5);
    // Releasing twice, or something never held, is harmless.
    assert_eq!(store.release(&lease(1)).unwrap(), None);
    assert_eq!(store.release(&lease(9)).unwrap(), None);
    assert_eq!(store.used(), Amounts::default());
}

#[test]
fn gpus_are_never_handed_out_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store
        .reserve(&lease(1), &request(100, 1, &[(h100(), 2)]), 0)
        .unwrap();
    let err = store
        .reserve(&lease(2), &request(100, 1, &[(h100(), 2)]), 0)
        .unwrap_err();
    assert!(
        matches!(
            err,
            AllocError::NoGpus {
                wanted: 2,
                available: 1,
                ..
            }
        ),
        "{err}"
    );
    let b = store
        .reserve(&lease(2), &request(100, 1, &[(h100(), 1)]), 0)
        .unwrap();
    assert_eq!(b.gpu_uuids(), ["GPU-h2"]);
    // One request asking for the same kind twice gets distinct GPUs.
    let c = store
        .reserve(&lease(3), &request(100, 1, &[(a100(), 1), (a100(), 1)]), 0)
        .unwrap();
    assert_eq!(c.gpu_uuids(), ["GPU-a0", "GPU-a1"]);
    assert!(matches!(
        store.reserve(&lease(3), &request(1, 0, &[]), 0),
        Err(AllocError::AlreadyHeld(_))
    ));
}

#[test]
fn offers_match_gpus_by_capability() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    // An offer naming only the model is backed by the fully described GPUs.
    let a = store
        .reserve(
            &lease(1),
            &request(1, 0, &[(GpuSpec::new("nvidia", "h100"), 1)]),
            0,
        )
        .unwrap();
    assert_eq!(a.gpus[0].spec, h100());
    // A detail the GPUs do not have finds nothing.
    let pcie_h100 = GpuSpec::new("nvidia", "h100").with_interface("pcie");
    assert!(matches!(
        store.fit(&request(1, 0, &[(pcie_h100, 1)])),
        Err(AllocError::NoGpus { available: 0, .. })
    ));
}

#[test]
fn cpu_memory_storage_limits_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.reserve(&lease(1), &request(3000, 4, &[]), 0).unwrap();
    let err = store
        .reserve(&lease(2), &request(1001, 1, &[]), 0)
        .unwrap_err();
    assert!(matches!(
        err,
        AllocError::Insufficient {
            resource: "cpu (millicpu)",
            wanted: 1001,
            available: 1000
        }
    ));
    assert!(matches!(
        store.reserve(&lease(2), &request(1000, 5, &[]), 0),
        Err(AllocError::Insufficient {
            resource: "memory (bytes)",
            ..
        })
    ));
    let huge = Request {
        amounts: Amounts {
            cpu_millis: 0,
            memory_bytes: 0,
            storage_bytes: u64::MAX,
        },
        gpus: vec![],
    };
    assert!(store.reserve(&lease(3), &huge, 0).is_err());
    // Refused requests changed nothing.
    assert_eq!(store.used().cpu_millis, 3000);
    assert_eq!(store.list().count(), 1);
}

#[test]
fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let before: Vec<Allocation>;
    {
        let mut store = open(&dir);
        store
            .reserve(&lease(1), &request(1000, 1, &[(h100(), 1)]), 5)
            .unwrap();
        store
            .reserve(&lease(2), &request(500, 2, &[(a100(), 2)]), 6)
            .unwrap();
        store.promote(&lease(2)).unwrap();
        store.reserve(&lease(3), &request(10, 1, &[]), 7).unwrap();
        store.release(&lease(3)).unwrap();
        before = store.list().cloned().collect();
    }
    let mut store = open(&dir);
    assert_eq!(store.list().cloned().collect::<Vec<_>>(), before);
    assert_eq!(store.used().cpu_millis, 1500);
    assert_eq!(store.used().memory_bytes, 3 * GI);
    assert_eq!(store.get(&lease(2)).unwrap().state, State::Allocated);
    assert_eq!(
        store
            .free_gpus()
            .map(|g| g.uuid.as_str())
            .collect::<Vec<_>>(),
        ["GPU-h1", "GPU-h2"]
    );
    // Release after restart frees exactly once.
    store.release(&lease(1)).unwrap().unwrap();
    assert_eq!(store.release(&lease(1)).unwrap(), None);
    assert_eq!(store.used().cpu_millis, 500);
}

#[test]
fn unflushed_reservations_hold_like_any_and_survive_once_flushed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = open(&dir);
        let one_h100 = request(100, 1, &[(h100(), 1)]);
        for n in 1..=3 {
            store.reserve_unflushed(&lease(n), &one_h100, 5).unwrap();
        }
        // The three H100s are held in memory already: a fourth is refused, not double-handed.
        assert!(matches!(
            store.reserve_unflushed(&lease(4), &one_h100, 5),
            Err(AllocError::NoGpus { .. })
        ));
        assert!(matches!(
            store.reserve_unflushed(&lease(1), &one_h100, 5),
            Err(AllocError::AlreadyHeld(_))
        ));
        store.flush().unwrap();
    }
    let store = open(&dir);
    let held: Vec<_> = store.list().map(|a| a.id.clone()).collect();
    assert_eq!(held, vec![lease(1), lease(2), lease(3)]);
    assert_eq!(store.used().cpu_millis, 300);
    assert_eq!(store.free_gpus().count(), 2, "only the two A100s are free");
}

#[test]
fn a_database_holding_a_gpu_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alloc.redb");
    {
        let mut store = open(&dir);
        store
            .reserve(&lease(1), &request(1, 0, &[(h100(), 1)]), 0)
            .unwrap();
    }
    {
        // Forge a second record holding the same GPU, as a buggy older version might have.
        let db = Database::create(&path).unwrap();
        let forged = Allocation {
            id: lease(2),
            state: State::Allocated,
            amounts: Amounts::default(),
            gpus: vec![HeldGpu {
                uuid: "GPU-h0".into(),
                spec: h100(),
            }],
            reserved_at: 0,
        };
        let tx = db.begin_write().unwrap();
        tx.open_table(ALLOCATIONS)
            .unwrap()
            .insert(
                lease(2).to_string().as_str(),
                serde_json::to_vec(&forged).unwrap().as_slice(),
            )
            .unwrap();
        tx.commit().unwrap();
    }
    let err = AllocationStore::open(&path, capacity()).err().unwrap();
    assert!(err.to_string().contains("GPU-h0 is also held by"), "{err}");
}

#[test]
fn unreadable_records_and_foreign_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alloc.redb");
    drop(open(&dir));
    {
        let db = Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(ALLOCATIONS)
            .unwrap()
            .insert("x", b"not json".as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    assert!(matches!(
        AllocationStore::open(&path, capacity()),
        Err(AllocError::Corrupt { .. })
    ));

    let other = dir.path().join("other.redb");
    {
        let db = Database::create(&other).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(META).unwrap().insert("schema", 99).unwrap();
        tx.commit().unwrap();
    }
    assert!(matches!(
        AllocationStore::open(&other, capacity()),
        Err(AllocError::Schema { found: 99 })
    ));
}

#[test]
fn a_smaller_inventory_after_restart_does_not_underflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alloc.redb");
    {
        let mut store = open(&dir);
        store
            .reserve(&lease(1), &request(3000, 6, &[(h100(), 3)]), 0)
            .unwrap();
    }
    let mut small = capacity();
    small.amounts.cpu_millis = 1000;
    small.gpus.truncate(1);
    let mut store = AllocationStore::open(&path, small).unwrap();
    assert_eq!(store.available().cpu_millis, 0);
    assert_eq!(store.free_gpus().count(), 0);
    assert!(store.reserve(&lease(2), &request(1, 0, &[]), 0).is_err());
    store.release(&lease(1)).unwrap().unwrap();
    assert_eq!(store.available().cpu_millis, 1000);
    assert_eq!(store.free_gpus().count(), 1);
}

#[test]
fn stale_reservations_and_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir);
    store.reserve(&lease(1), &request(1, 0, &[]), 100).unwrap();
    store.reserve(&lease(2), &request(1, 0, &[]), 200).unwrap();
    store.promote(&lease(2)).unwrap();
    assert_eq!(store.stale_reservations(400, 250), [lease(1)]);
    assert!(store.stale_reservations(300, 250).is_empty());

    // Lease 2 closed while the provider was down; lease 3's containers are orphans.
    let plan = store.reconcile(&[], &[lease(2), lease(3)]);
    assert_eq!(plan.tear_down, [lease(2), lease(3)]);
    assert_eq!(plan.release, [lease(2)]);
}

#[test]
fn amounts_of_units_and_overcommit() {
    use kumo_types::resources::{
        CpuResource, GpuResource, MemoryResource, ResourceValue, Resources, StorageResource,
    };
    let storage = |size| StorageResource {
        name: "s".into(),
        size: ResourceValue::new(size),
        attributes: vec![],
    };
    let mut unit = Resources {
        id: 1,
        cpu: CpuResource {
            units: ResourceValue::new(500),
            attributes: vec![],
        },
        memory: MemoryResource {
            size: ResourceValue::new(GI),
            attributes: vec![],
        },
        storage: vec![storage(GI), storage(2 * GI)],
        gpu: GpuResource {
            units: ResourceValue::new(0),
            attributes: vec![],
        },
        endpoints: vec![],
    };
    assert_eq!(
        Amounts::of_unit(&unit, 3),
        Some(Amounts {
            cpu_millis: 1500,
            memory_bytes: 3 * GI,
            storage_bytes: 9 * GI
        })
    );
    unit.storage.push(storage(u64::MAX));
    assert_eq!(Amounts::of_unit(&unit, 1), None);

    let inventory = crate::inventory::Inventory::from_static(&crate::config::StaticInventory {
        cpu_millis: 8000,
        memory_bytes: u64::MAX,
        storage_bytes: 100,
        gpus: vec![],
    });
    let limits = crate::config::LimitsConfig {
        max_open_bids: 1,
        tenant_bids_per_hour: 1,
        cpu_overcommit_millis: 1500,
        memory_overcommit_millis: 2000,
    };
    let cap = Capacity::from_inventory(&inventory, &limits);
    assert_eq!(cap.amounts.cpu_millis, 12_000);
    assert_eq!(cap.amounts.memory_bytes, u64::MAX, "clamped, not wrapped");
    assert_eq!(cap.amounts.storage_bytes, 100);
}

#[derive(Debug, Clone)]
enum Op {
    Reserve {
        lease: u64,
        cpu: u64,
        mem_gi: u64,
        gpus: u32,
        h100: bool,
    },
    Promote(u64),
    Release(u64),
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..6, 0u64..2500, 0u64..5, 0u32..4, any::<bool>()).prop_map(
            |(lease, cpu, mem_gi, gpus, h100)| Op::Reserve { lease, cpu, mem_gi, gpus, h100 }
        ),
        2 => (0u64..6).prop_map(Op::Promote),
        3 => (0u64..6).prop_map(Op::Release),
        1 => Just(Op::Restart),
    ]
}

/// What the store must contain: lease → (request, state).
type Model = BTreeMap<u64, (Request, State)>;

fn check_invariants(store: &AllocationStore, model: &Model) {
    let cap = capacity();
    let mut owners: BTreeMap<&str, &LeaseId> = BTreeMap::new();
    let mut sum = Amounts::default();
    for a in store.list() {
        for g in &a.gpus {
            assert!(
                cap.gpus.iter().any(|c| c.uuid == g.uuid),
                "unknown GPU {}",
                g.uuid
            );
            if let Some(other) = owners.insert(&g.uuid, &a.id) {
                panic!("GPU {} held by {other} and {}", g.uuid, a.id);
            }
        }
        sum = sum.checked_add(a.amounts).expect("no overflow");
    }
    assert_eq!(store.used(), sum, "counters match the records");
    assert!(
        store.used().fits_in(&cap.amounts),
        "never more than capacity"
    );
    assert_eq!(
        store.free_gpus().count() + owners.len(),
        cap.gpus.len(),
        "every GPU is free or held, once"
    );
    let held: BTreeMap<u64, State> = store.list().map(|a| (a.id.dseq, a.state)).collect();
    let expected: BTreeMap<u64, State> = model.iter().map(|(k, (_, s))| (*k, *s)).collect();
    assert_eq!(held, expected);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Random reserve / promote / release / restart sequences never hand a GPU out twice, never
    /// underflow or exceed capacity, and agree with a simple model of what should be held.
    #[test]
    fn random_sequences_keep_the_books(ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Some(open(&dir));
        let mut model = Model::new();
        let cap = capacity();
        for op in ops {
            let s = store.as_mut().unwrap();
            match op {
                Op::Reserve { lease: n, cpu, mem_gi, gpus, h100: want_h100 } => {
                    let kind = if want_h100 { h100() } else { a100() };
                    let req = request(cpu, mem_gi, &[(kind.clone(), gpus)]);
                    let used: Amounts = model.values().fold(Amounts::default(), |acc, (r, _)| {
                        acc.checked_add(r.amounts).unwrap()
                    });
                    let held_of_kind: u32 = model
                        .values()
                        .flat_map(|(r, _)| &r.gpus)
                        .filter(|g| g.offered == kind)
                        .map(|g| g.count)
                        .sum();
                    let total_of_kind = cap.gpus.iter().filter(|g| g.spec == kind).count() as u32;
                    let should_fit = !model.contains_key(&n)
                        && req.amounts.fits_in(&cap.amounts.saturating_sub(used))
                        && held_of_kind + gpus <= total_of_kind;
                    let got = s.reserve(&lease(n), &req, 0);
                    prop_assert_eq!(got.is_ok(), should_fit, "{:?}", got);
                    if let Ok(a) = got {
                        prop_assert_eq!(a.gpus.len() as u32, gpus);
                        model.insert(n, (req, State::Reserved));
                    }
                }
                Op::Promote(n) => {
                    let got = s.promote(&lease(n));
                    prop_assert_eq!(got.is_ok(), model.contains_key(&n));
                    if let Some(entry) = model.get_mut(&n) {
                        entry.1 = State::Allocated;
                    }
                }
                Op::Release(n) => {
                    let got = s.release(&lease(n)).unwrap();
                    prop_assert_eq!(got.is_some(), model.remove(&n).is_some());
                }
                Op::Restart => {
                    drop(store.take());
                    store = Some(open(&dir));
                }
            }
            check_invariants(store.as_ref().unwrap(), &model);
        }
    }
}
