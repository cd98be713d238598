#!/usr/bin/env bash
# Runs every benchmark and writes bench/report.json plus bench/report.md (a Markdown table,
# the one the README quotes):
#
#   devnet   `cargo bench -p kumo-devnet --bench tx_throughput`: signed txs/s end to end
#            through RPC, the same messages natively (cw-multi-test) and the ratio, gas per
#            message, simulate latency. Needs artifacts/ (scripts/build-wasm.sh).
#   provider `cargo bench -p kumo-provider --bench provider` (PROVIDER_BENCH names another):
#            the real kumo-provider binary against an in-process devnet and the local Docker
#            daemon. Its JSON must hold at least these numbers (the rest is kept as it is):
#              order_to_bid.orders, .bid_block_minus_order_block.{in_next_block,max},
#                .event_to_broadcast_ms.{p50,p90,max}
#              burst.{orders,tenant_txs,bids_placed,bid_txs,seconds_until_all_bid},
#                .blocks_until_all_bid.value
#              manifest_to_running.{leases,p50_ms,max_ms}
#              rss.{idle_mb,with_leases,with_leases_mb,peak_mb}
#            and each section's "pass" (its target met) when it has one.
#
# Nothing is invented: a benchmark that does not exist, fails, or leaves out a number stops
# the script with an error naming it, and no report is written (the old one stays).
#
# Usage: scripts/bench.sh            BENCH_OUT=<dir> writes elsewhere (default bench/)
# Passed through to the devnet benchmark: BENCH_TXS, BENCH_SIGNERS, BENCH_BLOCK_MS.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KUMO_ROOT"
need_node

out_dir="${BENCH_OUT:-$KUMO_ROOT/bench}"
provider_bench="${PROVIDER_BENCH:-provider}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- everything that can be checked before minutes of benchmarks --------------------------
for wasm in kumo_registry.wasm kumo_market.wasm kumo_governance.wasm; do
    [[ -f artifacts/$wasm ]] ||
        die "artifacts/$wasm is missing: build the contracts first (npm ci && scripts/build-wasm.sh)"
done
[[ -f devnet/benches/tx_throughput.rs ]] ||
    die "the devnet benchmark devnet/benches/tx_throughput.rs is missing"
if [[ ! -f provider/benches/$provider_bench.rs ]] ||
    ! grep -q "name = \"$provider_bench\"" provider/Cargo.toml; then
    die "the provider benchmark is missing: provider/benches/$provider_bench.rs with a [[bench]] \
name = \"$provider_bench\" (harness = false) entry in provider/Cargo.toml must print the JSON \
described at the top of scripts/bench.sh; no report is written rather than one with made-up numbers"
fi
docker info >/dev/null 2>&1 ||
    die "the Docker daemon is unreachable and the provider benchmark runs containers: start it \
(as root: dockerd --bridge=none --iptables=false > /tmp/dockerd.log 2>&1 &)"
scripts/test-image.sh >/dev/null

# --- the benchmarks -------------------------------------------------------------------------
section "devnet: cargo bench -p kumo-devnet --bench tx_throughput"
cargo bench "${CARGO_LOCKED[@]}" -p kumo-devnet --bench tx_throughput >"$work/devnet.json" ||
    die "the devnet benchmark failed (its output is above)"

section "provider: cargo bench -p kumo-provider --bench $provider_bench"
cargo bench "${CARGO_LOCKED[@]}" -p kumo-provider --bench "$provider_bench" >"$work/provider.json" ||
    die "the provider benchmark failed (its output is above)"

# --- the report -----------------------------------------------------------------------------
section "report"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty=""
[[ -n "$(git status --porcelain 2>/dev/null || true)" ]] && dirty=" (with uncommitted changes)"
mkdir -p "$work/out"
BENCH_WORK="$work" BENCH_COMMIT="$commit$dirty" BENCH_PROVIDER="$provider_bench" node - <<'EOF'
const fs = require("fs");
const os = require("os");
const work = process.env.BENCH_WORK;

function fail(msg) {
    console.error(`error: ${msg}; no report written`);
    process.exit(1);
}
function load(name, what) {
    const text = fs.readFileSync(`${work}/${name}`, "utf8");
    // The JSON object: from the first "{" of stdout (the benchmarks print nothing else there).
    const start = text.indexOf("{");
    if (start < 0) fail(`${what} printed no JSON object`);
    try {
        return JSON.parse(text.slice(start));
    } catch (e) {
        fail(`${what} printed invalid JSON (${e.message})`);
    }
}
function num(obj, path, what) {
    let v = obj;
    for (const k of path.split(".")) v = v == null ? undefined : v[k];
    if (typeof v !== "number" || !Number.isFinite(v)) {
        fail(`${what} has no number at ${path} (got ${JSON.stringify(v)})`);
    }
    return v;
}
const fmt = (n, digits = 0) =>
    n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const devnet = load("devnet.json", "the devnet benchmark");
const provider = load("provider.json", `the provider benchmark (${process.env.BENCH_PROVIDER})`);
const D = "the devnet benchmark";
const P = "the provider benchmark";

