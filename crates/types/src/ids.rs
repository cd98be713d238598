//! Akash's ids: a deployment is (owner, dseq); a group adds gseq (from 1); an order adds oseq
//! (from 1, +1 each time the group re-opens); a bid and its lease add the provider.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;

#[cw_serde]
#[derive(Eq, PartialOrd, Ord, Hash)]
pub struct DeploymentId {
    pub owner: Addr,
    pub dseq: u64,
}

#[cw_serde]
#[derive(Eq, PartialOrd, Ord, Hash)]
pub struct GroupId {
    pub owner: Addr,
    pub dseq: u64,
    pub gseq: u32,
}

#[cw_serde]
#[derive(Eq, PartialOrd, Ord, Hash)]
pub struct OrderId {
    pub owner: Addr,
    pub dseq: u64,
    pub gseq: u32,
    pub oseq: u32,
}

/// A bid, and the lease it becomes, are keyed by order id + provider.
#[cw_serde]
#[derive(Eq, PartialOrd, Ord, Hash)]
pub struct BidId {
    pub owner: Addr,
    pub dseq: u64,
    pub gseq: u32,
    pub oseq: u32,
    pub provider: Addr,
}

/// A lease has the id of the bid it came from.
pub type LeaseId = BidId;

impl DeploymentId {
    pub fn new(owner: impl Into<String>, dseq: u64) -> Self {
        Self {
            owner: Addr::unchecked(owner.into()),
            dseq,
        }
    }

    pub fn group(&self, gseq: u32) -> GroupId {
        GroupId {
            owner: self.owner.clone(),
            dseq: self.dseq,
            gseq,
        }
    }
}

impl GroupId {
    pub fn deployment(&self) -> DeploymentId {
        DeploymentId {
            owner: self.owner.clone(),
            dseq: self.dseq,
        }
    }

    pub fn order(&self, oseq: u32) -> OrderId {
        OrderId {
            owner: self.owner.clone(),
            dseq: self.dseq,
            gseq: self.gseq,
            oseq,
        }
    }
}

impl OrderId {
    pub fn group(&self) -> GroupId {
        GroupId {
            owner: self.owner.clone(),
            dseq: self.dseq,
            gseq: self.gseq,
        }
    }

    pub fn deployment(&self) -> DeploymentId {
        self.group().deployment()
    }

    pub fn bid(&self, provider: &Addr) -> BidId {
        BidId {
            owner: self.owner.clone(),
            dseq: self.dseq,
            gseq: self.gseq,
            oseq: self.oseq,
            provider: provider.clone(),
        }
    }
}

impl BidId {
    pub fn order(&self) -> OrderId {
        OrderId {
            owner: self.owner.clone(),
            dseq: self.dseq,
            gseq: self.gseq,
            oseq: self.oseq,
        }
    }

    pub fn group(&self) -> GroupId {
        self.order().group()
    }

    pub fn deployment(&self) -> DeploymentId {
        self.order().deployment()
    }
}

impl std::fmt::Display for DeploymentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.dseq)
    }
}

impl std::fmt::Display for GroupId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.owner, self.dseq, self.gseq)
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.owner, self.dseq, self.gseq, self.oseq
        )
    }
}

impl std::fmt::Display for BidId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}/{}",
            self.owner, self.dseq, self.gseq, self.oseq, self.provider
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_nest_and_print() {
        let d = DeploymentId::new("owner", 7);
        let bid = d.group(1).order(2).bid(&Addr::unchecked("prov"));
        assert_eq!(bid.to_string(), "owner/7/1/2/prov");
        assert_eq!(bid.deployment(), d);
        assert_eq!(bid.order().to_string(), "owner/7/1/2");
        assert_eq!(bid.group(), d.group(1));
    }
}
