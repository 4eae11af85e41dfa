//! Any text: parsing returns a script or a located error, never panics or hangs;
//! a script that parses prints to text that parses to the same shape.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(script) = weft_air::parse_syntax(text) {
        let printed = weft_air::print(&script);
        let again = weft_air::parse_syntax(&printed).expect("printed script parses");
        assert!(again.root.same_shape(&script.root), "print/parse changed the tree");
    }
    let _ = weft_air::parse(text);
});
