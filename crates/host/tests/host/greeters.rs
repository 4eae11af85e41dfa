//! The four example services answer the same calls with the same results.

use serde_json::{Value, json};
use weft_host::{Host, ServiceConfig};

use super::support::{call, config, guest, tempdir::Dir};

/// (function, arguments, expected result)
fn cases() -> Vec<(&'static str, Value, Value)> {
    let ann = json!({"name": "Ann", "age": 31});
    let bob = json!({"name": "Bob", "age": 45});
    let cy = json!({"name": "Cy", "age": 45});
    vec![
        ("make-point", json!([3, -4]), json!({"x": 3, "y": -4})),
        (
            "make-point",
            json!({"y": 2, "x": 1}),
            json!({"x": 1, "y": 2}),
        ),
        ("hello", json!(["World"]), json!("Hello, World!")),
        ("greet#hello", json!(["Zoë"]), json!("Hello, Zoë!")),
        (
            "greet",
            json!([ann, "formal"]),
            json!({"text": "Good day, Ann.", "tone": "formal", "chars": 14}),
        ),
        (
            "greet",
            json!({"who": {"name": "Zoë", "age": 7}, "tone": "casual"}),
            json!({"text": "Hi Zoë!", "tone": "casual", "chars": 7}),
        ),
        (
            "greet-all",
            json!([[ann, bob]]),
            json!(["Hello, Ann!", "Hello, Bob!"]),
        ),
        ("greet-all", json!([[]]), json!([])),
        ("oldest", json!([[ann, bob, cy]]), bob.clone()),
        ("oldest", json!([[]]), json!(null)),
        ("divide", json!([7, -2]), json!({"ok": -3})),
        ("divide", json!([-7, 2]), json!({"ok": -3})),
        ("divide", json!([1, 0]), json!({"err": "division by zero"})),
        (
            "divide",
            json!([-2147483648, -1]),
            json!({"err": "overflow"}),
        ),
    ]
}

fn check(name: &str) {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let id = host.load(&guest(name)).expect("load");
    let service = host
        .service(&id, ServiceConfig::new(name))
        .expect("service");
    for (function, args, expected) in cases() {
        let got = call(&service, function, args.clone())
            .unwrap_or_else(|e| panic!("{name}: {function}({args}) failed: {e}"));
        assert_eq!(got, expected, "{name}: {function}({args})");
    }
    // The same interface, discovered from each toolchain's output.
    let names: Vec<String> = host
        .describe(&id)
        .expect("describe")
        .functions
        .into_iter()
        .map(|f| f.name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "greet#divide",
            "greet#greet",
            "greet#greet-all",
            "greet#hello",
            "greet#oldest",
            "make-point"
        ],
        "{name}: exports {names:?}"
    );
}

#[test]
fn rust_greeter() {
    check("greeter-rust");
}

#[test]
fn python_greeter() {
    check("greeter-python");
}

#[test]
fn js_greeter() {
    check("greeter-js");
}

#[test]
fn c_greeter() {
    check("greeter-c");
}

#[test]
fn describe_gives_signatures() {
    let dir = Dir::new();
    let host = Host::new(config(&dir)).expect("host");
    let id = host.load(&guest("greeter-rust")).expect("load");
    let interface = host.describe(&id).expect("describe").to_json();
    let greet = interface["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .find(|f| f["name"] == "greet#greet")
        .expect("greet#greet");
    assert_eq!(
        greet,
        &json!({
            "name": "greet#greet",
            "interface": "weft:greeter/greet@0.1.0",
            "function": "greet",
            "params": [
                {"name": "who", "type": {"record": [
                    {"name": "name", "type": "string"},
                    {"name": "age", "type": "u8"},
                ]}},
                {"name": "tone", "type": {"enum": ["formal", "casual"]}},
            ],
            "result": {"record": [
                {"name": "text", "type": "string"},
                {"name": "tone", "type": {"enum": ["formal", "casual"]}},
                {"name": "chars", "type": "u32"},
            ]},
        })
    );
}
