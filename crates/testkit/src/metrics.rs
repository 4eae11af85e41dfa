//! Reading a node's Prometheus text from its `/metrics` endpoint.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{KitError, within};

/// The body of `GET /metrics` at `addr`.
pub async fn scrape(addr: SocketAddr) -> Result<String, KitError> {
    within(Duration::from_secs(10), "GET /metrics", async {
        let io = |e| KitError::io(format!("GET http://{addr}/metrics"), e);
        let mut stream = TcpStream::connect(addr).await.map_err(io)?;
        let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.map_err(io)?;
        let mut response = Vec::new();
        stream
            .take(16 << 20)
            .read_to_end(&mut response)
            .await
            .map_err(io)?;
        let text = String::from_utf8_lossy(&response).into_owned();
        match text.split_once("\r\n\r\n") {
            Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_owned()),
            _ => Err(KitError::Setup(format!("GET /metrics answered: {text}"))),
        }
    })
    .await
}

/// The value of the sample named exactly `name` (labels included, as in
/// `weft_particles_dropped_total{reason="expired"}`), if present.
pub fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name).then(|| value.parse().ok())?
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_by_exact_name() {
        let text = "# HELP a x\na 3\nb{reason=\"x\"} 4\nab 5\n";
        assert_eq!(sample(text, "a"), Some(3.0));
        assert_eq!(sample(text, "b{reason=\"x\"}"), Some(4.0));
        assert_eq!(sample(text, "c"), None);
    }
}
