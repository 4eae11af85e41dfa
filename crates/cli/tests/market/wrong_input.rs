//! Wrong input to every market command: exit code 1, no panic, a message that says what to
//! do. Without a chain first, then against a local one.

use crate::support::{Net, Weft, prebuilt_project};

const HASH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PEER: &str = "12D3KooWEzf3NKiJCkUvGCgnr5YoeXfpphfMNNZL3FaPrX5ZdNgC";
const ADDRESS: &str = "0x368732e06220B6b22F16c82A5B3da3DB924D6b6f";

#[test]
fn market_commands_explain_wrong_input_without_a_chain() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let dir = tmp.path();
    let project = prebuilt_project(dir, "proj", "proj", "rust", "greeter-rust");
    let garbage_key = dir.join("garbage.key");
    std::fs::write(&garbage_key, "not a key\n").expect("write");
    let garbage_key = garbage_key.to_str().expect("utf-8 path");
    // The first anvil development key: valid, and funded on no chain these tests reach.
    let key = dir.join("dev.key");
    std::fs::write(
        &key,
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
    )
    .expect("write");
    let key = key.to_str().expect("utf-8 path");
    let no_chain = "no chain configured: run `weft up --chain`";
    let cases: &[(&std::path::Path, &[&str], &str)] = &[
        (dir, &["provider", "status"], no_chain),
        (dir, &["provider", "register"], no_chain),
        (dir, &["provider", "withdraw"], no_chain),
        (
            dir,
            &[
                "provider", "offer", "--peer", PEER, "--price", "0.001", "--units", "4",
            ],
            no_chain,
        ),
        (dir, &["deal", "info", "1"], no_chain),
        (dir, &["deal", "stop", "1"], no_chain),
        (dir, &["deal", "deposit", "1", "5"], no_chain),
        (dir, &["deal", "withdraw", "1", "5"], no_chain),
        (dir, &["deal", "create", "--component", HASH], no_chain),
        (&project, &["deploy", "--market"], no_chain),
        // Amounts: exact, at most 6 decimals, no signs or exponents.
        (
            dir,
            &["provider", "register", "--collateral=-5"],
            "--collateral \"-5\" is not an amount",
        ),
        (
            dir,
            &["provider", "withdraw", "--amount", "1e6"],
            "--amount \"1e6\" is not an amount",
        ),
        (
            dir,
            &["deal", "deposit", "1", "0.0000001"],
            "too many decimals",
        ),
        (dir, &["deal", "withdraw", "1", "lots"], "is not an amount"),
        (
            dir,
            &["deal", "create", "--component", HASH, "--escrow", "1,5"],
            "--escrow \"1,5\" is not an amount",
        ),
        (
            dir,
            &["deal", "create", "--component", HASH, "--max-price", ""],
            "--max-price \"\" is not an amount",
        ),
        (
            &project,
            &["deploy", "--market", "--escrow", "ten"],
            "--escrow \"ten\" is not an amount",
        ),
        // Ids, hashes, peers, addresses, counts.
        (dir, &["deal", "info", "abc"], "is not a deal number"),
        (dir, &["deal", "stop", "0"], "is not a deal number"),
        (
            dir,
            &["deal", "create", "--component", "abc"],
            "expected 64 hex digits",
        ),
        (
            dir,
            &["deal", "create", "--wasm", "/nonexistent.wasm"],
            "cannot read --wasm",
        ),
        (
            dir,
            &["deal", "create", "--component", HASH, "--replicas", "0"],
            "--replicas must be between 1 and 64",
        ),
        (
            dir,
            &["deal", "create", "--component", HASH, "--units", "0"],
            "--units is 0",
        ),
        (
            dir,
            &[
                "provider", "offer", "--peer", "nope", "--price", "1", "--units", "1",
            ],
            "--peer `nope` is not a peer id",
        ),
        (
            dir,
            &[
                "provider", "offer", "--peer", PEER, "--price", "1", "--units", "0",
            ],
            "--units is 0",
        ),
        (
            &project,
            &["deploy", "--market", "--peers", PEER],
            "--peers and --market exclude each other",
        ),
        (
            &project,
            &["deploy", "--market", "--http-allow", "127.0.0.1:8080"],
            "--http-allow and --market exclude each other",
        ),
        (
            &project,
            &["deploy", "--market", "--replicas", "0"],
            "--replicas must be at least 1",
        ),
        // Where the chain is.
        (
            dir,
            &["deal", "info", "1", "--rpc", "http://127.0.0.1:9"],
            "--rpc needs --market-address",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "http://127.0.0.1:9",
                "--market-address",
                "0x12",
            ],
            "--market-address \"0x12\" is not an address",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "http://127.0.0.1:9",
                "--market-address",
                ADDRESS,
            ],
            "pass --wallet FILE",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "http://127.0.0.1:9",
                "--market-address",
                ADDRESS,
                "--wallet",
                garbage_key,
            ],
            "garbage.key",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "http://127.0.0.1:9",
                "--market-address",
                ADDRESS,
                "--wallet",
                "/nonexistent.key",
            ],
            "/nonexistent.key",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "not a url",
                "--market-address",
                ADDRESS,
                "--wallet",
                key,
            ],
            "invalid RPC URL",
        ),
        (
            dir,
            &[
                "deal",
                "info",
                "1",
                "--rpc",
                "http://127.0.0.1:9",
                "--market-address",
                ADDRESS,
                "--wallet",
                key,
            ],
            "cannot read the market's parameters from http://127.0.0.1:9",
        ),
    ];
    for (cwd, args, expected) in cases {
        weft.fails(cwd, args, expected);
    }
}

