//! The node's benchmark (issue 4): round-trip latency through two nodes, throughput of the
//! particle pipeline, and memory per in-flight particle.
//!
//! ```text
//! scripts/guests.sh   # builds the greeter-rust component the latency run calls
//! cargo run --release -p weft-testkit --example node_bench [CALLS] [--only PART]
//! ```
//!
//! `--only memory|latency|pipeline|loopback` runs one part (for profiling).
//!
//! 1. **Latency**: client → relay node → service on a second node → relay → client, over
//!    loopback TCP (two in-process nodes), one call at a time: `op.identity`, then the
//!    `greeter-rust` component's `hello`. CALLS (default 10,000) timed calls each, after a
//!    warm-up; p50, p90, p99 and max. Also `op.identity` on the relay itself (two hops).
//! 2. **Throughput** of one node's pipeline: pre-signed trivial flows (`op.identity` on the
//!    node, then the answer to the init peer) handed to a `NodeCore` on an in-memory
//!    transport, all at once; flows completed per second. The client's signing and the
//!    network are outside the timed part, so this is what one node sustains. Then the same
//!    flows end to end over loopback from concurrent clients, where the clients share the
//!    machine's two cores with the node.
//! 3. **Memory per in-flight particle**: particles whose flow waits on this node until its
//!    TTL; resident memory growth divided by their number.

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use serde_json::json;
use tokio::sync::Notify;
use weft_core::{KeyPair, Particle, PeerId};
use weft_node::{NodeConfig, NodeCore, Transport, client::Client, load_identity};
use weft_testkit::{TestNet, flows, guest};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Res<()> {
    const PARTS: [&str; 4] = ["memory", "latency", "pipeline", "loopback"];
    let mut calls = 10_000;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--only" {
            let part = args.next().unwrap_or_default();
            if !PARTS.contains(&part.as_str()) {
                return Err(format!("--only takes one of {PARTS:?}, not {part:?}").into());
            }
            only = Some(part);
        } else {
            calls = arg
                .parse()
                .map_err(|e| format!("CALLS must be a count, not {arg:?}: {e}"))?;
        }
    }
    let runs = |part: &str| only.as_deref().is_none_or(|only| only == part);
    println!("weft node benchmark ({calls} calls per latency run)\n");
    // First: resident memory only grows, so a later run would reuse what earlier ones freed.
    if runs("memory") {
        memory_per_particle(10_000).await?;
    }
    if runs("latency") {
        latency(calls).await?;
    }
    if runs("pipeline") {
        pipeline_throughput(20_000).await?;
    }
    if runs("loopback") {
        loopback_throughput(10_000, 64).await?;
    }
    Ok(())
}

async fn latency(calls: usize) -> Res<()> {
    let net = TestNet::start(2).await?;
    let client = net.client(0).await?;
    let service_node = net.peer_id(1);
    let greeter = guest("greeter-rust")?;
    flows::deploy(&client, service_node, &greeter, "greeter").await?;
    println!("round trip client -> relay -> second node -> relay -> client (loopback TCP):");
    for (node, service, function, arg) in [
        (net.peer_id(0), "op", "identity", json!("ping")),
        (service_node, "op", "identity", json!("ping")),
        (service_node, "greeter", "hello", json!("bench")),
    ] {
        let call = || flows::call(&client, node, service, function, vec![arg.clone()]);
        for _ in 0..calls.min(500) {
            call().await?;
        }
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let start = Instant::now();
            call().await?;
            times.push(start.elapsed());
        }
        let on = if node == service_node { "" } else { " (relay)" };
        report(&format!("{service}.{function}{on}"), &mut times);
    }
    println!();
    Ok(())
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "  {what:<16} p50 {:>7.0} µs  p90 {:>7.0} µs  p99 {:>7.0} µs  max {:>7.0} µs  ({} calls)",
        us(at(0.50)),
        us(at(0.90)),
        us(at(0.99)),
        us(times[times.len() - 1]),
        times.len()
    );
}

/// An in-memory transport that counts particles reaching `client`.
struct Counting {
    client: PeerId,
    delivered: AtomicU64,
    done: Notify,
    want: u64,
}

impl Transport for Counting {
    fn send(&self, to: PeerId, _particle: Arc<Particle>) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            if to != self.client {
                return Err(format!("no route to {to} in the benchmark"));
            }
            if self.delivered.fetch_add(1, Ordering::Relaxed) + 1 == self.want {
                self.done.notify_one();
            }
            Ok(())
        })
    }
    fn is_connected(&self, peer: PeerId) -> BoxFuture<'_, bool> {
        Box::pin(async move { peer == self.client })
    }
    fn connect(&self, peer: PeerId, _addrs: Vec<String>) -> BoxFuture<'_, bool> {
        Box::pin(async move { peer == self.client })
    }
    fn contact(&self, _peer: PeerId) -> BoxFuture<'_, Option<Vec<String>>> {
        Box::pin(async { None })
    }
    fn neighborhood(
        &self,
        _key: Vec<u8>,
        _count: usize,
    ) -> BoxFuture<'_, Result<Vec<PeerId>, String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn local_addresses(&self) -> BoxFuture<'_, Vec<String>> {
        Box::pin(async { Vec::new() })
    }
}

/// A node on the counting transport, sized for `particles` in flight at once.
async fn core_node(
    dir: &std::path::Path,
    particles: usize,
    transport: Arc<Counting>,
) -> Res<(NodeCore, PeerId)> {
    let mut config = NodeConfig::local(dir.to_path_buf());
    config.limits.max_in_flight = particles + 16;
    config.limits.max_replay_entries = particles + 16;
    config.limits.inbound_queue = 1024;
    let keypair = load_identity(dir)?;
    let peer = keypair.peer_id();
    Ok((NodeCore::start(&config, keypair, transport).await?, peer))
}

