use super::*;
use crate::attributes::Attribute;

const GI: u64 = 1 << 30;

pub(crate) fn unit(id: u32, cpu: u64, gpu: u64, count: u32, price: &str) -> ResourceUnit {
    ResourceUnit {
        resource: Resources {
            id,
            cpu: CpuResource {
                units: ResourceValue::new(cpu),
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
                units: ResourceValue::new(gpu),
                attributes: if gpu > 0 {
                    vec![Attribute::new("vendor/nvidia/model/*", "true")]
                } else {
                    vec![]
                },
            },
            endpoints: vec![Endpoint {
                kind: EndpointKind::SharedHttp,
                sequence_number: 0,
            }],
        },
        count,
        price: DecCoin::new(price.parse().unwrap(), "uakt"),
    }
}

fn spec(units: Vec<ResourceUnit>) -> GroupSpec {
    GroupSpec {
        name: "web".into(),
        requirements: Default::default(),
        resources: units,
    }
}

#[test]
fn valid_spec_passes_and_totals_add_up() {
    let s = spec(vec![unit(1, 1000, 1, 2, "10"), unit(2, 500, 0, 1, "2.5")]);
    s.validate("groups[0]").unwrap();
    assert_eq!(s.max_price(), "22.5".parse::<Decimal256>().unwrap());
    assert_eq!(s.gpu_count(), 2);
    assert_eq!(s.totals().cpu, 2500);
    assert_eq!(s.price_denom(), "uakt");
}

