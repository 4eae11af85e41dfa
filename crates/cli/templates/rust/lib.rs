//! The {{name}} service: plain wit-bindgen exports, nothing Weft-specific.

wit_bindgen::generate!({
    path: "wit",
    world: "service",
});

struct Service;

impl Guest for Service {
    fn hello(name: String) -> String {
        format!("Hello, {name}!")
    }

    fn count_words(text: String) -> u32 {
        u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
    }
}

export!(Service);
