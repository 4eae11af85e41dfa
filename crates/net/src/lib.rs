//! Weft's networking layer (rust-libp2p): under construction in this commit series.
