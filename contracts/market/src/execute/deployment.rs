use cosmwasm_std::{DepsMut, Env, HexBinary, MessageInfo, Response, Uint256};
use cw_utils::must_pay;
use kumo_types::events::KumoEvent;
use kumo_types::ids::DeploymentId;
use kumo_types::market::{
    Deployment, DeploymentState, EscrowAccount, Group, GroupState, LeaseCloseReason,
};
use kumo_types::resources::GroupSpec;
use kumo_types::ValidationError;

use super::{ensure_sender, load_active_deployment, load_setup};
use crate::error::ContractError;
use crate::escrow;
use crate::lifecycle::{open_order, send, settle_deployment, stop_group};
use crate::state::{deployment_key, group_key, DEPLOYMENTS, ESCROW, GROUPS};

fn validate_manifest_hash(hash: &HexBinary) -> Result<(), ValidationError> {
    if hash.len() != 32 {
        return Err(ValidationError::new(
            "manifest_hash",
            format!(
                "must be a sha256 digest (32 bytes), got {} bytes",
                hash.len()
            ),
        ));
    }
    Ok(())
}

/// Checks the groups together: count, each spec, unique names, auditor addresses, one denom.
fn validate_groups(
    deps: &DepsMut,
    groups: &[GroupSpec],
    max_groups: u32,
) -> Result<(), ContractError> {
    if groups.is_empty() || groups.len() > max_groups as usize {
        return Err(ValidationError::new(
            "groups",
            format!("{} groups, 1-{max_groups} allowed", groups.len()),
        )
        .into());
    }
    let denom = groups[0].price_denom();
    for (i, group) in groups.iter().enumerate() {
        let field = format!("groups[{i}]");
        group.validate(&field)?;
        if groups[..i].iter().any(|g| g.name == group.name) {
            return Err(ValidationError::new(
                format!("{field}.name"),
                format!("{:?} is used by another group", group.name),
            )
            .into());
        }
        if group.price_denom() != denom {
            return Err(ValidationError::new(
                format!("{field}.resources[0].price.denom"),
                format!("{} differs from groups[0]'s denom {denom}: a deployment is priced in one denom", group.price_denom()),
            )
            .into());
        }
        let signed_by = &group.requirements.signed_by;
        for (list, auditors) in [("all_of", &signed_by.all_of), ("any_of", &signed_by.any_of)] {
            for (j, auditor) in auditors.iter().enumerate() {
                deps.api.addr_validate(auditor).map_err(|e| {
                    ValidationError::new(
                        format!("{field}.requirements.signed_by.{list}[{j}]"),
                        format!("{auditor:?} is not an address: {e}"),
                    )
                })?;
            }
        }
    }
    Ok(())
}

pub fn create(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    dseq: u64,
    groups: Vec<GroupSpec>,
    manifest_hash: HexBinary,
) -> Result<Response, ContractError> {
    let setup = load_setup(deps.storage, &env)?;
    let params = &setup.params;
    if dseq == 0 {
        return Err(ValidationError::new("dseq", "must be positive").into());
    }
    let id = DeploymentId {
        owner: info.sender.clone(),
        dseq,
    };
    if DEPLOYMENTS.has(deps.storage, deployment_key(&id)) {
        return Err(ContractError::DeploymentExists(id.to_string()));
    }
    validate_manifest_hash(&manifest_hash)?;
    validate_groups(&deps, &groups, params.max_groups)?;
    let denom = groups[0].price_denom().to_string();
    if !params.allowed_denoms.contains(&denom) {
        return Err(ContractError::DenomNotAllowed { denom });
    }
    let amount = must_pay(&info, &denom)?;
    let min = params.min_deposit(&denom);
    if amount < min {
        return Err(ContractError::DepositTooSmall { denom, amount, min });
    }

    let height = env.block.height;
    let mut res = Response::new().add_event(KumoEvent::DeploymentCreated {
        id: id.clone(),
        manifest_hash: manifest_hash.to_hex(),
    });
    DEPLOYMENTS.save(
        deps.storage,
        deployment_key(&id),
        &Deployment {
            id: id.clone(),
            state: DeploymentState::Active,
            manifest_hash,
            created_at: height,
            group_count: groups.len() as u32,
        },
    )?;
    for (gseq, spec) in (1u32..).zip(groups) {
        let mut group = Group {
            id: id.group(gseq),
            state: GroupState::Open,
            spec,
            oseq: 0,
            created_at: height,
        };
        open_order(deps.storage, &mut group, height, &mut res)?;
        GROUPS.save(deps.storage, group_key(&group.id), &group)?;
    }
    let mut account = EscrowAccount {
        id: id.clone(),
        denom: denom.clone(),
        balance: Uint256::zero(),
        depositors: vec![],
        transferred: Uint256::zero(),
        settled_at: height,
    };
    escrow::add_deposit(&mut account, &info.sender, amount)?;
    ESCROW.save(deps.storage, deployment_key(&id), &account)?;
    Ok(res.add_event(KumoEvent::EscrowDeposited {
        id,
        depositor: info.sender,
        amount: cosmwasm_std::Coin::new(amount, denom),
    }))
}

