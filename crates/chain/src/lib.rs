//! Weft's EVM compute marketplace client.
