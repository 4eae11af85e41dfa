//! Counters the node exposes as Prometheus text on `/metrics`. Plain atomics: every part of
//! the pipeline bumps them without locks, and rendering reads a consistent-enough snapshot.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a particle was dropped before or while it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dropped {
    Expired,
    TtlTooLong,
    FromTheFuture,
    BadSignature,
    Replayed,
    Overloaded,
    BadScript,
    BadData,
    /// The particle's actor had too many deliveries queued.
    ActorBusy,
}

impl Dropped {
    const ALL: [Dropped; 9] = [
        Dropped::Expired,
        Dropped::TtlTooLong,
        Dropped::FromTheFuture,
        Dropped::BadSignature,
        Dropped::Replayed,
        Dropped::Overloaded,
        Dropped::BadScript,
        Dropped::BadData,
        Dropped::ActorBusy,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Dropped::Expired => "expired",
            Dropped::TtlTooLong => "ttl_too_long",
            Dropped::FromTheFuture => "from_the_future",
            Dropped::BadSignature => "bad_signature",
            Dropped::Replayed => "replayed",
            Dropped::Overloaded => "overloaded",
            Dropped::BadScript => "bad_script",
            Dropped::BadData => "bad_data",
            Dropped::ActorBusy => "actor_busy",
        }
    }
}

/// How a service call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallEnd {
    Ok,
    Error,
    Timeout,
}

#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub received: AtomicU64,
    dropped: [AtomicU64; Dropped::ALL.len()],
    pub runs: AtomicU64,
    /// Runs that ended with a non-zero return code (an uncaught or a hard error).
    pub run_errors: AtomicU64,
    calls: [AtomicU64; 3],
    pub forwarded: AtomicU64,
    pub send_failures: AtomicU64,
    pub in_flight: AtomicU64,
}

impl Metrics {
    pub(crate) fn dropped(&self, why: Dropped) {
        let index = Dropped::ALL.iter().position(|d| *d == why).unwrap_or(0);
        self.dropped[index].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn call(&self, end: CallEnd) {
        self.calls[end as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition; `extra` lines (gauges from other parts) are appended.
    pub(crate) fn render(&self, extra: &[(&str, &str, u64)]) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        counter(
            &mut out,
            "weft_particles_received_total",
            "Particles that reached the pipeline.",
            get(&self.received),
        );
        let _ = writeln!(
            out,
            "# HELP weft_particles_dropped_total Particles dropped, by reason."
        );
        let _ = writeln!(out, "# TYPE weft_particles_dropped_total counter");
        for (why, count) in Dropped::ALL.iter().zip(&self.dropped) {
            let _ = writeln!(
                out,
                "weft_particles_dropped_total{{reason=\"{}\"}} {}",
                why.label(),
                get(count)
            );
        }
        counter(
            &mut out,
            "weft_interpreter_runs_total",
            "Interpreter runs.",
            get(&self.runs),
        );
        counter(
            &mut out,
            "weft_interpreter_run_errors_total",
            "Runs that ended with an error code.",
            get(&self.run_errors),
        );
        let _ = writeln!(
            out,
            "# HELP weft_calls_total Service calls executed here, by outcome."
        );
        let _ = writeln!(out, "# TYPE weft_calls_total counter");
        for (label, count) in ["ok", "error", "timeout"].iter().zip(&self.calls) {
            let _ = writeln!(
                out,
                "weft_calls_total{{outcome=\"{label}\"}} {}",
                get(count)
            );
        }
        counter(
            &mut out,
            "weft_particles_forwarded_total",
            "Particles sent to next peers.",
            get(&self.forwarded),
        );
        counter(
            &mut out,
            "weft_send_failures_total",
            "Deliveries to next peers that failed.",
            get(&self.send_failures),
        );
        gauge(
            &mut out,
            "weft_particles_in_flight",
            "Particles whose state the node holds.",
            get(&self.in_flight),
        );
        for (name, help, value) in extra {
            gauge(&mut out, name, help, *value);
        }
        out
    }
}

pub(crate) fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

pub(crate) fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}
