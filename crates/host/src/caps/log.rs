//! The `log` capability: leveled messages into `tracing` and a bounded per-service buffer that
//! the CLI and the node can read back.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::caps::wit::log::{Host, Level};
use crate::state::State;

/// Longest message kept; longer ones are cut (a guest must not fill the host's memory).
const MAX_MESSAGE_BYTES: usize = 4096;

/// Severity of a service's log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// One message a service logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Counts every message the service ever logged, so gaps show dropped entries.
    pub seq: u64,
    pub level: LogLevel,
    pub message: String,
}

/// The newest `capacity` messages of one service.
#[derive(Debug)]
pub struct LogBuffer {
    capacity: usize,
    inner: Mutex<(u64, VecDeque<LogEntry>)>,
}

impl LogBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new((0, VecDeque::new())),
        }
    }

    pub(crate) fn push(&self, level: LogLevel, mut message: String) {
        if message.len() > MAX_MESSAGE_BYTES {
            let mut cut = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seq = inner.0;
        inner.0 += 1;
        if self.capacity == 0 {
            return;
        }
        if inner.1.len() == self.capacity {
            inner.1.pop_front();
        }
        inner.1.push_back(LogEntry {
            seq,
            level,
            message,
        });
    }

    /// The buffered messages, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.1.iter().cloned().collect()
    }
}

impl Host for State {
    fn log(&mut self, level: Level, message: String) {
        let service = self.caps.service_id.as_str();
        let particle = self.call.particle_id.as_str();
        let level = match level {
            Level::Trace => {
                tracing::trace!(service, particle, "{message}");
                LogLevel::Trace
            }
            Level::Debug => {
                tracing::debug!(service, particle, "{message}");
                LogLevel::Debug
            }
            Level::Info => {
                tracing::info!(service, particle, "{message}");
                LogLevel::Info
            }
            Level::Warn => {
                tracing::warn!(service, particle, "{message}");
                LogLevel::Warn
            }
            Level::Error => {
                tracing::error!(service, particle, "{message}");
                LogLevel::Error
            }
        };
        self.caps.log.push(level, message);
    }
}
