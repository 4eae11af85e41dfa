//! The two backends the scenarios run on, behind one small trait.

use std::sync::Mutex;

use weft_chain::{
    Address, AlloyMarket, DevChain, DevChainConfig, FakeMarket, Market, MarketParams, U256,
};

/// Epoch length in the scenarios: long, so the seconds anvil's clock moves while a test runs
/// never cross an epoch boundary.
pub const EPOCH: u64 = 3600;
/// One US dollar of the 6-decimal payment token.
pub const USD: u64 = 1_000_000;

/// Market parameters of the scenarios (tokens filled in per backend).
fn params(token: Address) -> MarketParams {
    MarketParams {
        collateral_token: token,
        treasury: Address::repeat_byte(0x7e),
        epoch_seconds: EPOCH,
        min_collateral: U256::from(100 * USD),
        slash_bps: 1_000,
        heartbeat_epochs: 2,
        reserve_epochs: 2,
    }
}

/// A chain with the market deployed, as the scenarios need it.
pub trait Chain {
    type M: Market + Clone + 'static;

    /// A new account `name` holding `tokens` of the payment token (and gas).
    async fn account(&self, name: &str, tokens: U256) -> Self::M;
    async fn advance_epochs(&self, epochs: u64);
    fn token(&self) -> Address;
    fn params(&self) -> MarketParams;
    /// Addresses with the names they were created under.
    fn names(&self) -> &Mutex<Vec<(Address, String)>>;

    /// Every market event so far, with addresses replaced by names so that two backends'
    /// logs compare equal.
    async fn log(&self, any: &Self::M) -> Vec<String> {
        let mut events = Vec::new();
        let mut from = 0;
        for _ in 0..100 {
            let batch = any.events(from).await.expect("read events");
            events.extend(batch.events.into_iter().map(|(_, e)| e));
            if batch.next_block == from {
                break;
            }
            from = batch.next_block;
        }
        let mut names = self.names().lock().unwrap().clone();
        names.push((self.token(), "token".into()));
        names.push((self.params().treasury, "treasury".into()));
        events
            .iter()
            .map(|event| {
                let mut text = format!("{event:?}");
                for (address, name) in &names {
                    text = text.replace(&format!("{address:?}"), name);
                    text = text.replace(&format!("{address}"), name);
                }
                text
            })
            .collect()
    }
}

pub struct FakeChain {
    root: FakeMarket,
    names: Mutex<Vec<(Address, String)>>,
}

impl FakeChain {
    pub fn new() -> Self {
        let token = Address::repeat_byte(0x70);
        Self {
            root: FakeMarket::new(params(token), 1_700_000_000),
            names: Mutex::default(),
        }
    }
}

impl Chain for FakeChain {
    type M = FakeMarket;

    async fn account(&self, name: &str, tokens: U256) -> FakeMarket {
        let mut names = self.names.lock().unwrap();
        let address = Address::with_last_byte(names.len() as u8 + 1);
        names.push((address, name.into()));
        self.root.mint(self.token(), address, tokens);
        self.root.as_account(address)
    }

    async fn advance_epochs(&self, epochs: u64) {
        self.root.advance_time(epochs * EPOCH);
    }

    fn token(&self) -> Address {
        Address::repeat_byte(0x70)
    }

    fn params(&self) -> MarketParams {
        params(self.token())
    }

    fn names(&self) -> &Mutex<Vec<(Address, String)>> {
        &self.names
    }
}

pub struct AnvilChain {
    dev: DevChain,
    names: Mutex<Vec<(Address, String)>>,
}

impl AnvilChain {
    pub async fn start() -> Self {
        let template = params(Address::ZERO);
        let config = DevChainConfig {
            epoch_seconds: template.epoch_seconds,
            min_collateral: template.min_collateral,
            slash_bps: template.slash_bps,
            heartbeat_epochs: template.heartbeat_epochs,
            reserve_epochs: template.reserve_epochs,
            ..DevChainConfig::default()
        };
        let dev = DevChain::start(config)
            .await
            .expect("start the anvil dev chain");
        Self {
            dev,
            names: Mutex::default(),
        }
    }

    pub fn dev(&self) -> &DevChain {
        &self.dev
    }
}

impl Chain for AnvilChain {
    type M = AlloyMarket;

    async fn account(&self, name: &str, tokens: U256) -> AlloyMarket {
        let market = self
            .dev
            .funded_market(tokens)
            .await
            .expect("fund an account");
        self.names
            .lock()
            .unwrap()
            .push((market.account(), name.into()));
        market
    }

    async fn advance_epochs(&self, epochs: u64) {
        self.dev
            .advance_time(epochs * EPOCH)
            .await
            .expect("advance anvil's clock");
    }

    fn token(&self) -> Address {
        self.dev.contracts().token
    }

    fn params(&self) -> MarketParams {
        self.dev.params().clone()
    }

    fn names(&self) -> &Mutex<Vec<(Address, String)>> {
        &self.names
    }
}
