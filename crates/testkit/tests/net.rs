//! Multi-node behaviour on in-process networks (issue 4's required tests): flows across
//! nodes, failover, restart, a rogue peer and service permissions.

// Helpers outside #[test] fns are test code too: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

mod net {
    pub mod failover;
    pub mod flows;
    pub mod market;
    pub mod permissions;
    pub mod restart;
    pub mod rogue;
}
