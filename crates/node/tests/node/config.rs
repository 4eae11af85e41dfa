//! The TOML configuration: the checked-in example parses, mistakes are clear errors.

use std::path::PathBuf;

use weft_node::{NodeConfig, NodeError};

#[test]
fn the_example_parses_and_shows_the_defaults() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node.example.toml");
    let config = NodeConfig::from_file(&path).unwrap();
    let expected = NodeConfig {
        http: Some("127.0.0.1:9090".parse().unwrap()),
        ..NodeConfig::default()
    };
    assert_eq!(
        config, expected,
        "node.example.toml shows the defaults (http aside)"
    );
}

#[test]
fn mistakes_are_errors_that_say_where() {
    let cases = [
        ("listne = []", "unknown field `listne`"),
        ("[limits]\ncall_timeout_ms = \"soon\"", "invalid type"),
        ("[limits]\nmax_in_flight = 0", "limits.max_in_flight is 0"),
        (
            "management_key = \"alice\"",
            "management_key \"alice\" is not a peer id",
        ),
        ("http = \"localhost\"", "invalid socket address"),
        ("data_dir = \"\"", "data_dir is empty"),
    ];
    for (text, expected) in cases {
        let err = NodeConfig::from_toml(text).unwrap_err();
        assert!(err.contains(expected), "{text:?}: {err}");
    }
    // From a file, the error names the file and the line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.toml");
    std::fs::write(&path, "data_dir = \"d\"\n\n[limits]\nbogus = 1\n").unwrap();
    let err = NodeConfig::from_file(&path).unwrap_err();
    assert!(matches!(err, NodeError::Config { .. }));
    let text = err.to_string();
    assert!(
        text.contains("node.toml") && text.contains("line 4") && text.contains("bogus"),
        "{text}"
    );
    let missing = NodeConfig::from_file(&dir.path().join("nope.toml")).unwrap_err();
    assert!(missing.to_string().contains("nope.toml"), "{missing}");
}
