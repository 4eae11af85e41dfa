//! The greeter example service: plain wit-bindgen exports, nothing Weft-specific.

wit_bindgen::generate!({
    path: "../../wit/greeter",
    world: "greeter",
});

use exports::weft::greeter::greet::{Greeting, Person, Tone};

struct Greeter;

impl Guest for Greeter {
    fn make_point(x: i32, y: i32) -> Point {
        Point { x, y }
    }
}

impl exports::weft::greeter::greet::Guest for Greeter {
    fn hello(name: String) -> String {
        format!("Hello, {name}!")
    }

    fn greet(who: Person, tone: Tone) -> Greeting {
        let text = match tone {
            Tone::Formal => format!("Good day, {}.", who.name),
            Tone::Casual => format!("Hi {}!", who.name),
        };
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        Greeting { text, tone, chars }
    }

    fn greet_all(people: Vec<Person>) -> Vec<String> {
        people.into_iter().map(|p| Self::hello(p.name)).collect()
    }

    fn oldest(people: Vec<Person>) -> Option<Person> {
        let mut best: Option<Person> = None;
        for p in people {
            if best.as_ref().is_none_or(|b| p.age > b.age) {
                best = Some(p);
            }
        }
        best
    }

    fn divide(a: i32, b: i32) -> Result<i32, String> {
        if b == 0 {
            return Err("division by zero".to_string());
        }
        a.checked_div(b).ok_or_else(|| "overflow".to_string())
    }
}

export!(Greeter);
