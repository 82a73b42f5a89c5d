//! One message handed to paho and its token, and how a failed publish is classified
//! (only a message paho refuses as malformed is given up; the rest is link trouble).
use crate::publish::outbox::Pending;
use paho_mqtt as mqtt;
use std::time::{Duration, Instant};

pub(super) struct InFlight {
    pub(super) p: Pending,
    pub(super) token: mqtt::Token,
    /// When it was handed to paho.
    pub(super) since: Instant,
    /// The token's result, once seen. Polling a paho token *takes* its result, so a
    /// result obtained while waiting is kept here.
    pub(super) done: Option<Result<(), PublishFailure>>,
}

/// How a publish failed: only a message paho refuses as malformed is given up.
#[derive(Debug, Clone)]
pub(super) enum PublishFailure {
    Transient(String),
    Permanent(String),
}

impl std::fmt::Display for PublishFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishFailure::Transient(e) | PublishFailure::Permanent(e) => f.write_str(e),
        }
    }
}

fn classify<T>(r: mqtt::Result<T>) -> Result<(), PublishFailure> {
    use mqtt::Error as E;
    match r {
        Ok(_) => Ok(()),
        Err(
            e @ (E::BadUtf8String
            | E::NullParameter
            | E::TopicNameTruncated
            | E::BadStructure
            | E::BadQos),
        ) => Err(PublishFailure::Permanent(e.to_string())),
        Err(e) => Err(PublishFailure::Transient(e.to_string())),
    }
}

impl InFlight {
    pub(super) fn poll(&mut self) -> Option<Result<(), PublishFailure>> {
        if let Some(d) = self.done.take() {
            return Some(d);
        }
        Some(classify(self.token.try_wait()?))
    }

    /// Waits up to `d` for the token; keeps the result for [`InFlight::poll`].
    pub(super) fn wait(&mut self, d: Duration) {
        if self.done.is_some() {
            return;
        }
        match self.token.clone().wait_for(d) {
            Err(mqtt::Error::Timeout) => {}
            r => self.done = Some(classify(r)),
        }
    }
}
