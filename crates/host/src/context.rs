//! Who is calling: passed with every call and readable by the service through the `context`
//! capability.

/// The circumstances of one call, filled in by the node from the particle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The particle this call belongs to.
    pub particle_id: String,
    /// The peer that started the particle.
    pub init_peer: String,
    /// The peer whose interpreter issued the call.
    pub caller: String,
    /// The service id the call addressed (the host fills in the service's own id when empty).
    pub service_id: String,
    /// Per argument, the call that produced its value; `None` for a literal in the script.
    pub arguments: Vec<Option<Origin>>,
}

/// The call that produced an argument's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub peer: String,
    pub service: String,
    pub function: String,
    /// The lens applied to that call's result, like `.items.[0]`; empty for none.
    pub lens: String,
}
