use weft_net::NetError;

use super::*;

/// A knows only B, B knows C: A's send to C finds C through B's routing table.
#[tokio::test]
async fn a_peer_known_only_to_a_neighbor_is_found_through_kademlia() {
    let (a, _a_in) = spawn(config("/memory/0")).await;
    let (b, _b_in) = spawn(config("/memory/0")).await;
    let (c, mut c_in) = spawn(config("/memory/0")).await;
    within(b.dial(first_addr(&c).await)).await.unwrap();
    within(a.dial(first_addr(&b).await)).await.unwrap();
    assert!(
        within(a.addresses_of(c.local_peer_id()))
            .await
            .unwrap()
            .is_empty()
    );

    within(a.send(c.local_peer_id(), particle("found")))
        .await
        .unwrap();
    let got = receive(&mut c_in).await;
    assert_eq!(
        (got.from, got.particle.id.as_str()),
        (a.local_peer_id(), "found")
    );
    // A learned C's address on the way.
    assert!(
        !within(a.addresses_of(c.local_peer_id()))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn neighborhood_lists_the_closest_nodes() {
    let (a, _a_in) = spawn(config("/memory/0")).await;
    let (b, _b_in) = spawn(config("/memory/0")).await;
    let (c, _c_in) = spawn(config("/memory/0")).await;
    within(b.dial(first_addr(&c).await)).await.unwrap();
    within(a.dial(first_addr(&b).await)).await.unwrap();

    let key = c.local_peer_id().to_bytes().to_vec();
    let found = within(a.neighborhood(key.clone(), 20)).await.unwrap();
    assert!(found.contains(&b.local_peer_id()), "{found:?}");
    assert!(found.contains(&c.local_peer_id()), "{found:?}");
    assert!(
        !found.contains(&a.local_peer_id()),
        "the asking peer is not its own neighbor"
    );
    assert_eq!(
        within(a.neighborhood(key.clone(), 1)).await.unwrap().len(),
        1
    );
    assert!(within(a.neighborhood(key, 0)).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_peer_is_reported_not_found() {
    let (a, _a_in) = spawn(config("/memory/0")).await;
    let (b, _b_in) = spawn(config("/memory/0")).await;
    within(a.dial(first_addr(&b).await)).await.unwrap();
    let nobody = KeyPair::generate().peer_id();
    let error = within(a.send(nobody, particle("lost"))).await.unwrap_err();
    assert_eq!(error, NetError::PeerNotFound(Box::new(nobody)));
    assert_eq!(a.stats().send_failures, 1);
}
