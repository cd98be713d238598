use std::time::{Duration, Instant};

use super::*;
use crate::daemon::testkit::*;

fn offered(gpu: GpuSpec) -> Vec<Option<GpuSpec>> {
    vec![Some(gpu), None]
}

/// The spec's units in SDL order: the group is sorted, `gpu` before `web`.
fn check(spec: &GroupSpec, quote: &Quote) {
    quote
        .offer
        .check_against(spec, &quote.price)
        .unwrap_or_else(|e| panic!("the market would refuse {quote:?}: {e}"));
}

#[test]
fn the_sdl_units_are_in_the_expected_order() {
    let spec = wildcard_order();
    assert_eq!(spec.resources.len(), 2);
    assert_eq!(spec.resources[0].resource.gpu.units.get(), 2);
    assert_eq!(spec.resources[1].count, 2);
}

#[test]
fn prices_by_the_offered_model_not_the_wildcard() {
    let spec = wildcard_order();
    let p = params(vec![]);
    let a = price_order(&pricing(), &spec, &offered(a100()), &p).unwrap();
    // gpu unit: cpu 500 × 0.01 + 0.5 GiB × 2 + 1 GiB × 0.5 + 2 × 500;
    // web: (cpu 10 + memory 2 + storage 1 + one endpoint 1) × 2.
    assert_eq!(a.offer.units[0].prices.gpu, dec("1000"));
    assert_eq!(a.offer.units[0].prices.cpu, dec("5"));
    assert_eq!(a.offer.units[0].prices.memory, dec("1"));
    assert_eq!(a.offer.units[0].prices.storage, dec("0.5"));
    assert_eq!(a.offer.units[1].prices.total(), dec("14"));
    assert_eq!(a.price.amount, dec("1034.5"));
    assert_eq!(a.price.denom, "uakt");
    assert_eq!(a.offer.units[0].gpu, Some(a100()));
    assert_eq!(a.offer.units[1].gpu, None);
    check(&spec, &a);
    let h = price_order(&pricing(), &spec, &offered(h100()), &p).unwrap();
    assert_eq!(h.offer.units[0].prices.gpu, dec("1800"));
    assert_eq!(h.price.amount, dec("1834.5"));
    check(&spec, &h);
}

#[test]
fn the_star_price_covers_models_not_listed() {
    let spec = wildcard_order();
    let t4 = GpuSpec::new("nvidia", "t4");
    let err = price_order(&pricing(), &spec, &offered(t4.clone()), &params(vec![])).unwrap_err();
    assert_eq!(err, PricingError::NoGpuPrice("t4".into()));
    let mut with_star = pricing();
    with_star.gpu.default = Some(dec("300"));
    let q = price_order(&with_star, &spec, &offered(t4), &params(vec![])).unwrap();
    assert_eq!(q.offer.units[0].prices.gpu, dec("600"));
    // A listed model keeps its own price.
    let q = price_order(&with_star, &spec, &offered(h100()), &params(vec![])).unwrap();
    assert_eq!(q.offer.units[0].prices.gpu, dec("1800"));
}

#[test]
fn governed_tiers_bound_the_per_gpu_price() {
    let spec = wildcard_order();
    let raise = params(vec![tier("h100", "uakt", "1000", "1500")]);
    let q = price_order(&pricing(), &spec, &offered(h100()), &raise).unwrap();
    assert_eq!(
        q.offer.units[0].prices.gpu,
        dec("2000"),
        "raised to the tier's min"
    );
    check(&spec, &q);
    let mut expensive = pricing();
    expensive.gpu.by_model.insert("h100".into(), dec("2000"));
    let q = price_order(&expensive, &spec, &offered(h100()), &raise).unwrap();
    assert_eq!(
        q.offer.units[0].prices.gpu,
        dec("3000"),
        "lowered to the tier's max"
    );
    // Tiers of another denom or model do not apply.
    let other = params(vec![
        tier("h100", "uatom", "1000", "1500"),
        tier("a100", "uakt", "1", "2"),
    ]);
    let q = price_order(&pricing(), &spec, &offered(h100()), &other).unwrap();
    assert_eq!(q.offer.units[0].prices.gpu, dec("1800"));
}

#[test]
fn never_above_the_orders_max() {
    let spec = wildcard_order();
    let mut dear = pricing();
    dear.gpu.by_model.insert("h100".into(), dec("2600"));
    // 5200 + 5 + 1 + 0.5 + 28 > 5200 (the order's 5000 + 2 × 100).
    let err = price_order(&dear, &spec, &offered(h100()), &params(vec![])).unwrap_err();
    assert!(
        matches!(&err, PricingError::AboveMax { max, .. } if max == "5200uakt"),
        "{err}"
    );
    // At exactly the max it bids.
    dear.gpu.by_model.insert("h100".into(), dec("2582.75"));
    let q = price_order(&dear, &spec, &offered(h100()), &params(vec![])).unwrap();
    assert_eq!(q.price.amount, dec("5200"));
}

#[test]
fn orders_in_another_denom_are_not_priced() {
    let mut pricing = pricing();
    pricing.denom = "uatom".into();
    let err = price_order(
        &pricing,
        &wildcard_order(),
        &offered(a100()),
        &params(vec![]),
    )
    .unwrap_err();
    assert!(matches!(err, PricingError::WrongDenom { .. }));
}