const d = {
    tx_per_sec: num(devnet, "devnet_end_to_end.tx_per_sec", D),
    native_tx_per_sec: num(devnet, "cw_multi_test_native.tx_per_sec", D),
    native_over_devnet: num(devnet, "native_over_devnet", D),
    simulate_us: num(devnet, "devnet_end_to_end.simulate_deposit_latency_us", D),
    gas: {
        create_deployment: num(devnet, "devnet_end_to_end.gas_used.CreateDeployment", D),
        deposit_deployment: num(devnet, "devnet_end_to_end.gas_used.DepositDeployment", D),
        bank_send: num(devnet, "devnet_end_to_end.gas_used.bank MsgSend", D),
    },
    txs: num(devnet, "devnet_end_to_end.txs_executed", D),
    signers: num(devnet, "devnet_end_to_end.signers", D),
    block_time_ms: num(devnet, "devnet_end_to_end.block_time_ms", D),
};
const p = {
    orders: num(provider, "order_to_bid.orders", P),
    next_block: num(provider, "order_to_bid.bid_block_minus_order_block.in_next_block", P),
    blocks_max: num(provider, "order_to_bid.bid_block_minus_order_block.max", P),
    latency_p50: num(provider, "order_to_bid.event_to_broadcast_ms.p50", P),
    latency_p90: num(provider, "order_to_bid.event_to_broadcast_ms.p90", P),
    latency_max: num(provider, "order_to_bid.event_to_broadcast_ms.max", P),
    burst_orders: num(provider, "burst.orders", P),
    burst_tenant_txs: num(provider, "burst.tenant_txs", P),
    burst_bids: num(provider, "burst.bids_placed", P),
    burst_bid_txs: num(provider, "burst.bid_txs", P),
    burst_blocks: num(provider, "burst.blocks_until_all_bid.value", P),
    burst_secs: num(provider, "burst.seconds_until_all_bid", P),
    running_leases: num(provider, "manifest_to_running.leases", P),
    running_p50: num(provider, "manifest_to_running.p50_ms", P),
    running_max: num(provider, "manifest_to_running.max_ms", P),
    rss_idle: num(provider, "rss.idle_mb", P),
    rss_leases: num(provider, "rss.with_leases", P),
    rss_loaded: num(provider, "rss.with_leases_mb", P),
    rss_peak: num(provider, "rss.peak_mb", P),
};
// A section's own verdict on its target, when it gives one.
const target = (section) => {
    const pass = section == null ? undefined : section.pass;
    return pass === true ? " (target met)" : pass === false ? " (target missed)" : "";
};

const machine = {
    cpus: os.cpus().length,
    cpu_model: (os.cpus()[0] || {}).model || "unknown",
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
};
const report = {
    generated_at: new Date().toISOString(),
    commit: process.env.BENCH_COMMIT,
    command: "scripts/bench.sh",
    machine,
    devnet: { summary: d, raw: devnet },
    provider: { summary: p, raw: provider },
};

const rows = [
    ["devnet: signed txs/s end to end through RPC", `${fmt(d.tx_per_sec)} (${fmt(d.txs)} txs from ${d.signers} signers, ${d.block_time_ms} ms blocks)`],
    ["the same messages natively (cw-multi-test)", `${fmt(d.native_tx_per_sec)} txs/s: native is ${fmt(d.native_over_devnet, 1)}x the devnet`],
    ["gas: CreateDeployment / DepositDeployment / bank send", `${fmt(d.gas.create_deployment)} / ${fmt(d.gas.deposit_deployment)} / ${fmt(d.gas.bank_send)}`],
    ["a deposit through Simulate", `${fmt(d.simulate_us / 1000, 2)} ms`],
    ["order to bid: blocks", `${fmt(p.next_block)} of ${fmt(p.orders)} orders bid on in the next block, at most ${fmt(p.blocks_max)} block(s) after${target(provider.order_to_bid.bid_block_minus_order_block)}`],
    ["order to bid: latency (block announced to bid tx at the node)", `p50 ${fmt(p.latency_p50, 1)} ms, p90 ${fmt(p.latency_p90, 1)} ms, max ${fmt(p.latency_max, 1)} ms${target(provider.order_to_bid.event_to_broadcast_ms)}`],
    ["burst", `${fmt(p.burst_orders)} orders in ${fmt(p.burst_tenant_txs)} txs: ${fmt(p.burst_bids)} bids in ${fmt(p.burst_bid_txs)} txs, all within ${fmt(p.burst_blocks)} blocks (${fmt(p.burst_secs, 1)} s)${target(provider.burst)}`],
    ["manifest to running (cached image)", `p50 ${fmt(p.running_p50)} ms, max ${fmt(p.running_max)} ms over ${fmt(p.running_leases)} leases${target(provider.manifest_to_running)}`],
    ["provider daemon RSS", `${fmt(p.rss_idle, 1)} MB idle, ${fmt(p.rss_loaded, 1)} MB with ${fmt(p.rss_leases)} leases (peak ${fmt(p.rss_peak, 1)} MB)${target(provider.rss)}`],
];
let md = "| figure | result |\n|---|---|\n";
for (const [k, v] of rows) md += `| ${k} | ${v} |\n`;
md += `\nMeasured ${report.generated_at.slice(0, 10)} at ${report.commit} on ${machine.cpus} CPUs ` +
    `(${machine.cpu_model}), ${machine.memory_gib} GiB, ${machine.os}, with \`scripts/bench.sh\`.\n`;

fs.writeFileSync(`${work}/out/report.json`, JSON.stringify(report, null, 2) + "\n");
fs.writeFileSync(`${work}/out/report.md`, md);
process.stdout.write(md);
EOF
mkdir -p "$out_dir"
mv "$work/out/report.json" "$out_dir/report.json"
mv "$work/out/report.md" "$out_dir/report.md"
echo "wrote $out_dir/report.json and $out_dir/report.md"
