//! What a service may reach over HTTP: the hosts its owner asked for at `srv.create`, each of
//! which must be within the node operator's `host.http_allow`. The operator bounds every
//! service; a service asks for no more than it needs, and gets nothing unless it asks.

use serde_json::Value;

/// More hosts than a service sensibly needs; bounds the registry record.
const MAX_HOSTS: usize = 32;
/// A DNS name (253) with a port.
const MAX_HOST_BYTES: usize = 260;

/// The options of `srv.create(blueprint_id, options)`: `{"http": ["host[:port]", ...]}`.
/// `null` or a missing argument is no options.
pub(crate) fn parse_options(options: Option<&Value>) -> Result<Vec<String>, String> {
    let object = match options {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(object)) => object,
        Some(other) => {
            return Err(format!(
                "srv.create options must be an object like {{\"http\": [\"host:port\"]}}, got {}",
                kind(other)
            ));
        }
    };
    if let Some(key) = object.keys().find(|k| *k != "http") {
        return Err(format!(
            "srv.create options have no {key:?}; the only option is \"http\""
        ));
    }
    let hosts = match object.get("http") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(hosts)) => hosts,
        Some(other) => {
            return Err(format!(
                "srv.create option \"http\" must be an array of host names, got {}",
                kind(other)
            ));
        }
    };
    if hosts.len() > MAX_HOSTS {
        return Err(format!(
            "srv.create option \"http\" lists {} hosts; at most {MAX_HOSTS}",
            hosts.len()
        ));
    }
    let mut grant: Vec<String> = Vec::with_capacity(hosts.len());
    for host in hosts {
        let host = host.as_str().ok_or_else(|| {
            format!(
                "srv.create option \"http\" must list strings, got {}",
                kind(host)
            )
        })?;
        let host = check_host(host)?;
        if !grant.contains(&host) {
            grant.push(host);
        }
    }
    Ok(grant)
}

/// A host as the `http` capability matches it: `name` (any port) or `name:port`, lowercase.
fn check_host(host: &str) -> Result<String, String> {
    let bad = host.is_empty()
        || host.len() > MAX_HOST_BYTES
        || host.contains(['/', '@', '?', '#'])
        || host.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad {
        return Err(format!(
            "{host:?} is not an HTTP host: give a name or name:port, like \"example.com\" or \"127.0.0.1:8080\", without a scheme or path"
        ));
    }
    Ok(host.to_ascii_lowercase())
}

/// Whether `operator`'s list allows `host`: the same entry, or `name:port` under `name`.
fn covers(operator: &[String], host: &str) -> bool {
    operator.iter().any(|allowed| {
        let allowed = allowed.to_ascii_lowercase();
        allowed == host || name_of(host).is_some_and(|name| name == allowed)
    })
}

/// `name` of `name:port` (also `[::1]` of `[::1]:8080`); `None` for a bare name.
fn name_of(host: &str) -> Option<&str> {
    let (name, port) = host.rsplit_once(':')?;
    let plain = !name.contains(':') || (name.starts_with('[') && name.ends_with(']'));
    (plain && port.parse::<u16>().is_ok()).then_some(name)
}

/// Refuses a grant with a host outside the operator's list: granting part of it silently
/// would leave the owner to discover at the first failing fetch.
pub(crate) fn check_grant(operator: &[String], grant: &[String]) -> Result<(), String> {
    let outside: Vec<&str> = grant
        .iter()
        .filter(|h| !covers(operator, h))
        .map(String::as_str)
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    let allowed = if operator.is_empty() {
        "allows no HTTP host".to_owned()
    } else {
        format!("allows only {}", operator.join(", "))
    };
    Err(format!(
        "this node's operator does not allow HTTP to {}: its host.http_allow {allowed}",
        outside.join(", ")
    ))
}

/// The hosts a service reaches: its grant, less what the operator no longer allows (the
/// operator's list may have shrunk since the service was created).
pub(crate) fn effective(operator: &[String], grant: &[String]) -> Vec<String> {
    grant
        .iter()
        .filter(|h| covers(operator, h))
        .cloned()
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn options_parse_or_are_named_errors() {
        assert_eq!(parse_options(None), Ok(vec![]));
        assert_eq!(parse_options(Some(&json!({}))), Ok(vec![]));
        assert_eq!(
            parse_options(Some(
                &json!({"http": ["Example.COM", "example.com", "1.2.3.4:80"]})
            )),
            Ok(vec!["example.com".to_owned(), "1.2.3.4:80".to_owned()])
        );
        for (options, expected) in [
            (json!("x"), "must be an object"),
            (json!({"htp": []}), "no \"htp\""),
            (json!({"http": "a.com"}), "must be an array"),
            (json!({"http": [1]}), "must list strings"),
            (json!({"http": ["http://a.com"]}), "without a scheme"),
            (json!({"http": [""]}), "not an HTTP host"),
            (json!({"http": vec!["a"; 33]}), "at most 32"),
        ] {
            let err = parse_options(Some(&options)).unwrap_err();
            assert!(err.contains(expected), "{options}: {err}");
        }
    }

    #[test]
    fn the_operator_list_bounds_a_grant() {
        let operator = vec!["127.0.0.1:8080".to_owned(), "Example.com".to_owned()];
        let within = ["127.0.0.1:8080", "example.com", "example.com:443"].map(String::from);
        assert_eq!(check_grant(&operator, &within), Ok(()));
        assert_eq!(effective(&operator, &within), within);

        let outside = ["127.0.0.1", "127.0.0.1:9", "other.com", "example.com:x"].map(String::from);
        for host in &outside {
            let err = check_grant(&operator, std::slice::from_ref(host)).unwrap_err();
            assert!(err.contains(host.as_str()), "{err}");
            assert!(effective(&operator, std::slice::from_ref(host)).is_empty());
        }
        let err = check_grant(&[], &within).unwrap_err();
        assert!(err.contains("allows no HTTP host"), "{err}");
        assert_eq!(name_of("[::1]:80"), Some("[::1]"));
        assert_eq!(name_of("::1"), None);
    }
}
