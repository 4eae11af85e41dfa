//! Bounds on everything a script or a peer can make the interpreter hold or do.

/// Limits applied to every parse, decode and run. The defaults suit a node with a
/// few GiB of memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Script text, bytes.
    pub max_script_bytes: usize,
    /// Encoded particle data, bytes.
    pub max_data_bytes: usize,
    /// One call result, bytes of its JSON text.
    pub max_call_result_bytes: usize,
    /// Values in one stream or stream map.
    pub max_stream_len: usize,
    /// Instructions executed in one run (all passes, all fold iterations).
    pub max_steps: u64,
    /// Nesting depth of the script and of JSON values.
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
