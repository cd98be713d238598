//! A cw-multi-test world with the real registry and market contracts, funded accounts, and
//! typed helpers for every market message. Shared by the market's integration suites.
#![allow(dead_code)]

use cosmwasm_std::{coin, Addr, Coin, Decimal, Decimal256, Empty, HexBinary, StdResult, Uint256};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use kumo_types::attributes::{Attribute, PlacementRequirements, SignedBy};
use kumo_types::coins::{DecCoin, FundsDestination};
use kumo_types::events::KumoEvent;
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::{BidId, DeploymentId, GroupId, LeaseId, OrderId};
use kumo_types::market::{
    self, Bid, DeploymentResponse, EscrowResponse, Lease, MarketParams, OrderResponse,
    ProviderStats, TakeRate,
};
use kumo_types::registry::{self, ProviderDetails, ProviderInfo, RegistryParams};
use kumo_types::resources::*;

pub const DENOM: &str = "uakt";
pub const USDC: &str = "uusdc";
pub const GI: u64 = 1 << 30;
pub const H100_CAP: &str = "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm";
pub const INITIAL_BALANCE: u128 = 1_000_000_000;
pub const MIN_DEPOSIT: u128 = 500;
pub const BID_DEPOSIT: u128 = 50;
pub const COLLATERAL_PER_GPU: u128 = 1_000;

pub fn market_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            kumo_market::contract::execute,
            kumo_market::contract::instantiate,
            kumo_market::contract::query,
        )
        .with_migrate(kumo_market::contract::migrate),
    )
}

pub fn registry_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        kumo_registry::contract::execute,
        kumo_registry::contract::instantiate,
        kumo_registry::contract::query,
    ))
}

/// The registry with its migrate entry point, to try migrating one contract onto the other.
pub fn registry_contract_with_migrate() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            kumo_registry::contract::execute,
            kumo_registry::contract::instantiate,
            kumo_registry::contract::query,
        )
        .with_migrate(kumo_registry::contract::migrate),
    )
}

pub fn default_params() -> MarketParams {
    MarketParams {
        allowed_denoms: vec![DENOM.into(), USDC.into()],
        deployment_min_deposits: vec![coin(MIN_DEPOSIT, DENOM)],
        bid_min_deposits: vec![coin(BID_DEPOSIT, DENOM)],
        order_max_bids: 3,
        max_groups: 4,
        take_rates: vec![TakeRate {
            denom: DENOM.into(),
            rate: Decimal::percent(10),
        }],
        take_destination: FundsDestination::Burn,
        gpu_pricing_tiers: vec![],
    }
}

pub struct Suite {
    pub app: App,
    pub market: Addr,
    pub registry: Addr,
    pub governance: Addr,
    pub code_id: u64,
    /// Every deployment created through the suite, for the funds invariant.
    pub deployments: Vec<DeploymentId>,
}

pub fn dec(s: &str) -> Decimal256 {
    s.parse().unwrap()
}

/// A CPU-only group: one unit of 1 core, 1Gi, 10Gi disk, `count` replicas, at most `price`.
pub fn cpu_group(name: &str, price: &str) -> GroupSpec {
    group(name, 0, None, price)
}

/// A GPU group asking for `gpus` GPUs per instance of the given requirement key.
pub fn gpu_group(name: &str, gpus: u64, requirement: &str, price: &str) -> GroupSpec {
    group(name, gpus, Some(requirement), price)
}

fn group(name: &str, gpus: u64, requirement: Option<&str>, price: &str) -> GroupSpec {
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
                    units: ResourceValue::new(gpus),
                    attributes: requirement
                        .map(|r| vec![Attribute::new(r, "true")])
                        .unwrap_or_default(),
                },
                endpoints: vec![],
            },
            count: 1,
            price: DecCoin::new(dec(price), DENOM),
        }],
    }
}

