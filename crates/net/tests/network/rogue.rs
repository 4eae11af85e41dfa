//! A rogue peer sends garbage and oversized frames; the receiver drops and counts
//! them and keeps serving honest particles on the same connection.

use weft_core::ParticleLimits;
use weft_net::{NetError, Refusal};

use super::*;

fn small_limits() -> ParticleLimits {
    ParticleLimits {
        max_id_bytes: 64,
        max_script_bytes: 1024,
        max_data_bytes: 1024,
    }
}

#[tokio::test]
async fn garbage_and_oversized_frames_are_dropped_and_counted() {
    let (rogue, _rogue_in) = spawn(config("/memory/0")).await;
    let (node, mut node_in) = spawn(config("/memory/0").with_particle_limits(small_limits())).await;
    within(rogue.dial(first_addr(&node).await)).await.unwrap();
    let to = node.local_peer_id();

    let error = within(rogue.send_raw(to, b"not a particle".to_vec()))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        NetError::Refused {
            peer: Box::new(to),
            reason: Refusal::Malformed
        }
    );
    assert_eq!(node.stats().frames_rejected, 1);

    // A valid particle whose data is over the node's limit: refused by its size.
    let mut big = (*particle("big")).clone();
    big.data = vec![7; small_limits().max_encoded_bytes() + 1];
    let error = within(rogue.send_raw(to, big.encode())).await.unwrap_err();
    assert!(matches!(error, NetError::SendFailed { .. }), "{error}");

    // Within the frame bound but over the data limit: refused by the decoder.
    let mut over = (*particle("over")).clone();
    over.data = vec![7; 1025];
    let error = within(rogue.send_raw(to, over.encode())).await.unwrap_err();
    assert!(
        matches!(
            error,
            NetError::Refused {
                reason: Refusal::Malformed,
                ..
            }
        ),
        "{error}"
    );

    // The node still serves honest particles, on the same connection.
    within(rogue.send(to, particle("honest"))).await.unwrap();
    assert_eq!(receive(&mut node_in).await.particle.id, "honest");
    assert!(
        node_in.try_recv().is_err(),
        "nothing rogue reached the inbox"
    );
    let stats = node.stats();
    assert_eq!(stats.frames_rejected, 3);
    assert_eq!(stats.particles_in, 1);
    assert!(within(rogue.is_connected(to)).await.unwrap());
}

#[tokio::test]
async fn a_particle_over_the_local_limit_is_not_sent() {
    let limits = small_limits();
    let (a, _a_in) = spawn(config("/memory/0").with_particle_limits(limits.clone())).await;
    let (b, _b_in) = spawn(config("/memory/0")).await;
    let mut big = (*particle("big")).clone();
    big.data = vec![0; limits.max_encoded_bytes()];
    let error = within(a.send(b.local_peer_id(), Arc::new(big)))
        .await
        .unwrap_err();
    assert!(matches!(error, NetError::TooLarge { .. }), "{error}");
    assert_eq!(b.stats().frames_rejected, 0);
}