#[test]
fn zero_prices_are_refused() {
    let mut free = pricing();
    free.cpu_per_millicpu = Decimal256::zero();
    free.memory_per_gib = Decimal256::zero();
    free.storage_per_gib = Decimal256::zero();
    free.endpoint = Decimal256::zero();
    free.gpu.by_model.insert("a100".into(), Decimal256::zero());
    let err = price_order(&free, &wildcard_order(), &offered(a100()), &params(vec![])).unwrap_err();
    assert_eq!(err, PricingError::Zero);
}

#[test]
fn a_scripts_total_is_spread_exactly_and_bounded() {
    let spec = wildcard_order();
    let p = params(vec![]);
    let base = price_order(&pricing(), &spec, &offered(a100()), &p).unwrap();
    let half = scale_to(&pricing(), &spec, &base, dec("517.25"), &p).unwrap();
    assert_eq!(half.price.amount, dec("517.25"));
    assert_eq!(half.offer.units[0].prices.gpu, dec("500"));
    check(&spec, &half);
    // A total that does not divide evenly: never above, at most a hair below.
    let odd = scale_to(&pricing(), &spec, &base, dec("1000"), &p).unwrap();
    assert!(odd.price.amount <= dec("1000"));
    assert!(dec("1000") - odd.price.amount < dec("0.000000000001"));
    check(&spec, &odd);
    // Above the order's max: no bid.
    assert!(matches!(
        scale_to(&pricing(), &spec, &base, dec("9000"), &p),
        Err(PricingError::AboveMax { .. })
    ));
    // The tier still bounds the per-GPU price after scaling.
    let tiered = params(vec![tier("a100", "uakt", "400", "600")]);
    let low = scale_to(&pricing(), &spec, &base, dec("103.45"), &tiered).unwrap();
    assert_eq!(
        low.offer.units[0].prices.gpu,
        dec("800"),
        "2 × the tier's min"
    );
    check(&spec, &low);
}

#[test]
fn script_output_is_a_price() {
    assert_eq!(
        parse_script_price("\n  42.5 \nignored\n").unwrap(),
        dec("42.5")
    );
    assert!(parse_script_price("").is_err());
    assert!(parse_script_price("cheap").is_err());
    assert!(parse_script_price("-3").is_err());
}

#[cfg(unix)]
fn script(
    dir: &std::path::Path,
    name: &str,
    body: &str,
    timeout: Duration,
    concurrency: u32,
) -> ScriptPricer {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    ScriptPricer::new(&crate::config::PriceScript {
        path,
        timeout,
        concurrency,
    })
}

#[cfg(unix)]
fn input<'a>(
    spec: &'a GroupSpec,
    order: &'a OrderId,
    gpus: &'a [Option<GpuSpec>],
) -> ScriptInput<'a> {
    ScriptInput {
        order,
        spec,
        offered_gpus: gpus,
        denom: "uakt",
        default_price: dec("1034.5"),
        max_price: spec.max_price(),
    }
}

#[cfg(unix)]
#[tokio::test]
async fn price_scripts_read_the_order_and_are_bounded_in_time_and_number() {
    let dir = tempfile::tempdir().unwrap();
    let spec = wildcard_order();
    let order = kumo_types::ids::DeploymentId::new("tenant", 7)
        .group(1)
        .order(1);
    let gpus = offered(a100());
    let second = Duration::from_secs(5);

    // The script sees the order as JSON: it answers 1032 only if it saw the default price.
    let echo = script(
        dir.path(),
        "echo.sh",
        r#"input=$(cat); case "$input" in *'"default_price":"1034.5"'*) echo 1032;; *) echo 1;; esac"#,
        second,
        1,
    );
    assert_eq!(
        echo.price(&input(&spec, &order, &gpus)).await.unwrap(),
        dec("1032")
    );

    let slow = script(
        dir.path(),
        "slow.sh",
        "sleep 5; echo 1",
        Duration::from_millis(300),
        1,
    );
    let started = Instant::now();
    let err = slow.price(&input(&spec, &order, &gpus)).await.unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let failing = script(dir.path(), "fail.sh", "echo nope >&2; exit 3", second, 1);
    let err = failing
        .price(&input(&spec, &order, &gpus))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let garbage = script(dir.path(), "garbage.sh", "echo cheap", second, 1);
    assert!(garbage.price(&input(&spec, &order, &gpus)).await.is_err());

    // Concurrency 1: two runs of 0.4 s take at least 0.8 s.
    let serial = script(dir.path(), "serial.sh", "sleep 0.4; echo 7", second, 1);
    let one = input(&spec, &order, &gpus);
    let started = Instant::now();
    let (a, b) = tokio::join!(serial.price(&one), serial.price(&one));
    assert_eq!((a.unwrap(), b.unwrap()), (dec("7"), dec("7")));
    assert!(started.elapsed() >= Duration::from_millis(800));
    // Concurrency 2: both at once.
    let parallel = script(dir.path(), "parallel.sh", "sleep 0.4; echo 7", second, 2);
    let started = Instant::now();
    let (a, b) = tokio::join!(parallel.price(&one), parallel.price(&one));
    assert!(a.is_ok() && b.is_ok());
    assert!(started.elapsed() < Duration::from_millis(790));
}
