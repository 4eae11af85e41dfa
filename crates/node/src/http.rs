//! `/metrics` (Prometheus text) and `/health` over plain HTTP/1.1. Hand-rolled on tokio: two
//! GET routes do not need a web framework. Requests are bounded in size, connections in
//! number and time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use crate::NodeError;

/// Largest request head read; the routes need only the request line.
const MAX_REQUEST_BYTES: usize = 8 * 1024;
const MAX_CONNECTIONS: usize = 64;
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Renders the metrics text on each scrape.
pub(crate) type MetricsSource = Arc<dyn Fn() -> String + Send + Sync>;

/// Binds `addr` and serves until `shutdown` flips; returns the bound address.
pub(crate) async fn serve(
    addr: SocketAddr,
    metrics: MetricsSource,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), NodeError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Http { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| NodeError::Http { addr, source })?;
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                accepted = listener.accept() => accepted,
            };
            let Ok((stream, _)) = accepted else { continue };
            // Over the limit, the connection is closed at once rather than queued.
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                continue;
            };
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(CONNECTION_TIMEOUT, respond(stream, &metrics)).await;
                drop(permit);
            });
        }
    });
    Ok((bound, task))
}

async fn respond(mut stream: TcpStream, metrics: &MetricsSource) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() >= MAX_REQUEST_BYTES {
            return reply(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                "request too large\n",
            )
            .await;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|b| *b == b' ');
    let (method, path) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    match (method, path) {
        (b"GET", b"/metrics") => {
            let text = metrics();
            reply(&mut stream, "200 OK", "text/plain; version=0.0.4", &text).await
        }
        (b"GET", b"/health") => reply(&mut stream, "200 OK", "text/plain", "ok\n").await,
        (b"GET", _) => {
            reply(
                &mut stream,
                "404 Not Found",
                "text/plain",
                "try /metrics or /health\n",
            )
            .await
        }
        _ => {
            reply(
                &mut stream,
                "405 Method Not Allowed",
                "text/plain",
                "GET only\n",
            )
            .await
        }
    }
}

async fn reply(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn routes_and_bounds() {
        let (_tx, rx) = watch::channel(false);
        let metrics: MetricsSource = Arc::new(|| "weft_up 1\n".to_owned());
        let (addr, _task) = serve("127.0.0.1:0".parse().unwrap(), metrics, rx)
            .await
            .unwrap();
        let health = get(addr, b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await;
        assert!(
            health.starts_with("HTTP/1.1 200 OK") && health.ends_with("ok\n"),
            "{health}"
        );
        let scrape = get(addr, b"GET /metrics HTTP/1.1\r\n\r\n").await;
        assert!(scrape.ends_with("weft_up 1\n"), "{scrape}");
        assert!(
            get(addr, b"GET /nope HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 404")
        );
        assert!(
            get(addr, b"POST /metrics HTTP/1.1\r\n\r\n")
                .await
                .starts_with("HTTP/1.1 405")
        );
        // Exactly the limit without an end of head: the server reads it all, then refuses.
        let mut huge = b"GET /metrics HTTP/1.1\r\nx: ".to_vec();
        huge.resize(MAX_REQUEST_BYTES, b'a');
        assert!(get(addr, &huge).await.starts_with("HTTP/1.1 431"));
    }
}
