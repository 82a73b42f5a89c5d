//! One discovery pass: scan, WS-Discovery, mDNS, ONVIF and RTSP probing wired together on
//! a fixed worker pool, scheduled by the pure [`plan::Plan`].
pub mod camera;
pub mod plan;
