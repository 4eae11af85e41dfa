//! The node on libp2p (loopback): it starts, reports its addresses and serves HTTP.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weft_node::{Node, NodeConfig};

#[tokio::test]
async fn a_node_listens_and_serves_metrics_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NodeConfig::local(dir.path().to_owned());
    config.http = Some("127.0.0.1:0".parse().unwrap());
    let node = Node::start(config.clone()).await.unwrap();
    let addrs = node.listen_addrs().await;
    let suffix = format!("/p2p/{}", node.peer_id());
    assert!(
        !addrs.is_empty() && addrs.iter().all(|a| a.to_string().ends_with(&suffix)),
        "{addrs:?}"
    );

    let http = node.http_addr().unwrap();
    for (path, expected) in [("/health", "ok\n"), ("/metrics", "weft_net_connections 0")] {
        let mut stream = tokio::net::TcpStream::connect(http).await.unwrap();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200 OK") && reply.contains(expected),
            "{path}: {reply}"
        );
    }
    let peer = node.peer_id();
    node.shutdown().await.unwrap();
    // The identity is kept in the data directory.
    let again = Node::start(config).await.unwrap();
    assert_eq!(again.peer_id(), peer);
    again.shutdown().await.unwrap();
}
