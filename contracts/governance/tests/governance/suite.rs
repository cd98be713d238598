//! A cw-multi-test world with all three contracts, deployed the way a chain would be:
//! governance first, then the registry and the market naming it as their governance, then
//! `WireContracts`. Funded accounts, and typed helpers for every message and query.

use cosmwasm_std::{
    coin, Addr, Coin, Decimal, Decimal256, Empty, HexBinary, StdResult, Timestamp, Uint256,
};
use cw_multi_test::{App, AppResponse, Contract, ContractWrapper, Executor};
use kumo_types::attributes::{Attribute, PlacementRequirements, SignedBy};
use kumo_types::coins::{DecCoin, FundsDestination};
use kumo_types::events::KumoEvent;
use kumo_types::governance::{
    ConfigResponse, DepositsResponse, ExecuteMsg, GovernanceParams, InstantiateMsg, MigrateMsg,
    ProposalAction, ProposalResponse, ProposalStatus, ProposalsResponse, QueryMsg, StakeResponse,
    TallyResponse, TallyResult, TotalPowerResponse, VoteOption, VoteResponse, VotingPowerResponse,
    WeightedVoteOption,
};
use kumo_types::gpu::GpuSpec;
use kumo_types::ids::{BidId, OrderId};
use kumo_types::market::{self, MarketParams, TakeRate};
use kumo_types::registry::{
    self, CollateralResponse, ProviderDetails, ProviderInfo, RegistryParams,
};
use kumo_types::resources::*;

pub const DENOM: &str = "uakt";
pub const USDC: &str = "uusdc";
pub const INITIAL_BALANCE: u128 = 1_000_000_000;
pub const BLOCK_SECONDS: u64 = 6;

pub const MIN_DEPOSIT: u128 = 1_000;
pub const EXPEDITED_MIN_DEPOSIT: u128 = 5_000;
pub const DEPOSIT_PERIOD: u64 = 3_600;
pub const VOTING_PERIOD: u64 = 7_200;
pub const EXPEDITED_VOTING_PERIOD: u64 = 1_800;
pub const TIMELOCK: u64 = 600;
pub const UNBONDING: u64 = 8_000;

pub const REGISTRY_UNBONDING: u64 = 3_600;
pub const COLLATERAL_PER_GPU: u128 = 1_000;
pub const MARKET_MIN_DEPOSIT: u128 = 500;
pub const BID_DEPOSIT: u128 = 50;
pub const H100_CAP: &str = "capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm";

/// Stakers of most tests: 1000 in all.
pub const STAKERS: [(&str, u128); 4] =
    [("alice", 400), ("bob", 300), ("carol", 200), ("dave", 100)];

/// Accounts funded at genesis with `INITIAL_BALANCE` of both denoms.
pub const ACCOUNTS: &[&str] = &[
    "deployer",
    "alice",
    "bob",
    "carol",
    "dave",
    "eve",
    "proposer",
    "p1",
    "p2",
    "auditor",
    "auditor2",
    "tenant",
    "stranger",
    "recipient",
    "donor",
];

pub fn governance_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            kumo_governance::contract::execute,
            kumo_governance::contract::instantiate,
            kumo_governance::contract::query,
        )
        .with_reply(kumo_governance::contract::reply)
        .with_migrate(kumo_governance::contract::migrate),
    )
}

pub fn market_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        kumo_market::contract::execute,
        kumo_market::contract::instantiate,
        kumo_market::contract::query,
    ))
}

pub fn registry_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            kumo_registry::contract::execute,
            kumo_registry::contract::instantiate,
            kumo_registry::contract::query,
        )
        .with_migrate(kumo_registry::contract::migrate),
    )
}

pub fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn dec256(s: &str) -> Decimal256 {
    s.parse().unwrap()
}

pub fn uakt(amount: u128) -> Coin {
    coin(amount, DENOM)
}