pub fn update(
    deps: DepsMut,
    info: MessageInfo,
    id: DeploymentId,
    manifest_hash: HexBinary,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.owner, "deployment owner")?;
    let mut deployment = load_active_deployment(deps.storage, &id)?;
    validate_manifest_hash(&manifest_hash)?;
    if deployment.manifest_hash == manifest_hash {
        return Err(ContractError::ManifestUnchanged);
    }
    deployment.manifest_hash = manifest_hash;
    DEPLOYMENTS.save(deps.storage, deployment_key(&id), &deployment)?;
    Ok(Response::new().add_event(KumoEvent::DeploymentUpdated {
        id,
        manifest_hash: deployment.manifest_hash.to_hex(),
    }))
}

/// Anyone may top up. Settles first, so a deposit never pays for blocks that ran dry before it.
pub fn deposit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: DeploymentId,
) -> Result<Response, ContractError> {
    let setup = load_setup(deps.storage, &env)?;
    load_active_deployment(deps.storage, &id)?;
    let mut res = Response::new();
    let mut account = settle_deployment(deps.storage, &id, &setup, &mut res)?;
    let amount = must_pay(&info, &account.denom)?;
    escrow::add_deposit(&mut account, &info.sender, amount)?;
    ESCROW.save(deps.storage, deployment_key(&id), &account)?;
    Ok(res.add_event(KumoEvent::EscrowDeposited {
        id,
        depositor: info.sender,
        amount: cosmwasm_std::Coin::new(amount, account.denom),
    }))
}

/// Settles, closes every group (and its lease or order), and refunds each depositor.
pub fn close(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    id: DeploymentId,
) -> Result<Response, ContractError> {
    ensure_sender(&info.sender, &id.owner, "deployment owner")?;
    let setup = load_setup(deps.storage, &env)?;
    let mut deployment = load_active_deployment(deps.storage, &id)?;
    let mut res = Response::new();
    let mut account = settle_deployment(deps.storage, &id, &setup, &mut res)?;
    for gseq in 1..=deployment.group_count {
        let gkey = group_key(&id.group(gseq));
        let mut group = GROUPS.load(deps.storage, gkey.clone())?;
        if group.state == GroupState::Closed {
            continue;
        }
        stop_group(
            deps.storage,
            &group,
            LeaseCloseReason::Owner,
            &setup,
            &mut res,
        )?;
        group.state = GroupState::Closed;
        GROUPS.save(deps.storage, gkey, &group)?;
        res = res.add_event(KumoEvent::GroupClosed { id: group.id });
    }
    for (depositor, amount) in escrow::drain_refunds(&mut account) {
        send(&mut res, &depositor, amount, &account.denom);
    }
    ESCROW.save(deps.storage, deployment_key(&id), &account)?;
    deployment.state = DeploymentState::Closed;
    DEPLOYMENTS.save(deps.storage, deployment_key(&id), &deployment)?;
    Ok(res.add_event(KumoEvent::DeploymentClosed { id }))
}
