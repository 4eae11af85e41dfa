//! Timing probes for the benchmark scenarios (ignored: run them in release with
//! `cargo test --release -p weft-air --test interp_perf -- --ignored --nocapture`).

#[path = "interp_support.rs"]
mod support;

use std::time::Instant;

use serde_json::json;
use support::{INIT, script, visit_with};
use weft_air::{CallRequest, CallResult, Data, Limits};

fn fold_script(n: usize, combinator: &str) -> String {
    format!(
        r#"(seq (call %init_peer_id% ("bench" "items") [] items)
             (fold items i ({combinator} (call %init_peer_id% ("bench" "process") [i] $results) (next i))))"#
    )
    .replace("{n}", &n.to_string())
}

fn bench_service(request: &CallRequest) -> CallResult {
    match request.function.as_str() {
        "items" => CallResult::Ok(json!((0..1000).collect::<Vec<_>>())),
        _ => CallResult::Ok(request.args.first().cloned().unwrap_or_default()),
    }
}

#[test]
#[ignore = "timing probe"]
fn fold_1000() {
    for combinator in ["seq", "par"] {
        let s = script(&fold_script(1000, combinator));
        let start = Instant::now();
        let v = visit_with(
            &s,
            INIT,
            Data::default(),
            Data::default(),
            &Limits::default(),
            &bench_service,
        );
        let elapsed = start.elapsed();
        assert_eq!(v.calls.len(), 1001);
        println!(
            "fold-1000-{combinator}: {elapsed:?}, {} bytes of data",
            v.outcome.data.to_bytes().len()
        );
    }
}

#[test]
#[ignore = "timing probe"]
fn chain_and_fan() {
    let mut chain = String::new();
    let mut prev = "\"token\"".to_owned();
    for k in 1..=50 {
        chain.push_str(&format!(
            "(seq (call \"peer-{k}\" (\"chain\" \"step\") [{prev}] v{k}) "
        ));
        prev = format!("v{k}");
    }
    chain.push_str(&format!(
        "(call %init_peer_id% (\"chain\" \"done\") [{prev}]){}",
        ")".repeat(50)
    ));
    let start = Instant::now();
    let mut net = support::Net::new(&chain);
    net.flow(INIT);
    println!("chain-50: {:?}, {} calls", start.elapsed(), net.calls.len());

    let leaves: Vec<String> = (1..=100)
        .map(|k| format!("(call \"peer-{k}\" (\"fan\" \"work\") [{k}] r{k})"))
        .collect();
    let results: Vec<String> = (1..=100).map(|k| format!("r{k}")).collect();
    fn tree(leaves: &[String]) -> String {
        match leaves {
            [leaf] => leaf.clone(),
            _ => {
                let (l, r) = leaves.split_at(leaves.len() / 2);
                format!("(par {} {})", tree(l), tree(r))
            }
        }
    }
    let fan = format!(
        "(seq {} (call %init_peer_id% (\"fan\" \"join\") [{}]))",
        tree(&leaves),
        results.join(" ")
    );
    let start = Instant::now();
    let mut net = support::Net::new(&fan);
    net.flow(INIT);
    println!(
        "fan-out-in-100: {:?}, {} calls",
        start.elapsed(),
        net.calls.len()
    );
}

#[test]
#[ignore = "timing probe"]
fn blob_through_five_peers() {
    let mut text = String::from(r#"(seq (call %init_peer_id% ("blob" "make") [] b0) "#);
    for k in 1..=5 {
        text.push_str(&format!(
            "(seq (call \"peer-{k}\" (\"op\" \"identity\") [b{}] b{k}) ",
            k - 1
        ));
    }
    text.push_str(r#"(call %init_peer_id% ("blob" "done") [b5]))))))"#);
    text.push(')');
    let start = Instant::now();
    let mut net = support::Net::new(&text);
    net.flow_with(
        INIT,
        &|request: &CallRequest| match request.service.as_str() {
            "blob" if request.function == "make" => {
                let blob: String = (0..1 << 20)
                    .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
                    .collect();
                CallResult::Ok(json!(blob))
            }
            "blob" => CallResult::Ok(json!(null)),
            _ => support::service(request),
        },
    );
    println!(
        "blob-1mib-5-peers: {:?}, {} calls",
        start.elapsed(),
        net.calls.len()
    );
    let bytes = net.data[INIT].to_bytes().len();
    assert!(
        bytes < (1 << 20) + 4096,
        "the blob is encoded once: {bytes} bytes"
    );
}
