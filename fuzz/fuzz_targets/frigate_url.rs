//! The Frigate URL builders on arbitrary URLs and logins (`url\0user\0password`): never a
//! panic; whatever they return Ok for, the model says the camera receives exactly that
//! login and the URL's target, directly through Frigate and through go2rtc.
#![no_main]
use camera_detector::frigate::model::{self, Received};
use camera_detector::frigate::url::{direct_url, go2rtc_url, Login};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (Some(url), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let login = Login {
        user,
        password,
        var: None,
    };
    let markers = camera_detector::camdb::has_credential_marks(url);
    if let Ok(path) = direct_url(url, Some(login)) {
        let got = model::direct_input(&path, &[]).expect("the model accepts what was written");
        if !markers {
            assert_eq!(got.user.as_deref(), Some(user.as_bytes()));
            assert_eq!(got.password.as_deref(), Some(password.as_bytes()));
        }
    }
    for udp in [false, true] {
        if let Ok(source) = go2rtc_url(url, Some(login), udp) {
            let got: Received =
                model::go2rtc_source(&source, &[]).expect("the model accepts what was written");
            if !markers {
                assert_eq!(got.user.as_deref(), Some(user.as_bytes()));
                assert_eq!(got.password.as_deref(), Some(password.as_bytes()));
            }
        }
    }
});
