//! The probe guest: see wit/probe.wit. Everything here is deliberately naive or hostile.

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};

wit_bindgen::generate!({
    path: ["../../../../../wit/host", "wit"],
    world: "weft:probe/probe",
    generate_all,
});

use exports::weft::probe::{attacks, capabilities, escape, values};
use values::{Color, Person, Perms, Shape};
use weft::host::context::CallContext;
use weft::host::{context, http, kv, log};

struct Probe;

static CALLS: AtomicU32 = AtomicU32::new(0);

impl Guest for Probe {
    fn ping() -> String {
        "pong".to_string()
    }
}

impl values::Guest for Probe {
    fn echo_bool(x: bool) -> bool { x }
    fn echo_s8(x: i8) -> i8 { x }
    fn echo_u8(x: u8) -> u8 { x }
    fn echo_s16(x: i16) -> i16 { x }
    fn echo_u16(x: u16) -> u16 { x }
    fn echo_s32(x: i32) -> i32 { x }
    fn echo_u32(x: u32) -> u32 { x }
    fn echo_s64(x: i64) -> i64 { x }
    fn echo_u64(x: u64) -> u64 { x }
    fn echo_f32(x: f32) -> f32 { x }
    fn echo_f64(x: f64) -> f64 { x }
    fn echo_char(x: char) -> char { x }
    fn echo_string(x: String) -> String { x }
    fn echo_bytes(x: Vec<u8>) -> Vec<u8> { x }
    fn echo_strings(x: Vec<String>) -> Vec<String> { x }
    fn echo_person(x: Person) -> Person { x }
    fn echo_tuple(x: (u8, String, bool)) -> (u8, String, bool) { x }
    fn echo_shape(x: Shape) -> Shape { x }
    fn echo_color(x: Color) -> Color { x }
    fn echo_perms(x: Perms) -> Perms { x }
    fn echo_option(x: Option<u32>) -> Option<u32> { x }
    fn echo_option_option(x: Option<Option<u32>>) -> Option<Option<u32>> { x }
    fn echo_result(x: Result<u32, String>) -> Result<u32, String> { x }
    fn echo_unit_result(x: Result<(), ()>) -> Result<(), ()> { x }
    fn echo_shapes(x: Vec<Shape>) -> Vec<Shape> { x }

    fn describe_point(x: i32, y: i32, label: Option<String>) -> String {
        format!("{}({x}, {y})", label.unwrap_or_default())
    }

    fn hello() -> String {
        "values".to_string()
    }
}

#[inline(never)]
fn recurse(n: u64, seed: u64) -> u64 {
    if n == 0 {
        return seed;
    }
    // Work after the call, so the recursion cannot become a loop.
    recurse(n - 1, seed ^ n).rotate_left(5) ^ n
}

impl attacks::Guest for Probe {
    fn spin() -> u64 {
        let mut i = 0u64;
        loop {
            i = black_box(i.wrapping_add(1));
            if black_box(i) == u64::MAX {
                return i;
            }
        }
    }

    fn allocate(mebibytes: u32) -> u32 {
        let mut chunks = Vec::new();
        for _ in 0..mebibytes {
            chunks.push(vec![1u8; 1 << 20]);
        }
        black_box(&chunks);
        chunks.len() as u32
    }

    fn recurse(depth: u64) -> u64 {
        recurse(black_box(depth), 7)
    }

    fn huge_string(mebibytes: u32) -> String {
        "x".repeat((mebibytes as usize) << 20)
    }

    fn panic(message: String) {
        panic!("{message}");
    }

    fn counter() -> u32 {
        CALLS.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl escape::Guest for Probe {
    fn read_file(path: String) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    }

    fn list_dir(path: String) -> Result<Vec<String>, String> {
        let entries = std::fs::read_dir(path).map_err(|e| e.to_string())?;
        Ok(entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
    }

    fn env_var(name: String) -> Option<String> {
        std::env::var(name).ok()
    }

    fn env_count() -> u32 {
        (std::env::vars().count() + std::env::args().count()) as u32
    }

    fn connect(addr: String) -> Result<(), String> {
        std::net::TcpStream::connect(addr).map(|_| ()).map_err(|e| e.to_string())
    }

    fn hello() -> String {
        "escape".to_string()
    }
}

impl capabilities::Guest for Probe {
    fn kv_set(key: String, value: String) -> Result<(), String> {
        kv::set(&key, value.as_bytes())
    }

    fn kv_get(key: String) -> Result<Option<String>, String> {
        Ok(kv::get(&key)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn kv_delete(key: String) -> Result<bool, String> {
        kv::delete(&key)
    }

    fn kv_list(prefix: String) -> Result<Vec<String>, String> {
        kv::list_keys(&prefix)
    }

    fn log(message: String) {
        log::log(log::Level::Warn, &message);
    }

    fn http_get(url: String) -> Result<(u16, String), String> {
        let response = http::send(&http::Request {
            method: "GET".to_string(),
            url,
            headers: vec![("x-probe".to_string(), "1".to_string())],
            body: Vec::new(),
        })?;
        Ok((response.status, String::from_utf8_lossy(&response.body).into_owned()))
    }

    fn whoami() -> CallContext {
        context::current()
    }
}

export!(Probe);
