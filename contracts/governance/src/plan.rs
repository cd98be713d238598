//! A proposal's actions, checked in order against the state the earlier ones leave behind,
//! and turned into what executing them takes. The same plan runs at submission (so that a
//! proposal that cannot execute is refused up front), right before execution (so that a
//! proposal that no longer can fails with a precise reason) and in the dispatch itself.

use cosmwasm_std::{wasm_execute, Addr, BankMsg, Coin, CosmosMsg, Decimal, Deps, Env, Uint256};
use kumo_types::coins::validate_coin_list;
use kumo_types::events::KumoEvent;
use kumo_types::governance::{
    GovernanceParams, GovernanceParamsUpdate, ProposalAction, MAX_SPEND_COINS,
};
use kumo_types::market::{self, MarketParams, MarketParamsUpdate};
use kumo_types::registry::{self, validate_slash, RegistryParams, RegistryParamsUpdate};

use crate::error::ContractError;
use crate::pool::pool_balance;
use crate::state::{Config, CONFIG, PARAMS};
use crate::targets::{
    ensure_slashable, market_params, point_registry_at_market, registry_params, validate_addr,
    verify_market, verify_registry, MARKET, REGISTRY,
};

/// What executing a proposal's actions takes.
#[derive(Debug, Default)]
pub struct Plan {
    /// To the market, the registry and the bank, in action order.
    pub messages: Vec<CosmosMsg>,
    /// This contract's params after the actions, when they change them.
    pub governance_params: Option<GovernanceParams>,
    /// This contract's config after the actions, when they rewire it.
    pub config: Option<Config>,
    pub events: Vec<KumoEvent>,
}

/// Checks and plans the actions of proposal `id`. An error names the failing action.
pub fn plan(
    deps: Deps,
    env: &Env,
    id: u64,
    actions: &[ProposalAction],
) -> Result<Plan, ContractError> {
    let mut planner = Planner {
        deps,
        env,
        id,
        config: CONFIG.load(deps.storage)?,
        governance_params: PARAMS.load(deps.storage)?,
        market_params: None,
        registry_params: None,
        pool_left: vec![],
        plan: Plan::default(),
        rewired: false,
        reparametrized: false,
    };
    for (index, action) in actions.iter().enumerate() {
        planner
            .apply(action)
            .map_err(|source| ContractError::InvalidAction {
                index,
                source: Box::new(source),
            })?;
    }
    let mut plan = planner.plan;
    if planner.rewired {
        plan.config = Some(planner.config);
    }
    if planner.reparametrized {
        plan.governance_params = Some(planner.governance_params);
    }
    Ok(plan)
}

struct Planner<'a> {
    deps: Deps<'a>,
    env: &'a Env,
    id: u64,
    config: Config,
    governance_params: GovernanceParams,
    /// The target's params as the earlier actions leave them; queried on first use.
    market_params: Option<MarketParams>,
    registry_params: Option<RegistryParams>,
    /// What the earlier spends leave of the pool, per denom; queried on first use.
    pool_left: Vec<Coin>,
    plan: Plan,
    rewired: bool,
    reparametrized: bool,
}