/// An offer for a single-unit group, with the whole price on the GPU (if any) or the CPU.
pub fn offer(spec: &GroupSpec, price: &str, gpu: Option<GpuSpec>) -> Offer {
    let unit = &spec.resources[0];
    let has_gpu = unit.resource.gpu.units.get() > 0;
    let per_instance = dec(price) / Decimal256::from_ratio(unit.count, 1u32);
    Offer {
        units: vec![OfferedUnit {
            resource_id: unit.resource.id,
            gpu: if has_gpu { gpu } else { None },
            prices: if has_gpu {
                ResourcePrices {
                    gpu: per_instance,
                    ..Default::default()
                }
            } else {
                ResourcePrices {
                    cpu: per_instance,
                    ..Default::default()
                }
            },
        }],
    }
}

pub fn h100() -> GpuSpec {
    GpuSpec::new("nvidia", "h100")
        .with_ram("80Gi")
        .with_interface("sxm")
}

pub fn provider_details(attributes: Vec<Attribute>) -> ProviderDetails {
    ProviderDetails {
        host_uri: "https://provider.example.com:8443".into(),
        attributes,
        info: ProviderInfo {
            email: "ops@example.com".into(),
            website: "https://example.com".into(),
        },
        tls_cert_fingerprint: "ab".repeat(32),
    }
}

pub fn gpu_provider_attributes() -> Vec<Attribute> {
    vec![
        Attribute::new("region", "us-west"),
        Attribute::new(H100_CAP, "true"),
    ]
}

pub fn manifest_hash(seed: u8) -> HexBinary {
    HexBinary::from(vec![seed; 32])
}

/// cw-multi-test 3 turns contract errors into text; asserts that a call failed with exactly
/// this error (its message is unique per variant and carries the variant's data).
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(res: StdResult<T>, expected: impl std::fmt::Display) {
    let err = res.expect_err("the call should have failed");
    let text = err.to_string();
    let expected = expected.to_string();
    assert!(
        text.contains(&expected),
        "expected error {expected:?}, got {text:?}"
    );
}

/// Like [`assert_err`], for errors whose exact data the test doesn't pin: checks a fragment.
#[track_caller]
pub fn assert_err_contains<T: std::fmt::Debug>(res: StdResult<T>, fragment: &str) {
    let err = res.expect_err("the call should have failed");
    assert!(
        err.to_string().contains(fragment),
        "expected an error containing {fragment:?}, got {err}"
    );
}

/// Kumo events in a response, decoded.
pub fn kumo_events(res: &AppResponse) -> Vec<KumoEvent> {
    res.events
        .iter()
        .filter_map(|e| {
            let attrs: Vec<(String, String)> = e
                .attributes
                .iter()
                .map(|a| (a.key.clone(), a.value.clone()))
                .collect();
            KumoEvent::decode(&e.ty, &attrs).expect("well-formed kumo event")
        })
        .collect()
}

impl Suite {
    pub fn new() -> Self {
        Self::with_params(default_params())
    }

