//! Hardware certification: governance names the auditors whose GPU attestations the market
//! trusts; an uncertified provider's GPU bid is then refused and a certified one accepted.

use kumo_governance::ContractError;
use kumo_types::events::KumoEvent;
use kumo_types::governance::ProposalAction;
use kumo_types::ValidationError;

use crate::suite::*;

#[test]
fn certified_auditors_decide_which_gpu_bids_are_accepted() {
    let mut s = Suite::with_stakers();
    s.register_gpu_provider("p1", 5 * COLLATERAL_PER_GPU);
    s.register_gpu_provider("p2", 5 * COLLATERAL_PER_GPU);
    s.certify_h100("auditor", "p1");
    // p2's H100 is vouched for by an auditor governance will not trust.
    s.certify_h100("auditor2", "p2");

    let auditor = s.addr("auditor").to_string();
    let (id, res) = s.pass_and_execute(vec![ProposalAction::SetCertifiedAuditors {
        auditors: vec![auditor.clone()],
    }]);
    assert_eq!(
        kumo_events(&res),
        vec![
            KumoEvent::ProposalExecuted { id },
            KumoEvent::ParamsUpdated {
                contract: "registry".into()
            },
        ]
    );
    assert_eq!(s.registry_params().certified_auditors, vec![auditor]);

    let order = s.deploy_gpu_group(1, "100");
    assert_err(
        s.bid_h100("p2", &order, "40"),
        kumo_market::ContractError::GpuNotCertified(h100().to_string()),
    );
    s.bid_h100("p1", &order, "40").unwrap();
    assert_eq!(
        s.app
            .wrap()
            .query_wasm_smart::<kumo_types::market::Bid>(
                &s.market,
                &kumo_types::market::QueryMsg::Bid {
                    id: s.bid_id(&order, "p1")
                }
            )
            .unwrap()
            .state,
        kumo_types::market::BidState::Open
    );
}

#[test]
fn an_invalid_auditor_list_is_refused_at_submission() {
    let mut s = Suite::with_stakers();
    let auditor = s.addr("auditor").to_string();
    assert_err(
        s.propose(vec![ProposalAction::SetCertifiedAuditors {
            auditors: vec![auditor.clone(), auditor.clone()],
        }]),
        ContractError::InvalidAction {
            index: 0,
            source: Box::new(ContractError::Validation(ValidationError::new(
                "certified_auditors[1]",
                format!("{auditor} is listed twice"),
            ))),
        },
    );
    assert_err(
        s.propose(vec![ProposalAction::SetCertifiedAuditors {
            auditors: vec!["not an address".into()],
        }]),
        "actions[0]: invalid input: certified_auditors[0]: \"not an address\" is not an address",
    );
    let too_many: Vec<String> = (0..33)
        .map(|i| s.addr(&format!("a{i}")).to_string())
        .collect();
    assert_err(
        s.propose(vec![ProposalAction::SetCertifiedAuditors {
            auditors: too_many,
        }]),
        "actions[0]: invalid input: certified_auditors: 33 auditors, at most 32 allowed",
    );
    // Nothing was stored.
    assert_eq!(s.proposals(None), Vec::<u64>::new());
}
