//! Bounds on everything a script or a peer can make the interpreter hold or do.

/// Limits applied to every parse, decode and run. The defaults suit a node with a
/// few GiB of memory: one particle at the limits holds well under 1 GiB.
///
/// Exceeding a limit while decoding is an [`crate::Error::Decode`]; while
/// running it is a hard error (20013 for streams, 20105 for steps, 20106 for
/// call results): the run keeps the previous
/// data unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Script text, bytes (1 MiB).
    pub max_script_bytes: usize,
    /// Encoded particle data, bytes (64 MiB): checked before decoding anything.
    pub max_data_bytes: usize,
    /// One call result, bytes of its encoding in the data format (16 MiB; about
    /// the size of its compact JSON text). A larger result is hard error 20106.
    pub max_call_result_bytes: usize,
    /// Values in one stream or stream map (1,024, like AquaVM). Hard error 20013.
    pub max_stream_len: usize,
    /// Instructions executed in one run, all passes and fold iterations together
    /// (1,000,000). Hard error 20105.
    pub max_steps: u64,
    /// Nesting depth of the script, of JSON values (call results, decoded data,
    /// canon elements) and of provenance (128). Decoding recurses this deep.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_script_bytes: 1 << 20,
            max_data_bytes: 64 << 20,
            max_call_result_bytes: 16 << 20,
            max_stream_len: 1024,
            max_steps: 1_000_000,
            max_depth: 128,
        }
    }
}