fn signed(client: &KeyPair, n: usize, script: &str) -> Vec<Particle> {
    let now = now_ms();
    (0..n)
        .map(|i| {
            Particle::new(
                client,
                format!("bench-{i}"),
                now,
                120_000,
                script.to_owned(),
            )
        })
        .collect()
}

fn now_ms() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map(|d| d.as_millis() as u64).unwrap_or(0)
}

async fn pipeline_throughput(flows: usize) -> Res<()> {
    let dir = tempfile::tempdir()?;
    let client = KeyPair::generate();
    let transport = Arc::new(Counting {
        client: client.peer_id(),
        delivered: AtomicU64::new(0),
        done: Notify::new(),
        want: flows as u64,
    });
    let (node, peer) = core_node(dir.path(), flows, Arc::clone(&transport)).await?;
    let script = format!(
        r#"(seq (call "{peer}" ("op" "identity") [1] r) (call %init_peer_id% ("callbackSrv" "response") [r]))"#
    );
    let particles = signed(&client, flows, &script);
    let from = client.peer_id();
    let done = transport.done.notified();
    let start = Instant::now();
    for particle in particles {
        if !node.deliver(from, particle).await {
            return Err("the pipeline stopped".into());
        }
    }
    tokio::time::timeout(Duration::from_secs(120), done).await?;
    let took = start.elapsed();
    println!("throughput of one node's pipeline (in-memory transport, pre-signed particles):");
    println!(
        "  {flows} trivial flows in {:.2} s: {:.0} flows/s (verify, parse, 2 runs, 1 builtin call, sign, encode)",
        took.as_secs_f64(),
        flows as f64 / took.as_secs_f64()
    );
    node.shutdown().await?;
    Ok(())
}

async fn loopback_throughput(total: usize, concurrency: usize) -> Res<()> {
    let net = TestNet::start(1).await?;
    let relay = net.peer_id(0);
    let mut clients: Vec<Client> = Vec::with_capacity(4);
    for _ in 0..4 {
        clients.push(net.client(0).await?);
    }
    let script = weft_node::client::script::with_args(
        &["x"],
        r#"(seq (call relay ("op" "identity") [x] r) (call %init_peer_id% ("callbackSrv" "response") [r]))"#,
    );
    let args = BTreeMap::from([("x".to_owned(), json!(1))]);
    let run = |i: usize| {
        let client = clients[i % clients.len()].clone();
        let (script, args) = (script.clone(), args.clone());
        async move { client.execute(&script, args).await }
    };
    for i in 0..500 {
        run(i).await?;
    }
    let start = Instant::now();
    let mut in_flight = tokio::task::JoinSet::new();
    for i in 0..total {
        if in_flight.len() >= concurrency
            && let Some(done) = in_flight.join_next().await
        {
            done??;
        }
        in_flight.spawn(run(i));
    }
    while let Some(done) = in_flight.join_next().await {
        done??;
    }
    let took = start.elapsed();
    println!(
        "  end to end over loopback, {} clients, {concurrency} flows in flight: {:.0} flows/s (clients on the same 2 cores; relay {relay})\n",
        clients.len(),
        total as f64 / took.as_secs_f64()
    );
    Ok(())
}

fn rss_bytes() -> Res<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS in /proc/self/status")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .ok_or("VmRSS without a value")?
        .parse()?;
    Ok(kib * 1024)
}

async fn memory_per_particle(particles: usize) -> Res<()> {
    let dir = tempfile::tempdir()?;
    let client = KeyPair::generate();
    let transport = Arc::new(Counting {
        client: client.peer_id(),
        delivered: AtomicU64::new(0),
        done: Notify::new(),
        want: u64::MAX,
    });
    let (node, peer) = core_node(dir.path(), particles, transport).await?;
    // One call on the node, then a wait on a value no one sets: the actor keeps the
    // particle's data until its TTL.
    let script = format!(
        r#"(seq (call "{peer}" ("op" "identity") ["some state"] r) (seq (call "{peer}" ("op" "noop") [r]) (never)))"#
    );
    let batch = signed(&client, particles, &script);
    let from = client.peer_id();
    let before = rss_bytes()?;
    for particle in batch {
        if !node.deliver(from, particle).await {
            return Err("the pipeline stopped".into());
        }
    }
    // Waiting for a gauge is fine in a benchmark: there is nothing to await.
    let deadline = Instant::now() + Duration::from_secs(60);
    while in_flight(&node) < particles as f64 || runs(&node) < 2.0 * particles as f64 {
        if Instant::now() > deadline {
            return Err(format!("only {} particles in flight", in_flight(&node)).into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let grown = rss_bytes()?.saturating_sub(before);
    println!("memory per in-flight particle (actor, data, one recorded call):");
    println!(
        "  {particles} particles in flight: resident memory +{:.1} MiB, {:.1} KiB each\n",
        grown as f64 / (1 << 20) as f64,
        grown as f64 / particles as f64 / 1024.0
    );
    node.shutdown().await?;
    Ok(())
}

fn gauge(node: &NodeCore, name: &str) -> f64 {
    node.metrics_text()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn in_flight(node: &NodeCore) -> f64 {
    gauge(node, "weft_particles_in_flight")
}

fn runs(node: &NodeCore) -> f64 {
    gauge(node, "weft_interpreter_runs_total")
}
