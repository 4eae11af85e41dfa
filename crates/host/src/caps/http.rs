//! The `http` capability: outbound requests to the hosts on the service's allow-list only.
//!
//! Redirects are returned to the guest rather than followed, so that a listed host cannot
//! bounce a request to an unlisted one; proxies from the environment are ignored.

use std::time::Duration;

use ureq::http;

use crate::caps::wit::http::{Host, Request, Response};
use crate::state::State;

/// Largest response body handed to a guest.
const MAX_RESPONSE_BYTES: u64 = 8 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct Client {
    /// Host names (`example.com`) or host:port pairs (`127.0.0.1:8080`).
    allow: Vec<String>,
    agent: ureq::Agent,
}

impl Client {
    pub(crate) fn new(allow: &[String]) -> Self {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(TIMEOUT))
            .build();
        Self {
            allow: allow.iter().map(|h| h.to_ascii_lowercase()).collect(),
            agent: ureq::Agent::new_with_config(config),
        }
    }

    fn allowed(&self, uri: &http::Uri) -> bool {
        let Some(host) = uri.host().map(str::to_ascii_lowercase) else {
            return false;
        };
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let with_port = format!("{host}:{port}");
        self.allow.iter().any(|a| *a == host || *a == with_port)
    }

    pub(crate) fn send(&self, request: Request) -> Result<Response, String> {
        let uri: http::Uri = request
            .url
            .parse()
            .map_err(|e| format!("invalid url '{}': {e}", request.url))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(format!("unsupported url scheme in '{}'", request.url));
        }
        if !self.allowed(&uri) {
            return Err(format!(
                "host '{}' is not on this service's HTTP allow-list",
                uri.authority().map_or("", |a| a.as_str())
            ));
        }
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(uri);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let req = builder
            .body(request.body)
            .map_err(|e| format!("invalid request: {e}"))?;
        let mut resp = self
            .agent
            .run(req)
            .map_err(|e| format!("request failed: {e}"))?;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| format!("reading the response: {e}"))?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

impl Host for State {
    fn send(&mut self, request: Request) -> Result<Response, String> {
        match &self.caps.http {
            Some(client) => client.send(request),
            None => Err(
                "http is not granted to this service: it has no host on its HTTP allow-list"
                    .to_string(),
            ),
        }
    }
}
