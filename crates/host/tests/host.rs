//! Integration tests of weft-host against real components built by `scripts/guests.sh`:
//! the four greeter examples and the hostile `probe` guest (tests/guests/probe).

mod host {
    pub mod attacks;
    pub mod capabilities;
    pub mod escape;
    pub mod greeters;
    pub mod loading;
    pub mod support;
    pub mod values;
}
