use std::time::Duration;

use weft_net::{NetError, Refusal};

use super::*;

#[tokio::test]
async fn a_full_inbox_refuses_instead_of_buffering() {
    let (a, _a_in) = spawn(config("/memory/0")).await;
    let (b, mut b_in) = spawn(config("/memory/0").with_inbound_queue(1)).await;
    within(a.dial(first_addr(&b).await)).await.unwrap();

    within(a.send(b.local_peer_id(), particle("fits")))
        .await
        .unwrap();
    let error = within(a.send(b.local_peer_id(), particle("no room")))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        NetError::Refused {
            peer: Box::new(b.local_peer_id()),
            reason: Refusal::Busy
        }
    );
    assert_eq!(b.stats().inbox_full, 1);

    // Taking a particle out makes room again.
    assert_eq!(receive(&mut b_in).await.particle.id, "fits");
    within(a.send(b.local_peer_id(), particle("later")))
        .await
        .unwrap();
    assert_eq!(receive(&mut b_in).await.particle.id, "later");
}

#[tokio::test]
async fn block_cuts_the_link_both_ways_until_unblocked() {
    let quick = Duration::from_secs(3);
    let (a, mut a_in) = spawn(config("/memory/0").with_send_timeout(quick)).await;
    let (b, mut b_in) = spawn(config("/memory/0").with_send_timeout(quick)).await;
    within(a.dial(first_addr(&b).await)).await.unwrap();
    within(a.send(b.local_peer_id(), particle("before")))
        .await
        .unwrap();
    receive(&mut b_in).await;

    within(a.block(b.local_peer_id())).await.unwrap();
    assert!(!within(a.is_connected(b.local_peer_id())).await.unwrap());
    let error = within(a.send(b.local_peer_id(), particle("out")))
        .await
        .unwrap_err();
    assert_eq!(error, NetError::Blocked(Box::new(b.local_peer_id())));
    // B still knows A's address, but A refuses the connection.
    let error = within(b.send(a.local_peer_id(), particle("in")))
        .await
        .unwrap_err();
    assert!(!matches!(error, NetError::Blocked(_)), "{error}");
    assert!(a_in.try_recv().is_err(), "nothing got through");

    within(a.unblock(b.local_peer_id())).await.unwrap();
    within(b.send(a.local_peer_id(), particle("again")))
        .await
        .unwrap();
    assert_eq!(receive(&mut a_in).await.particle.id, "again");
}

#[tokio::test]
async fn shutdown_stops_every_handle_and_ends_the_inbox() {
    let (a, mut a_in) = spawn(config("/memory/0")).await;
    let other = a.clone();
    within(a.shutdown()).await.unwrap();
    assert_eq!(within(other.listen_addrs()).await, Err(NetError::Stopped));
    assert!(within(a_in.recv()).await.is_none());
}