pub fn gov_params() -> GovernanceParams {
    GovernanceParams {
        staking_denom: DENOM.into(),
        min_deposit: uakt(MIN_DEPOSIT),
        expedited_min_deposit: uakt(EXPEDITED_MIN_DEPOSIT),
        min_initial_deposit_ratio: Decimal::percent(25),
        min_deposit_ratio: Decimal::percent(1),
        max_deposit_period_seconds: DEPOSIT_PERIOD,
        voting_period_seconds: VOTING_PERIOD,
        expedited_voting_period_seconds: EXPEDITED_VOTING_PERIOD,
        timelock_seconds: TIMELOCK,
        unbonding_period_seconds: UNBONDING,
        quorum: dec("0.334"),
        threshold: dec("0.5"),
        expedited_threshold: dec("0.667"),
        veto_threshold: dec("0.334"),
        burn_deposit_on_no_quorum: false,
        cancel_burn_ratio: Decimal::percent(50),
    }
}

pub fn market_params() -> MarketParams {
    MarketParams {
        allowed_denoms: vec![DENOM.into(), USDC.into()],
        deployment_min_deposits: vec![coin(MARKET_MIN_DEPOSIT, DENOM)],
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

pub fn registry_params() -> RegistryParams {
    RegistryParams {
        collateral_denom: DENOM.into(),
        unbonding_period_seconds: REGISTRY_UNBONDING,
        min_collateral_per_gpu: Uint256::from(COLLATERAL_PER_GPU),
        certified_auditors: vec![],
        slash_destination: FundsDestination::Burn,
    }
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

pub fn yes() -> Vec<WeightedVoteOption> {
    vec![WeightedVoteOption::new(VoteOption::Yes, Decimal::one())]
}

pub fn weighted(parts: &[(VoteOption, &str)]) -> Vec<WeightedVoteOption> {
    parts
        .iter()
        .map(|(o, w)| WeightedVoteOption::new(*o, dec(w)))
        .collect()
}

pub fn tally(yes: u128, no: u128, abstain: u128, no_with_veto: u128) -> TallyResult {
    TallyResult {
        yes: yes.into(),
        no: no.into(),
        abstain: abstain.into(),
        no_with_veto: no_with_veto.into(),
    }
}

pub struct Suite {
    pub app: App,
    pub gov: Addr,
    pub market: Addr,
    pub registry: Addr,
    pub gov_code: u64,
    pub registry_code: u64,
}

impl Suite {
    /// All three contracts, wired.
    pub fn new() -> Self {
        Self::with_params(gov_params())
    }

    /// All three contracts with these governance params, wired.
    pub fn with_params(params: GovernanceParams) -> Self {
        let mut suite = Self::unwired(params);
        let (market, registry) = (suite.market.to_string(), suite.registry.to_string());
        suite
            .gov_exec(
                "deployer",
                &ExecuteMsg::WireContracts {
                    market: Some(market),
                    registry: Some(registry),
                },
                &[],
            )
            .unwrap();
        suite
    }

    /// All three contracts deployed, governance not yet wired to the other two.
    pub fn unwired(params: GovernanceParams) -> Self {
        let mut app = App::new(|router, api, storage| {
            for name in ACCOUNTS {
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
        let deployer = app.api().addr_make("deployer");
        let gov_code = app.store_code(governance_contract());
        let registry_code = app.store_code(registry_contract());
        let market_code = app.store_code(market_contract());
        let gov = app
            .instantiate_contract(
                gov_code,
                deployer.clone(),
                &InstantiateMsg {
                    market: None,
                    registry: None,
                    params,
                },
                &[],
                "governance",
                Some(deployer.to_string()),
            )
            .unwrap();
        // The governance contract is the chain admin of all three, itself included.
        app.execute(
            deployer.clone(),
            cosmwasm_std::WasmMsg::UpdateAdmin {
                contract_addr: gov.to_string(),
                admin: gov.to_string(),
            }
            .into(),
        )
        .unwrap();
        let registry = app
            .instantiate_contract(
                registry_code,
                deployer.clone(),
                &registry::InstantiateMsg {
                    governance: gov.to_string(),
                    market: None,
                    params: registry_params(),
                },
                &[],
                "registry",
                Some(gov.to_string()),
            )
            .unwrap();
        let market = app
            .instantiate_contract(
                market_code,
                deployer,
                &market::InstantiateMsg {
                    governance: gov.to_string(),
                    registry: registry.to_string(),
                    params: market_params(),
                },
                &[],
                "market",
                Some(gov.to_string()),
            )
            .unwrap();
        Suite {
            app,
            gov,
            market,
            registry,
            gov_code,
            registry_code,
        }
    }

    /// The standard stakers stake, and a block passes so that their stake counts.
    pub fn with_stakers() -> Self {
        let mut suite = Self::new();
        suite.stake_all(&STAKERS);
        suite
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    pub fn height(&self) -> u64 {
        self.app.block_info().height
    }

    pub fn now(&self) -> Timestamp {
        self.app.block_info().time
    }

    pub fn next_block(&mut self) {
        self.app.update_block(|b| {
            b.height += 1;
            b.time = b.time.plus_seconds(BLOCK_SECONDS);
        });
    }

    /// Moves time by `seconds`, and the height by as many blocks (at least one).
    pub fn advance(&mut self, seconds: u64) {
        self.app.update_block(|b| {
            b.height += (seconds / BLOCK_SECONDS).max(1);
            b.time = b.time.plus_seconds(seconds);
        });
    }

    /// Moves time to exactly `time` (forward), one block later.
    pub fn advance_to(&mut self, time: Timestamp) {
        assert!(time >= self.now(), "time only moves forward");
        self.app.update_block(|b| {
            b.height += 1;
            b.time = time;
        });
    }

    pub fn balance(&self, who: &Addr, denom: &str) -> Uint256 {
        self.app.wrap().query_balance(who, denom).unwrap().amount
    }

    pub fn balance_of(&self, name: &str) -> Uint256 {
        self.balance(&self.addr(name), DENOM)
    }

    pub fn supply(&self, denom: &str) -> Uint256 {
        self.app.wrap().query_supply(denom).unwrap().amount
    }

    pub fn send(&mut self, from: &str, to: &Addr, amount: Vec<Coin>) {
        let from = self.addr(from);
        self.app.send_tokens(from, to.clone(), &amount).unwrap();
    }

    // ---- governance: execute ----

    pub fn gov_exec(
        &mut self,
        sender: &str,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> StdResult<AppResponse> {
        let sender = self.addr(sender);
        self.app
            .execute_contract(sender, self.gov.clone(), msg, funds)
    }

    pub fn stake(&mut self, who: &str, amount: u128) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::Stake {}, &[uakt(amount)])
    }

    /// Stakes for each, then moves to the next block so that the stakes carry power.
    pub fn stake_all(&mut self, stakes: &[(&str, u128)]) {
        for (who, amount) in stakes {
            self.stake(who, *amount).unwrap();
        }
        self.next_block();
    }

    pub fn unstake(&mut self, who: &str, amount: u128) -> StdResult<AppResponse> {
        self.gov_exec(
            who,
            &ExecuteMsg::Unstake {
                amount: amount.into(),
            },
            &[],
        )
    }

    pub fn claim(&mut self, who: &str) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::Claim {}, &[])
    }

    pub fn submit_with(
        &mut self,
        who: &str,
        actions: Vec<ProposalAction>,
        expedited: bool,
        funds: &[Coin],
    ) -> StdResult<u64> {
        let res = self.gov_exec(
            who,
            &ExecuteMsg::SubmitProposal {
                title: "A proposal".into(),
                description: "What it changes and why.".into(),
                actions,
                expedited,
            },
            funds,
        )?;
        Ok(kumo_events(&res)
            .iter()
            .find_map(|e| match e {
                KumoEvent::ProposalSubmitted { id, .. } => Some(*id),
                _ => None,
            })
            .expect("a proposal_submitted event"))
    }

    /// A regular proposal by "proposer" with the given deposit.
    pub fn submit(&mut self, actions: Vec<ProposalAction>, deposit: u128) -> StdResult<u64> {
        self.submit_with("proposer", actions, false, &[uakt(deposit)])
    }

    /// A regular proposal with the full min deposit: voting starts at once.
    pub fn propose(&mut self, actions: Vec<ProposalAction>) -> StdResult<u64> {
        self.submit(actions, MIN_DEPOSIT)
    }

    pub fn deposit(&mut self, who: &str, id: u64, amount: u128) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::Deposit { id }, &[uakt(amount)])
    }

    pub fn vote(&mut self, who: &str, id: u64, option: VoteOption) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::Vote { id, option }, &[])
    }

    pub fn vote_weighted(
        &mut self,
        who: &str,
        id: u64,
        options: Vec<WeightedVoteOption>,
    ) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::VoteWeighted { id, options }, &[])
    }

    pub fn cancel(&mut self, who: &str, id: u64) -> StdResult<AppResponse> {
        self.gov_exec(who, &ExecuteMsg::CancelProposal { id }, &[])
    }

    pub fn expire(&mut self, id: u64) -> StdResult<AppResponse> {
        self.gov_exec("stranger", &ExecuteMsg::Expire { id }, &[])
    }

    pub fn tally(&mut self, id: u64) -> StdResult<AppResponse> {
        self.gov_exec("stranger", &ExecuteMsg::Tally { id }, &[])
    }

    pub fn execute(&mut self, id: u64) -> StdResult<AppResponse> {
        self.gov_exec("stranger", &ExecuteMsg::ExecuteProposal { id }, &[])
    }

    /// Voting ends (exactly at its end time) and the proposal is tallied.
    pub fn end_voting(&mut self, id: u64) -> StdResult<AppResponse> {
        let end = self.proposal(id).voting_end_time.expect("voting started");
        self.advance_to(end);
        self.tally(id)
    }

    /// Submits with the full deposit, every standard staker votes yes, voting ends and the
    /// proposal is tallied (passed) and its timelock elapses. Returns the id.
    pub fn pass(&mut self, actions: Vec<ProposalAction>) -> u64 {
        let id = self.propose(actions).unwrap();
        for (who, _) in STAKERS {
            self.vote(who, id, VoteOption::Yes).unwrap();
        }
        self.end_voting(id).unwrap();
        assert_eq!(self.proposal(id).status, ProposalStatus::Passed);
        self.advance(TIMELOCK);
        id
    }

    /// Passes and executes a proposal; returns the execution's response.
    pub fn pass_and_execute(&mut self, actions: Vec<ProposalAction>) -> (u64, AppResponse) {
        let id = self.pass(actions);
        let res = self.execute(id).unwrap();
        (id, res)
    }

    // ---- governance: queries ----

    pub fn gov_query<T: serde::de::DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(&self.gov, msg)
    }

    pub fn proposal_full(&self, id: u64) -> ProposalResponse {
        self.gov_query(&QueryMsg::Proposal { id }).unwrap()
    }

    pub fn proposal(&self, id: u64) -> kumo_types::governance::Proposal {
        self.proposal_full(id).proposal
    }

    pub fn proposals(&self, status: Option<ProposalStatus>) -> Vec<u64> {
        let res: ProposalsResponse = self
            .gov_query(&QueryMsg::Proposals {
                status,
                start_after: None,
                limit: Some(100),
            })
            .unwrap();
        res.proposals.into_iter().map(|p| p.id).collect()
    }

    pub fn deposits(&self, id: u64) -> Vec<(Addr, Uint256)> {
        let res: DepositsResponse = self.gov_query(&QueryMsg::Deposits { id }).unwrap();
        res.deposits
            .into_iter()
            .map(|d| (d.depositor, d.amount.amount))
            .collect()
    }

    pub fn tally_of(&self, id: u64) -> TallyResponse {
        self.gov_query(&QueryMsg::Tally { id }).unwrap()
    }

    pub fn vote_of(&self, id: u64, who: &str) -> VoteResponse {
        self.gov_query(&QueryMsg::Vote {
            id,
            voter: self.addr(who).to_string(),
        })
        .unwrap()
    }

    pub fn power(&self, who: &str, height: Option<u64>) -> Uint256 {
        let res: VotingPowerResponse = self
            .gov_query(&QueryMsg::VotingPower {
                address: self.addr(who).to_string(),
                height,
            })
            .unwrap();
        res.power
    }

    pub fn total_power(&self, height: Option<u64>) -> Uint256 {
        let res: TotalPowerResponse = self.gov_query(&QueryMsg::TotalPower { height }).unwrap();
        res.power
    }

    pub fn stake_of(&self, who: &str) -> StakeResponse {
        self.gov_query(&QueryMsg::Stake {
            address: self.addr(who).to_string(),
        })
        .unwrap()
    }

    pub fn pool(&self, denom: &str) -> Uint256 {
        let coin: Coin = self
            .gov_query(&QueryMsg::CommunityPool {
                denom: denom.into(),
            })
            .unwrap();
        assert_eq!(coin.denom, denom);
        coin.amount
    }

    pub fn gov_params(&self) -> GovernanceParams {
        self.gov_query(&QueryMsg::Params {}).unwrap()
    }

    pub fn gov_config(&self) -> ConfigResponse {
        self.gov_query(&QueryMsg::Config {}).unwrap()
    }

    pub fn migrate_gov(&mut self, code_id: u64) -> StdResult<AppResponse> {
        let gov = self.gov.clone();
        self.app
            .migrate_contract(gov.clone(), gov, &MigrateMsg {}, code_id)
    }

    // ---- market and registry ----

    pub fn market_params(&self) -> MarketParams {
        self.app
            .wrap()
            .query_wasm_smart(&self.market, &market::QueryMsg::Params {})
            .unwrap()
    }

    pub fn registry_params(&self) -> RegistryParams {
        self.app
            .wrap()
            .query_wasm_smart(&self.registry, &registry::QueryMsg::Params {})
            .unwrap()
    }

    pub fn collateral(&self, provider: &str) -> CollateralResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                &self.registry,
                &registry::QueryMsg::Collateral {
                    provider: self.addr(provider).to_string(),
                },
            )
            .unwrap()
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

    /// Registers a provider advertising an H100 and bonds `collateral`.
    pub fn register_gpu_provider(&mut self, name: &str, collateral: u128) {
        let details = provider_details(vec![
            Attribute::new("region", "us-west"),
            Attribute::new(H100_CAP, "true"),
        ]);
        self.registry_exec(name, &registry::ExecuteMsg::RegisterProvider(details), &[])
            .unwrap();
        if collateral > 0 {
            self.registry_exec(
                name,
                &registry::ExecuteMsg::BondCollateral {},
                &[uakt(collateral)],
            )
            .unwrap();
        }
    }

    /// The auditor signs the provider's H100 capability.
    pub fn certify_h100(&mut self, auditor: &str, provider: &str) {
        let provider = self.addr(provider).to_string();
        self.registry_exec(
            auditor,
            &registry::ExecuteMsg::SignAttributes {
                provider,
                attributes: vec![Attribute::new(H100_CAP, "true")],
            },
            &[],
        )
        .unwrap();
    }

    /// The tenant deploys one group asking for one H100 at up to `max_price` per block;
    /// returns its first order.
    pub fn deploy_gpu_group(&mut self, dseq: u64, max_price: &str) -> OrderId {
        let spec = gpu_group("train", "vendor/nvidia/model/h100", max_price);
        self.market_exec(
            "tenant",
            &market::ExecuteMsg::CreateDeployment {
                dseq,
                groups: vec![spec],
                manifest_hash: HexBinary::from(vec![7u8; 32]),
            },
            &[uakt(10 * MARKET_MIN_DEPOSIT)],
        )
        .unwrap();
        let owner = self.addr("tenant");
        kumo_types::ids::DeploymentId { owner, dseq }
            .group(1)
            .order(1)
    }

    /// The provider bids `price` per block, all of it on the one H100.
    pub fn bid_h100(
        &mut self,
        provider: &str,
        order: &OrderId,
        price: &str,
    ) -> StdResult<AppResponse> {
        let offer = Offer {
            units: vec![OfferedUnit {
                resource_id: 1,
                gpu: Some(h100()),
                prices: ResourcePrices {
                    gpu: dec256(price),
                    ..Default::default()
                },
            }],
        };
        self.market_exec(
            provider,
            &market::ExecuteMsg::CreateBid {
                order: order.clone(),
                price: DecCoin::new(dec256(price), DENOM),
                offer,
            },
            &[uakt(BID_DEPOSIT)],
        )
    }

    pub fn bid_id(&self, order: &OrderId, provider: &str) -> BidId {
        order.bid(&self.addr(provider))
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

/// One unit of 1 core, 1Gi, 10Gi disk and one GPU matching `requirement`, at most `price`.
pub fn gpu_group(name: &str, requirement: &str, price: &str) -> GroupSpec {
    const GI: u64 = 1 << 30;
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
                    units: ResourceValue::new(1),
                    attributes: vec![Attribute::new(requirement, "true")],
                },
                endpoints: vec![],
            },
            count: 1,
            price: DecCoin::new(dec256(price), DENOM),
        }],
    }
}
