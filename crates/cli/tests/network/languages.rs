//! The Python and JavaScript greeters (examples/greeter-python, examples/greeter-js) deployed
//! with `weft deploy` and called through the network with `weft call`. The Python component
//! is larger than one call argument may be, so this also tests the chunked upload.

use serde_json::json;

use crate::support::{Net, Weft, prebuilt_project};

#[test]
fn python_and_javascript_services_deploy_and_answer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let weft = Weft::new(tmp.path().join("home"));
    let net = Net::up(&weft, tmp.path(), 2, &[]);
    for (lang, guest, alias) in [
        ("python", "greeter-python", "greeter-py"),
        ("js", "greeter-js", "greeter-js"),
    ] {
        let project = prebuilt_project(tmp.path(), guest, alias, lang, guest);
        let deployment = weft.json(&project, &["deploy", "--json"]);
        let replicas = deployment["replicas"].as_array().expect("replicas");
        assert_eq!(replicas.len(), 2, "{deployment}");

        let target = format!("{alias}.hello");
        let answer = weft.json(&project, &["call", &target, r#"["you"]"#, "--json"]);
        assert_eq!(answer["result"], json!("Hello, you!"), "{lang}: {answer}");

        // Every replica answers, with records and enums crossing the language boundary.
        let target = format!("{alias}.greet");
        let args = r#"[{"name": "Ann", "age": 40}, "formal"]"#;
        let all = weft.json(&project, &["call", "--all", &target, args, "--json"]);
        assert_eq!(all["agree"], json!(true), "{lang}: {all}");
        for reply in all["replies"].as_array().expect("replies") {
            assert_eq!(
                reply["result"],
                json!({"text": "Good day, Ann.", "tone": "formal", "chars": 14}),
                "{lang}: {all}"
            );
        }
        // Only one copy of each module per node, even though it went in chunks.
        let status = weft.json(&project, &["status", "--json"]);
        for node in status["nodes"].as_array().expect("nodes") {
            let services = node["services"].as_array().expect("services");
            let with_alias = services.iter().filter(|s| s["aliases"] == json!([alias]));
            assert_eq!(with_alias.count(), 1, "{status}");
        }
    }
    drop(net);
}
