//! mDNS `_rtsp._tcp` browse (being written).
