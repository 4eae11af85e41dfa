//! The Weft node: under construction in this commit series.
