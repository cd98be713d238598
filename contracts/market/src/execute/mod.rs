//! Execute handlers, one module per kind of thing they change.

pub mod admin;
pub mod bid;
pub mod deployment;
pub mod group;
pub mod lease;

use cosmwasm_std::{Addr, Env, Storage};
use kumo_types::ids::DeploymentId;
use kumo_types::market::{Deployment, DeploymentState, MarketParams};

use crate::error::ContractError;
use crate::state::{deployment_key, Config, CONFIG, DEPLOYMENTS, PARAMS};

/// What most handlers need besides storage: the wiring, the params and the current height.
pub struct Setup {
    pub config: Config,
    pub params: MarketParams,
    pub height: u64,
}

pub(crate) fn load_setup(storage: &dyn Storage, env: &Env) -> Result<Setup, ContractError> {
    Ok(Setup {
        config: CONFIG.load(storage)?,
        params: PARAMS.load(storage)?,
        height: env.block.height,
    })
}

pub(crate) fn ensure_sender(
    sender: &Addr,
    expected: &Addr,
    role: &str,
) -> Result<(), ContractError> {
    if sender != expected {
        return Err(ContractError::Unauthorized(format!(
            "only the {role} ({expected}) may do this, not {sender}"
        )));
    }
    Ok(())
}

/// Loads a deployment that must still be active.
pub(crate) fn load_active_deployment(
    storage: &dyn Storage,
    id: &DeploymentId,
) -> Result<Deployment, ContractError> {
    let deployment = DEPLOYMENTS
        .may_load(storage, deployment_key(id))?
        .ok_or_else(|| ContractError::not_found("deployment", id))?;
    if deployment.state != DeploymentState::Active {
        return Err(ContractError::wrong_state(
            "deployment",
            id,
            deployment.state,
            "active",
        ));
    }
    Ok(deployment)
}
