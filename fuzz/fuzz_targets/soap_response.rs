//! ONVIF SOAP replies: arbitrary bytes through every parser must give a value or a one-line
//! error, never a panic, and a fault must be seen the same way by every parser.
#![no_main]
use camera_detector::discovery::onvif::{self as onvif, OnvifError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fault = onvif::parse_fault(data);
    let errors = [
        onvif::parse_system_date_and_time(data).err(),
        onvif::parse_device_information(data).err(),
        onvif::parse_capabilities(data).err(),
        onvif::parse_services(data).err(),
        onvif::parse_profiles(data).err(),
        onvif::parse_stream_uri(data).err(),
        onvif::parse_snapshot_uri(data).err(),
    ];
    for e in errors.into_iter().flatten() {
        assert!(!e.to_string().contains('\n'));
        assert_eq!(matches!(e, OnvifError::Fault { .. }), fault.is_some());
    }
});