impl Planner<'_> {
    fn apply(&mut self, action: &ProposalAction) -> Result<(), ContractError> {
        match action {
            ProposalAction::UpdateMarketParams(update) => self.update_market(update.clone()),
            ProposalAction::SetGpuPricingTiers { tiers } => {
                self.update_market(MarketParamsUpdate {
                    gpu_pricing_tiers: Some(tiers.clone()),
                    ..Default::default()
                })
            }
            ProposalAction::UpdateRegistryParams(update) => self.update_registry(update.clone()),
            ProposalAction::SetCertifiedAuditors { auditors } => {
                self.update_registry(RegistryParamsUpdate {
                    certified_auditors: Some(auditors.clone()),
                    ..Default::default()
                })
            }
            ProposalAction::UpdateGovernanceParams(update) => self.update_governance(update),
            ProposalAction::SlashProvider {
                provider,
                fraction,
                reason,
            } => self.slash(provider, *fraction, reason),
            ProposalAction::CommunityPoolSpend { recipient, amount } => {
                self.spend(recipient, amount)
            }
            ProposalAction::SetContracts { market, registry } => {
                self.set_contracts(market.as_deref(), registry.as_deref())
            }
        }
    }

    fn market(&self) -> Result<Addr, ContractError> {
        self.config
            .market
            .clone()
            .ok_or(ContractError::NotWired { contract: MARKET })
    }

    fn registry(&self) -> Result<Addr, ContractError> {
        self.config
            .registry
            .clone()
            .ok_or(ContractError::NotWired { contract: REGISTRY })
    }

    /// The market applies `MarketParams::updated`; so does the plan, to the same params.
    fn update_market(&mut self, update: MarketParamsUpdate) -> Result<(), ContractError> {
        let market = self.market()?;
        let current = match self.market_params.take() {
            Some(params) => params,
            None => market_params(self.deps, &market)?,
        };
        self.market_params = Some(current.updated(&update)?);
        let msg = market::ExecuteMsg::UpdateParams(update);
        self.plan
            .messages
            .push(wasm_execute(market, &msg, vec![])?.into());
        Ok(())
    }

    fn update_registry(&mut self, update: RegistryParamsUpdate) -> Result<(), ContractError> {
        let registry = self.registry()?;
        let current = match self.registry_params.take() {
            Some(params) => params,
            None => registry_params(self.deps, &registry)?,
        };
        self.registry_params = Some(current.updated(&update, self.deps.api)?);
        let msg = registry::ExecuteMsg::UpdateParams(update);
        self.plan
            .messages
            .push(wasm_execute(registry, &msg, vec![])?.into());
        Ok(())
    }

    fn update_governance(&mut self, update: &GovernanceParamsUpdate) -> Result<(), ContractError> {
        self.governance_params = self.governance_params.updated(update)?;
        self.reparametrized = true;
        Ok(())
    }

    fn slash(
        &mut self,
        provider: &str,
        fraction: Decimal,
        reason: &str,
    ) -> Result<(), ContractError> {
        validate_slash(fraction, reason)?;
        let provider = validate_addr(self.deps.api, "provider", provider)?;
        let registry = self.registry()?;
        ensure_slashable(self.deps, &registry, &provider)?;
        let msg = registry::ExecuteMsg::Slash {
            provider: provider.into_string(),
            fraction,
            reason: reason.to_string(),
        };
        self.plan
            .messages
            .push(wasm_execute(registry, &msg, vec![])?.into());
        Ok(())
    }

    fn spend(&mut self, recipient: &str, amount: &[Coin]) -> Result<(), ContractError> {
        let recipient = validate_addr(self.deps.api, "recipient", recipient)?;
        if amount.is_empty()
            || amount.len() > MAX_SPEND_COINS
            || amount.iter().any(|c| c.amount.is_zero())
        {
            return Err(ContractError::InvalidSpend {
                max: MAX_SPEND_COINS,
            });
        }
        validate_coin_list("amount", amount)?;
        for coin in amount {
            let left = self.pool_left(&coin.denom)?;
            if coin.amount > *left {
                return Err(ContractError::PoolInsufficient {
                    available: Coin::new(*left, &coin.denom),
                    requested: coin.clone(),
                });
            }
            *left -= coin.amount;
        }
        self.plan.messages.push(
            BankMsg::Send {
                to_address: recipient.to_string(),
                amount: amount.to_vec(),
            }
            .into(),
        );
        self.plan.events.push(KumoEvent::PoolSpent {
            id: self.id,
            recipient,
            amount: amount.to_vec(),
        });
        Ok(())
    }

    fn pool_left(&mut self, denom: &str) -> Result<&mut Uint256, ContractError> {
        let index = match self.pool_left.iter().position(|c| c.denom == denom) {
            Some(index) => index,
            None => {
                let pool = pool_balance(self.deps, self.env, denom)?;
                self.pool_left.push(Coin::new(pool, denom));
                self.pool_left.len() - 1
            }
        };
        Ok(&mut self.pool_left[index].amount)
    }

    fn set_contracts(
        &mut self,
        market: Option<&str>,
        registry: Option<&str>,
    ) -> Result<(), ContractError> {
        if market.is_none() && registry.is_none() {
            return Err(ContractError::NothingToWire);
        }
        if let Some(market) = market {
            self.config.market = Some(verify_market(self.deps, self.env, market)?);
            self.market_params = None;
        }
        if let Some(registry) = registry {
            self.config.registry = Some(verify_registry(self.deps, self.env, registry)?);
            self.registry_params = None;
        }
        // Governance has taken over the wiring.
        self.config.wirer = None;
        self.rewired = true;
        if let (Some(market), Some(registry)) = (&self.config.market, &self.config.registry) {
            let msg = point_registry_at_market(registry, market)?;
            self.plan.messages.push(msg);
        }
        Ok(())
    }
}
