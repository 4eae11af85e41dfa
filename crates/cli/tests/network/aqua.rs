//! Aqua's features through `weft run` on three node processes: examples/flows/features.aqua,
//! compiled with the official Aqua compiler, each function run with its arguments.

use serde_json::{Value, json};

use crate::support::{Net, Weft, examples, prebuilt_project};

struct Aqua<'a> {
    weft: &'a Weft,
    project: std::path::PathBuf,
}

impl Aqua<'_> {
    /// `weft run features.aqua --func FUNC --arg NAME=JSON ...`, its JSON result.
    fn run(&self, func: &str, args: &[(&str, Value)]) -> Value {
        let file = examples().join("flows/features.aqua");
        let mut argv = vec![
            "run".to_owned(),
            file.to_str().expect("utf-8 path").to_owned(),
            "--func".to_owned(),
            func.to_owned(),
        ];
        for (name, value) in args {
            argv.push("--arg".to_owned());
            argv.push(format!("{name}={value}"));
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.weft.json(&self.project, &argv)
    }
}

/// Three nodes with the greeter on each.
fn setup(tmp: &std::path::Path, weft: &Weft) -> std::path::PathBuf {
    let project = prebuilt_project(tmp, "greeter", "greeter", "rust", "greeter-rust");
    let deployment = weft.json(&project, &["deploy", "--json"]);
    assert_eq!(deployment["replicas"].as_array().map(Vec::len), Some(3));
    project
}

fn sorted(value: Value) -> Vec<String> {
    let mut items: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().expect("strings").to_owned())
        .collect();
    items.sort();
    items
}

#[test]
fn aqua_features_run_on_a_real_network() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let net = Net::up(&weft, tmp.path(), 3, &[]);
    let aqua = Aqua {
        weft: &weft,
        project: setup(tmp.path(), &weft),
    };
    let [n0, n1, n2] = [&net.peers[0], &net.peers[1], &net.peers[2]];

    let via = aqua.run(
        "via_relay",
        &[
            ("target", json!(n2)),
            ("relay", json!(n1)),
            ("name", json!("via")),
        ],
    );
    assert_eq!(via, json!("Hello, via!"));

    let pair = aqua.run(
        "pair",
        &[("a", json!(n1)), ("b", json!(n2)), ("name", json!("par"))],
    );
    assert_eq!(sorted(pair), ["Hello, par!", "Hello, par!"]);

    let caught = aqua.run("caught", &[("target", json!(n0))]);
    let message = caught.as_str().expect("the caught message");
    assert!(message.contains("no-such-service"), "{caught}");

    let collected = aqua.run("collect", &[("names", json!(["a", "b", "c"]))]);
    assert_eq!(collected, json!(["Hello, a!", "Hello, b!", "Hello, c!"]));

    let both = aqua.run("greet_and_count", &[("names", json!(["x", "y"]))]);
    assert_eq!(both, json!(["Hello, x!", 2]));
}

// Its own test: three concurrent answers joined on the relay is where the known fan-in stall
// showed (issue 4), so a stall here names that bug rather than the features above.
#[test]
fn aqua_for_par_fans_out_to_every_node() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let net = Net::up(&weft, tmp.path(), 3, &[]);
    let aqua = Aqua {
        weft: &weft,
        project: setup(tmp.path(), &weft),
    };
    let everywhere = aqua.run(
        "everywhere",
        &[("peers", json!(net.peers)), ("name", json!("all"))],
    );
    assert_eq!(sorted(everywhere), ["Hello, all!"; 3]);
}
