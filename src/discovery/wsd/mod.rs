//! WS-Discovery codec and UDP shell (being written).
