//! ONVIF requests: the SOAP 1.2 envelope, its WS-Security UsernameToken header and the
//! bodies of the calls the detector makes. Every argument is XML-escaped.
//!
//! The UsernameToken follows the WS-Security UsernameToken Profile 1.0 as ONVIF Core
//! (5.12) requires it: `PasswordDigest = Base64(SHA-1(nonce ‖ created ‖ password))`, where
//! `nonce` is the raw nonce bytes (sent Base64-encoded) and `created` is the exact
//! `wsu:Created` text. `created` should be the camera's clock (see [`super::time`]), as
//! devices reject tokens outside their freshness window.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use quick_xml::escape::escape;
use sha1::{Digest, Sha1};

const SOAP_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const PASSWORD_DIGEST: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const BASE64_BINARY: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
const TDS: &str = "http://www.onvif.org/ver10/device/wsdl";
const TRT: &str = "http://www.onvif.org/ver10/media/wsdl";
const TR2: &str = "http://www.onvif.org/ver20/media/wsdl";
const TT: &str = "http://www.onvif.org/ver10/schema";

/// The credentials and freshness data of one WS-Security UsernameToken.
#[derive(Clone, Copy, Debug)]
pub struct UsernameToken<'a> {
    pub user: &'a str,
    pub password: &'a str,
    /// Raw nonce bytes (16 random bytes is usual); sent Base64-encoded.
    pub nonce: &'a [u8],
    /// `wsu:Created`, e.g. `2026-11-27T00:30:00Z` (see [`super::time::created_for`]).
    pub created: &'a str,
}

