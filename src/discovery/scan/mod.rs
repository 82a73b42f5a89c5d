//! Subnet planning and the non-blocking TCP connect scan (being written).
