//! Any bytes: decoding returns data or an error, never panics; decoded data
//! encodes back to bytes that decode to the same data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_air::{Data, Limits};

fuzz_target!(|bytes: &[u8]| {
    let limits = Limits::default();
    if let Ok(data) = Data::from_bytes(bytes, &limits) {
        let again = Data::from_bytes(&data.to_bytes(), &limits).expect("re-encoded data decodes");
        assert_eq!(again, data);
    }
});