#[test]
fn market_commands_explain_wrong_input_against_a_chain() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let dir = tmp.path();
    let _net = Net::up(&weft, dir, 1, &["--chain"]);
    weft.fails(
        dir,
        &["deal", "info", "7"],
        "there is no deal 7 on this market",
    );
    weft.fails(
        dir,
        &["deal", "stop", "7"],
        "there is no deal 7 on this market",
    );
    let created = weft.json(
        dir,
        &[
            "deal",
            "create",
            "--component",
            HASH,
            "--escrow",
            "5",
            "--json",
        ],
    );
    assert_eq!(created["id"], 1, "{created}");
    // More than the escrow holds, then a deal stopped twice: the contract's reason is shown.
    weft.fails(
        dir,
        &["deal", "withdraw", "1", "6"],
        "withdrawUnused reverted",
    );
    weft.ok(dir, &["deal", "stop", "1"]);
    weft.fails(dir, &["deal", "stop", "1"], "stopDeal reverted");
    // A provider cannot take out more than it earned.
    let wallet = dir.join("home/network/node-0/data/wallet.key");
    let wallet = wallet.to_str().expect("utf-8 path");
    weft.fails(
        dir,
        &["provider", "withdraw", "--amount", "5", "--wallet", wallet],
        "more than the 0 settled",
    );
    // A recorded chain that died says how to get a new one.
    let state = dir.join("home/network/network.json");
    let text = std::fs::read_to_string(&state).expect("network.json");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("network.json");
    value["chain"]["pid"] = serde_json::json!(u32::MAX - 1);
    std::fs::write(&state, value.to_string()).expect("write");
    let stderr = weft.cmd(dir, &["deal", "info", "1"]).stderr;
    // Restore the real pid first, so `weft down` stops this anvil whatever the assertion says.
    std::fs::write(&state, text).expect("write");
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("`weft down && weft up --chain`"),
        "{stderr}"
    );
}

#[test]
fn every_market_command_has_help() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    for args in [
        &["provider", "--help"][..],
        &["provider", "register", "--help"],
        &["provider", "offer", "--help"],
        &["provider", "status", "--help"],
        &["provider", "withdraw", "--help"],
        &["deal", "--help"],
        &["deal", "create", "--help"],
        &["deal", "info", "--help"],
        &["deal", "deposit", "--help"],
        &["deal", "withdraw", "--help"],
        &["deal", "stop", "--help"],
        &["deploy", "--help"],
        &["up", "--help"],
    ] {
        let text = weft.ok(tmp.path(), args);
        assert!(text.contains("Usage: weft"), "{args:?}: {text}");
    }
    let deploy = weft.ok(tmp.path(), &["deploy", "--help"]);
    assert!(
        deploy.contains("--market") && deploy.contains("--max-price"),
        "{deploy}"
    );
    // A missing argument is a usage error, as everywhere in weft.
    let output = weft.cmd(tmp.path(), &["deal", "create"]);
    assert_eq!(output.status.code(), Some(2));
}