    pub fn with_params(params: MarketParams) -> Self {
        let mut app = App::new(|router, api, storage| {
            for name in [
                "tenant",
                "tenant2",
                "friend",
                "p1",
                "p2",
                "p3",
                "p4",
                "p5",
                "auditor",
                "governance",
                "stranger",
            ] {
                router
                    .bank
                    .init_balance(
                        storage,
                        &api.addr_make(name),
                        vec![coin(INITIAL_BALANCE, DENOM), coin(INITIAL_BALANCE, USDC)],
                    )
                    .unwrap();
            }
        });
        let governance = app.api().addr_make("governance");
        let registry_code = app.store_code(registry_contract());
        let market_code = app.store_code(market_contract());
        let registry = app
            .instantiate_contract(
                registry_code,
                governance.clone(),
                &registry::InstantiateMsg {
                    governance: governance.to_string(),
                    market: None,
                    params: RegistryParams {
                        collateral_denom: DENOM.into(),
                        unbonding_period_seconds: 3600,
                        min_collateral_per_gpu: Uint256::from(COLLATERAL_PER_GPU),
                        certified_auditors: vec![],
                        slash_destination: FundsDestination::Burn,
                    },
                },
                &[],
                "registry",
                Some(governance.to_string()),
            )
            .unwrap();
        let market = app
            .instantiate_contract(
                market_code,
                governance.clone(),
                &market::InstantiateMsg {
                    governance: governance.to_string(),
                    registry: registry.to_string(),
                    params,
                },
                &[],
                "market",
                Some(governance.to_string()),
            )
            .unwrap();
        app.execute_contract(
            governance.clone(),
            registry.clone(),
            &registry::ExecuteMsg::UpdateConfig {
                governance: None,
                market: Some(market.to_string()),
            },
            &[],
        )
        .unwrap();
        Suite {
            app,
            market,
            registry,
            governance,
            code_id: market_code,
            deployments: vec![],
        }
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    pub fn height(&self) -> u64 {
        self.app.block_info().height
    }

    pub fn advance(&mut self, blocks: u64) {
        self.app.update_block(|b| {
            b.height += blocks;
            b.time = b.time.plus_seconds(6 * blocks);
        });
    }

    /// Moves the height only (time by one block's worth), for jumps so large that the time
    /// would overflow.
    pub fn jump_height(&mut self, blocks: u64) {
        self.app.update_block(|b| {
            b.height += blocks;
            b.time = b.time.plus_seconds(6);
        });
    }

    /// Sets an account's bank balances (replacing what it had), e.g. to hold huge amounts.
    pub fn set_balance(&mut self, name: &str, coins: Vec<Coin>) {
        let addr = self.addr(name);
        self.app.init_modules(|router, _, storage| {
            router.bank.init_balance(storage, &addr, coins).unwrap();
        });
    }

    /// A smart query of the market, expected to succeed.
    pub fn query_market<T: serde::de::DeserializeOwned>(&self, msg: &market::QueryMsg) -> T {
        self.query(msg)
    }

    pub fn close_bid(
        &mut self,
        provider: &str,
        bid: &BidId,
        reason: Option<market::LeaseCloseReason>,
    ) -> StdResult<AppResponse> {
        self.market_exec(
            provider,
            &market::ExecuteMsg::CloseBid {
                id: bid.clone(),
                reason,
            },
            &[],
        )
    }

    pub fn close_lease(&mut self, owner: &str, lease: &LeaseId) -> StdResult<AppResponse> {
        self.market_exec(
            owner,
            &market::ExecuteMsg::CloseLease { id: lease.clone() },
            &[],
        )
    }

    pub fn close_deployment(&mut self, who: &str, id: &DeploymentId) -> StdResult<AppResponse> {
        self.market_exec(
            who,
            &market::ExecuteMsg::CloseDeployment { id: id.clone() },
            &[],
        )
    }

    pub fn pause_group(&mut self, who: &str, id: &GroupId) -> StdResult<AppResponse> {
        self.market_exec(who, &market::ExecuteMsg::PauseGroup { id: id.clone() }, &[])
    }

    pub fn start_group(&mut self, who: &str, id: &GroupId) -> StdResult<AppResponse> {
        self.market_exec(who, &market::ExecuteMsg::StartGroup { id: id.clone() }, &[])
    }

    pub fn close_group(&mut self, who: &str, id: &GroupId) -> StdResult<AppResponse> {
        self.market_exec(who, &market::ExecuteMsg::CloseGroup { id: id.clone() }, &[])
    }

    pub fn update_params(
        &mut self,
        who: &str,
        update: market::MarketParamsUpdate,
    ) -> StdResult<AppResponse> {
        self.market_exec(who, &market::ExecuteMsg::UpdateParams(update), &[])
    }

    pub fn balance(&self, who: &Addr, denom: &str) -> Uint256 {
        self.app.wrap().query_balance(who, denom).unwrap().amount
    }

    pub fn supply(&self, denom: &str) -> Uint256 {
        self.app.wrap().query_supply(denom).unwrap().amount
    }

    pub fn market_exec(
        &mut self,
        sender: &str,
        msg: &market::ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let sender = self.addr(sender);
        self.app
            .execute_contract(sender, self.market.clone(), msg, funds)
    }

    pub fn registry_exec(
        &mut self,
        sender: &str,
        msg: &registry::ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let sender = self.addr(sender);
        self.app
            .execute_contract(sender, self.registry.clone(), msg, funds)
    }

    /// Registers a provider with the given attributes and bonds collateral.
    pub fn register_provider(&mut self, name: &str, attributes: Vec<Attribute>, collateral: u128) {
        self.registry_exec(
            name,
            &registry::ExecuteMsg::RegisterProvider(provider_details(attributes)),
            &[],
        )
        .unwrap();
        if collateral > 0 {
            self.registry_exec(
                name,
                &registry::ExecuteMsg::BondCollateral {},
                &[coin(collateral, DENOM)],
            )
            .unwrap();
        }
    }

    pub fn register_provider_collateral(&mut self, name: &str, amount: u128) {
        self.registry_exec(
            name,
            &registry::ExecuteMsg::BondCollateral {},
            &[coin(amount, DENOM)],
        )
        .unwrap();
    }

    pub fn sign(&mut self, auditor: &str, provider: &str, attributes: Vec<Attribute>) {
        let provider = self.addr(provider).to_string();
        self.registry_exec(
            auditor,
            &registry::ExecuteMsg::SignAttributes {
                provider,
                attributes,
            },
            &[],
        )
        .unwrap();
    }

    pub fn deployment_id(&self, owner: &str, dseq: u64) -> DeploymentId {
        DeploymentId {
            owner: self.addr(owner),
            dseq,
        }
    }

    pub fn create_deployment(
        &mut self,
        owner: &str,
        dseq: u64,
        groups: Vec<GroupSpec>,
        deposit: u128,
    ) -> StdResult<AppResponse> {
        let denom = groups
            .first()
            .map(|g| g.price_denom().to_string())
            .unwrap_or_else(|| DENOM.into());
        let res = self.market_exec(
            owner,
            &market::ExecuteMsg::CreateDeployment {
                dseq,
                groups,
                manifest_hash: manifest_hash(1),
            },
            &[coin(deposit, denom)],
        )?;
        let id = self.deployment_id(owner, dseq);
        self.deployments.push(id);
        Ok(res)
    }

    pub fn order_id(&self, owner: &str, dseq: u64, gseq: u32, oseq: u32) -> OrderId {
        self.deployment_id(owner, dseq).group(gseq).order(oseq)
    }

    pub fn group_id(&self, owner: &str, dseq: u64, gseq: u32) -> GroupId {
        self.deployment_id(owner, dseq).group(gseq)
    }

    pub fn bid_id(&self, order: &OrderId, provider: &str) -> BidId {
        order.bid(&self.addr(provider))
    }

    /// Bids on an order with an offer derived from the order's spec.
    pub fn bid(&mut self, provider: &str, order: &OrderId, price: &str) -> StdResult<AppResponse> {
        let spec = self.order(order).spec;
        let offer = offer(&spec, price, Some(h100()));
        self.bid_with(provider, order, price, offer, &[coin(BID_DEPOSIT, DENOM)])
    }

    pub fn bid_with(
        &mut self,
        provider: &str,
        order: &OrderId,
        price: &str,
        offer: Offer,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let denom = self.order(order).spec.price_denom().to_string();
        self.market_exec(
            provider,
            &market::ExecuteMsg::CreateBid {
                order: order.clone(),
                price: DecCoin::new(dec(price), denom),
                offer,
            },
            funds,
        )
    }

    pub fn lease(&mut self, owner: &str, bid: &BidId) -> StdResult<AppResponse> {
        self.market_exec(
            owner,
            &market::ExecuteMsg::CreateLease { bid: bid.clone() },
            &[],
        )
    }

    pub fn withdraw(&mut self, provider: &str, lease: &LeaseId) -> StdResult<AppResponse> {
        self.market_exec(
            provider,
            &market::ExecuteMsg::WithdrawLease { id: lease.clone() },
            &[],
        )
    }

    pub fn deposit(
        &mut self,
        who: &str,
        id: &DeploymentId,
        amount: u128,
    ) -> StdResult<AppResponse> {
        self.market_exec(
            who,
            &market::ExecuteMsg::DepositDeployment { id: id.clone() },
            &[coin(amount, DENOM)],
        )
    }

    pub fn settle(&mut self, who: &str, id: &DeploymentId) -> StdResult<AppResponse> {
        self.market_exec(who, &market::ExecuteMsg::Settle { id: id.clone() }, &[])
    }

    fn query<T: serde::de::DeserializeOwned>(&self, msg: &market::QueryMsg) -> T {
        self.app.wrap().query_wasm_smart(&self.market, msg).unwrap()
    }

    pub fn try_query<T: serde::de::DeserializeOwned>(
        &self,
        msg: &market::QueryMsg,
    ) -> cosmwasm_std::StdResult<T> {
        self.app.wrap().query_wasm_smart(&self.market, msg)
    }

    pub fn order(&self, id: &OrderId) -> OrderResponse {
        self.query(&market::QueryMsg::Order { id: id.clone() })
    }

    pub fn bid_state(&self, id: &BidId) -> Bid {
        self.query(&market::QueryMsg::Bid { id: id.clone() })
    }

    pub fn lease_state(&self, id: &LeaseId) -> Lease {
        self.query(&market::QueryMsg::Lease { id: id.clone() })
    }

    pub fn deployment(&self, id: &DeploymentId) -> DeploymentResponse {
        self.query(&market::QueryMsg::Deployment { id: id.clone() })
    }

    pub fn escrow(&self, id: &DeploymentId) -> EscrowResponse {
        self.query(&market::QueryMsg::Escrow { id: id.clone() })
    }

    pub fn stats(&self, provider: &str) -> ProviderStats {
        self.query(&market::QueryMsg::ProviderStats {
            provider: self.addr(provider).to_string(),
        })
    }

    pub fn params(&self) -> MarketParams {
        self.query(&market::QueryMsg::Params {})
    }

    /// DESIGN.md's funds invariant: per denom, the market's bank balance equals what it owes:
    /// escrow balances + deposits of open and active bids + unwithdrawn earnings (the take is
    /// paid out at withdraw, so nothing is pending).
    pub fn assert_funds_invariant(&self) {
        for denom in [DENOM, USDC] {
            let mut owed = Uint256::zero();
            for id in &self.deployments {
                let Ok(dep) = self.try_query::<DeploymentResponse>(&market::QueryMsg::Deployment {
                    id: id.clone(),
                }) else {
                    continue;
                };
                // Stored (not simulated) escrow: settle-on-query must not move money.
                let escrow = self.escrow(id);
                if escrow.account.denom == denom {
                    let stored_balance = escrow.account.balance
                        + escrow
                            .payments
                            .iter()
                            .map(|p| p.unwithdrawn)
                            .fold(Uint256::zero(), |a, b| a + b);
                    owed += stored_balance;
                }
                for group in dep.groups {
                    for oseq in 1..=group.oseq {
                        let order = group.id.order(oseq);
                        let bids: market::BidsResponse =
                            self.query(&market::QueryMsg::BidsByOrder {
                                order,
                                start_after: None,
                                limit: Some(100),
                            });
                        for bid in bids.bids {
                            let held = matches!(
                                bid.state,
                                market::BidState::Open | market::BidState::Active
                            );
                            if held && bid.deposit.denom == denom {
                                owed += bid.deposit.amount;
                            }
                        }
                    }
                }
            }
            let balance = self.balance(&self.market, denom);
            assert_eq!(
                balance, owed,
                "funds invariant broken for {denom}: balance {balance}, owed {owed}"
            );
        }
    }
}