#[test]
fn unit_limits_name_the_field() {
    type Mutation = Box<dyn Fn(&mut ResourceUnit)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (
            Box::new(|u| u.resource.cpu.units = ResourceValue::new(9)),
            "g.resources[0].resource.cpu.units",
        ),
        (
            Box::new(|u| u.resource.cpu.units = ResourceValue::new(384_001)),
            "g.resources[0].resource.cpu.units",
        ),
        (
            Box::new(|u| u.resource.gpu.units = ResourceValue::new(25)),
            "g.resources[0].resource.gpu.units",
        ),
        (
            Box::new(|u| u.resource.memory.size = ResourceValue::new(1024)),
            "g.resources[0].resource.memory.size",
        ),
        (
            Box::new(|u| u.resource.memory.size = ResourceValue::new(2 * TI + 1)),
            "g.resources[0].resource.memory.size",
        ),
        (
            Box::new(|u| u.resource.storage[0].size = ResourceValue::new(MI)),
            "g.resources[0].resource.storage[0].size",
        ),
        (
            Box::new(|u| u.resource.storage[0].size = ResourceValue::new(32 * TI + 1)),
            "g.resources[0].resource.storage[0].size",
        ),
        (Box::new(|u| u.count = 0), "g.resources[0].count"),
        (Box::new(|u| u.count = 51), "g.resources[0].count"),
        (
            Box::new(|u| u.price.amount = Decimal256::zero()),
            "g.resources[0].price.amount",
        ),
        (
            Box::new(|u| {
                u.price.amount = Decimal256::from_ratio(limits::MAX_UNIT_PRICE + 1, 1u128)
            }),
            "g.resources[0].price.amount",
        ),
        (
            Box::new(|u| u.price.denom = "x".into()),
            "g.resources[0].price.denom",
        ),
        (
            Box::new(|u| u.resource.id = 0),
            "g.resources[0].resource.id",
        ),
        (
            Box::new(|u| {
                u.resource.gpu.attributes = vec![Attribute::new(
                    "vendor/nvidia/model/h100/interface/nvlink",
                    "true",
                )]
            }),
            "g.resources[0].resource.gpu.attributes",
        ),
        (
            Box::new(|u| {
                u.resource.gpu.units = ResourceValue::new(0);
                u.resource.gpu.attributes =
                    vec![Attribute::new("vendor/nvidia/model/h100", "true")];
            }),
            "g.resources[0].resource.gpu.attributes",
        ),
    ];
    for (mutate, field) in cases {
        let mut u = unit(1, 1000, 1, 1, "1");
        mutate(&mut u);
        let err = spec(vec![u]).validate("g").unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn group_totals_are_bounded_at_fifty_units() {
    // 20 units x 50 replicas x 384 cores = 1000 x the unit limit: far above 50x.
    let units = (1..=20).map(|i| unit(i, 384_000, 0, 50, "1")).collect();
    let err = spec(units).validate("g").unwrap_err();
    assert_eq!(err.field, "g.resources");
    assert!(err.reason.contains("cpu"), "{err}");
    // Exactly 50x is allowed.
    let units = (1..=1).map(|i| unit(i, 384_000, 0, 50, "1")).collect();
    spec(units).validate("g").unwrap();
}

#[test]
fn mixed_denoms_and_duplicate_ids_are_refused() {
    let mut other = unit(2, 1000, 0, 1, "1");
    other.price.denom = "uusdc".into();
    assert_eq!(
        spec(vec![unit(1, 1000, 0, 1, "1"), other])
            .validate("g")
            .unwrap_err()
            .field,
        "g.resources[1].price.denom"
    );
    assert_eq!(
        spec(vec![unit(1, 1000, 0, 1, "1"), unit(1, 1000, 0, 1, "1")])
            .validate("g")
            .unwrap_err()
            .field,
        "g.resources[1].resource.id"
    );
    assert_eq!(spec(vec![]).validate("g").unwrap_err().field, "g.resources");
}

fn offer_for(s: &GroupSpec, gpu: Option<GpuSpec>, cpu_price: &str, gpu_price: &str) -> Offer {
    Offer {
        units: s
            .resources
            .iter()
            .map(|u| OfferedUnit {
                resource_id: u.resource.id,
                gpu: if u.resource.gpu.units.get() > 0 {
                    gpu.clone()
                } else {
                    None
                },
                prices: ResourcePrices {
                    cpu: cpu_price.parse().unwrap(),
                    gpu: if u.resource.gpu.units.get() > 0 {
                        gpu_price.parse().unwrap()
                    } else {
                        Decimal256::zero()
                    },
                    ..Default::default()
                },
            })
            .collect(),
    }
}

#[test]
fn offers_must_add_up_and_name_gpus() {
    let s = spec(vec![unit(1, 1000, 2, 2, "10"), unit(2, 500, 0, 1, "2")]);
    let h100 = GpuSpec::new("nvidia", "h100");
    let offer = offer_for(&s, Some(h100.clone()), "1", "3");
    // (1 + 3) x 2 + 1 x 1 = 9
    offer
        .check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uakt"))
        .unwrap();
    let err = offer
        .check_against(&s, &DecCoin::new(Decimal256::from_ratio(10u8, 1u8), "uakt"))
        .unwrap_err();
    assert_eq!(err.field, "offer.units[].prices");
    let err = offer
        .check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uusdc"))
        .unwrap_err();
    assert_eq!(err.field, "price.denom");
    let no_gpu = offer_for(&s, None, "1", "3");
    assert_eq!(
        no_gpu
            .check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uakt"))
            .unwrap_err()
            .field,
        "offer.units[0].gpu"
    );
    let wildcard = offer_for(&s, Some(GpuSpec::new("nvidia", "*")), "1", "3");
    assert_eq!(
        wildcard
            .check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uakt"))
            .unwrap_err()
            .field,
        "offer.units[0].gpu"
    );
    let amd = offer_for(&s, Some(GpuSpec::new("amd", "mi300")), "1", "3");
    assert_eq!(
        amd.check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uakt"))
            .unwrap_err()
            .field,
        "offer.units[0].gpu"
    );
    let mut missing = offer.clone();
    missing.units.pop();
    assert_eq!(
        missing
            .check_against(&s, &DecCoin::new(Decimal256::from_ratio(8u8, 1u8), "uakt"))
            .unwrap_err()
            .field,
        "offer.units"
    );
    let mut dup = offer.clone();
    dup.units[1].resource_id = 1;
    assert_eq!(
        dup.check_against(&s, &DecCoin::new(Decimal256::from_ratio(9u8, 1u8), "uakt"))
            .unwrap_err()
            .field,
        "offer.units[1].resource_id"
    );
    // Per-GPU price: 3 per instance for 2 GPUs.
    assert_eq!(
        offer.gpu_unit_prices(&s),
        vec![(&h100, "1.5".parse().unwrap())]
    );
}

#[test]
fn spec_json_matches_akash_shape() {
    let json = r#"{"name":"westcoast","requirements":{"signed_by":{"any_of":["akash1365yvmc4s7awdyj3n2sav7xfx76adc6dnmlx63"]},"attributes":[{"key":"host","value":"akash"}]},
    "resources":[{"resource":{"id":1,"cpu":{"units":{"val":"1000"}},"memory":{"size":{"val":"2147483648"}},"storage":[{"name":"default","size":{"val":"10737418240"}}],
    "gpu":{"units":{"val":"1"},"attributes":[{"key":"vendor/nvidia/model/rtx3080","value":"true"}]},"endpoints":[{"sequence_number":0}]},"count":1,"price":{"denom":"uakt","amount":"1000.000000000000000000"}}]}"#;
    let s: GroupSpec = cosmwasm_std::from_json(json).unwrap();
    s.validate("g").unwrap();
    assert_eq!(s.gpu_count(), 1);
    assert_eq!(s.max_price(), Decimal256::from_ratio(1000u32, 1u32));
}