/// `Base64(SHA-1(nonce ‖ created ‖ password))`, the UsernameToken PasswordDigest.
pub fn password_digest(nonce: &[u8], created: &str, password: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(nonce);
    sha.update(created.as_bytes());
    sha.update(password.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// A complete SOAP 1.2 request around `body` (already-built XML, e.g. from
/// [`get_device_information`]); with `security`, a `wsse:Security` header
/// (`mustUnderstand="1"`) carrying the UsernameToken with a PasswordDigest.
pub fn envelope(body: &str, security: Option<&UsernameToken<'_>>) -> String {
    let header = match security {
        None => String::new(),
        Some(t) => format!(
            concat!(
                "<s:Header><wsse:Security s:mustUnderstand=\"1\" xmlns:wsse=\"{wsse}\" xmlns:wsu=\"{wsu}\">",
                "<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>",
                "<wsse:Password Type=\"{pd}\">{digest}</wsse:Password>",
                "<wsse:Nonce EncodingType=\"{b64}\">{nonce}</wsse:Nonce>",
                "<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>"
            ),
            wsse = WSSE,
            wsu = WSU,
            user = escape(t.user),
            pd = PASSWORD_DIGEST,
            digest = password_digest(t.nonce, t.created, t.password),
            b64 = BASE64_BINARY,
            nonce = STANDARD.encode(t.nonce),
            created = escape(t.created),
        ),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<s:Envelope xmlns:s=\"{SOAP_ENV}\">{header}<s:Body>{body}</s:Body></s:Envelope>\n"
    )
}

/// Device service `GetSystemDateAndTime` (ONVIF lets it be called without credentials, but
/// some devices want them anyway).
pub fn get_system_date_and_time() -> String {
    format!("<tds:GetSystemDateAndTime xmlns:tds=\"{TDS}\"/>")
}

/// Device service `GetDeviceInformation`: manufacturer, model, firmware, serial.
pub fn get_device_information() -> String {
    format!("<tds:GetDeviceInformation xmlns:tds=\"{TDS}\"/>")
}

/// Device service `GetCapabilities` for category `All`: the service XAddrs.
pub fn get_capabilities() -> String {
    format!("<tds:GetCapabilities xmlns:tds=\"{TDS}\"><tds:Category>All</tds:Category></tds:GetCapabilities>")
}

/// Device service `GetServices` (without capabilities): namespace and XAddr of each
/// service, the way to find Media2.
pub fn get_services() -> String {
    format!(
        "<tds:GetServices xmlns:tds=\"{TDS}\"><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>"
    )
}

/// Media1 (`trt`) `GetProfiles`.
pub fn get_profiles() -> String {
    format!("<trt:GetProfiles xmlns:trt=\"{TRT}\"/>")
}

/// Media1 `GetStreamUri`: RTP-Unicast over RTSP for `profile_token`.
pub fn get_stream_uri(profile_token: &str) -> String {
    format!(
        concat!(
            "<trt:GetStreamUri xmlns:trt=\"{trt}\" xmlns:tt=\"{tt}\"><trt:StreamSetup>",
            "<tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport>",
            "</trt:StreamSetup><trt:ProfileToken>{token}</trt:ProfileToken></trt:GetStreamUri>"
        ),
        trt = TRT,
        tt = TT,
        token = escape(profile_token),
    )
}

/// Media1 `GetSnapshotUri` for `profile_token`.
pub fn get_snapshot_uri(profile_token: &str) -> String {
    format!(
        "<trt:GetSnapshotUri xmlns:trt=\"{TRT}\"><trt:ProfileToken>{}</trt:ProfileToken></trt:GetSnapshotUri>",
        escape(profile_token)
    )
}

/// Media2 (`tr2`) `GetProfiles` with the video encoder configuration (H.265 lives here).
pub fn get_profiles2() -> String {
    format!(
        "<tr2:GetProfiles xmlns:tr2=\"{TR2}\"><tr2:Type>VideoEncoder</tr2:Type></tr2:GetProfiles>"
    )
}

/// Media2 `GetStreamUri` with protocol `RTSP` for `profile_token`.
pub fn get_stream_uri2(profile_token: &str) -> String {
    format!(
        "<tr2:GetStreamUri xmlns:tr2=\"{TR2}\"><tr2:Protocol>RTSP</tr2:Protocol><tr2:ProfileToken>{}</tr2:ProfileToken></tr2:GetStreamUri>",
        escape(profile_token)
    )
}

/// Media2 `GetSnapshotUri` for `profile_token`.
pub fn get_snapshot_uri2(profile_token: &str) -> String {
    format!(
        "<tr2:GetSnapshotUri xmlns:tr2=\"{TR2}\"><tr2:ProfileToken>{}</tr2:ProfileToken></tr2:GetSnapshotUri>",
        escape(profile_token)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vector of the ONVIF Application Programmer's Guide (UsernameToken
    /// example): nonce `LKqI6G/AikKCQrN0zqZFlg==`, created `2010-09-16T07:50:45Z`,
    /// password `userpassword` → `tuOSpGlFlIXsozq4HFNeeGeFLEI=`.
    #[test]
    fn password_digest_matches_the_onvif_guide_vector() {
        let nonce = STANDARD.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
        assert_eq!(
            password_digest(&nonce, "2010-09-16T07:50:45Z", "userpassword"),
            "tuOSpGlFlIXsozq4HFNeeGeFLEI="
        );
    }

    /// The header carries user, digest, Base64 nonce with its EncodingType, Created and
    /// mustUnderstand; user and created are escaped.
    #[test]
    fn envelope_with_security_header() {
        let nonce = STANDARD.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
        let t = UsernameToken {
            user: "a<&>\"'",
            password: "userpassword",
            nonce: &nonce,
            created: "2010-09-16T07:50:45Z",
        };
        let xml = envelope(&get_device_information(), Some(&t));
        assert!(
            xml.contains("<wsse:Username>a&lt;&amp;&gt;&quot;&apos;</wsse:Username>"),
            "{xml}"
        );
        assert!(xml.contains("s:mustUnderstand=\"1\""));
        assert!(xml.contains(&format!(
            "<wsse:Nonce EncodingType=\"{BASE64_BINARY}\">LKqI6G/AikKCQrN0zqZFlg==</wsse:Nonce>"
        )));
        assert!(xml.contains("<wsu:Created>2010-09-16T07:50:45Z</wsu:Created>"));
        assert!(!envelope(&get_device_information(), None).contains("Header"));
    }

    /// Profile tokens are escaped in every body that carries one, and each body is well-formed.
    #[test]
    fn bodies_escape_tokens_and_are_well_formed() {
        let evil = "<x>&\"'";
        for body in [
            get_stream_uri(evil),
            get_snapshot_uri(evil),
            get_stream_uri2(evil),
            get_snapshot_uri2(evil),
        ] {
            assert!(body.contains("&lt;x&gt;&amp;&quot;&apos;"), "{body}");
            assert!(!body.contains(evil));
        }
        for body in [
            get_system_date_and_time(),
            get_device_information(),
            get_capabilities(),
            get_services(),
            get_profiles(),
            get_profiles2(),
            get_stream_uri(evil),
            get_snapshot_uri(evil),
            get_stream_uri2(evil),
            get_snapshot_uri2(evil),
        ] {
            let doc = crate::discovery::xml::Doc::parse(envelope(&body, None).as_bytes()).unwrap();
            assert!(doc.root().path(&["Body"]).is_some());
        }
    }
}
