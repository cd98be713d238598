//! Startup checks against the registry: each refusal says what to run, and
//! `--sync-registry` fixes what the provider itself can fix.

use std::time::Duration;

use kumo_provider::daemon::DaemonError;
use kumo_types::registry::{Provider, QueryMsg as RegistryQuery};

use crate::common::*;

async fn refusal(provider: &ProviderSetup) -> String {
    match provider.try_start().await {
        Ok(running) => {
            running.stop().await;
            panic!("the daemon started");
        }
        Err(e @ DaemonError::Startup(_)) => e.to_string(),
        Err(e) => panic!("not a startup refusal: {e}"),
    }
}

#[test]
fn startup_checks_the_registration_and_sync_registry_fixes_it() {
    run_test(Duration::from_secs(120), async {
        let mut provider =
            ProviderSetup::unregistered("startup", 13, ProviderFile::default()).await;

        let err = refusal(&provider).await;
        assert!(err.contains("is not registered"), "{err}");
        assert!(
            err.contains("kumo provider register provider.yaml"),
            "{err}"
        );

        // Registered without the A100 the inventory has, and with another certificate.
        let mut attributes = provider.desired_attributes();
        attributes.retain(|a| !a.key.contains("a100"));
        provider.register(attributes, &"ab".repeat(32)).await;
        let err = refusal(&provider).await;
        assert!(
            err.contains("capabilities/gpu/vendor/nvidia/model/a100"),
            "{err}"
        );
        assert!(err.contains("--sync-registry"), "{err}");

        // --sync-registry updates attributes and fingerprint; then collateral is missing.
        provider.options.sync_registry = true;
        let err = refusal(&provider).await;
        assert!(err.contains("kumo provider bond"), "{err}");
        let client = client().await;
        let registered: Provider = client
            .query_registry(&RegistryQuery::Provider {
                address: provider.address.clone(),
            })
            .await
            .unwrap();
        assert_eq!(registered.tls_cert_fingerprint, provider.fingerprint);
        let mut want = provider.desired_attributes();
        let mut have = registered.attributes;
        want.sort_by(|a, b| a.key.cmp(&b.key));
        have.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(have, want);

        // Bonded: it starts, without needing the flag any more.
        provider.bond(BOND).await;
        provider.options.sync_registry = false;
        provider.start().await.stop().await;
    });
}
