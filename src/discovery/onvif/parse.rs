//! ONVIF replies: one `parse_*` function per operation, over the raw HTTP body.
//!
//! Elements are matched by local name, so any namespace prefix (or none) is accepted; the
//! XML declaration is optional and whitespace around values is ignored. Each parser first
//! reads the bounded tree (see the module `xml`: no DOCTYPE, depth, count and size limits),
//! then returns [`OnvifError::Fault`] if the body is a SOAP fault, then looks for its
//! `...Response` element. Errors name the operation and what was missing.
use super::time::unix_from_civil;
use super::{Fault, OnvifError};
use crate::discovery::xml::{Doc, El};
use crate::model::{Capabilities, Profile};

/// Namespace of the Media2 service in `GetServices` replies.
pub const MEDIA2_NS: &str = "http://www.onvif.org/ver20/media/wsdl";

/// `GetDeviceInformation`. A field the device leaves out is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    pub manufacturer: String,
    pub model: String,
    pub firmware_version: String,
    pub serial_number: String,
    pub hardware_id: String,
}

/// `GetCapabilities`: the service XAddrs (a category is offered when the device lists it
/// with a non-empty XAddr).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Xaddrs {
    pub device: Option<String>,
    pub media: Option<String>,
    pub ptz: Option<String>,
    pub imaging: Option<String>,
    pub events: Option<String>,
    pub analytics: Option<String>,
}

impl Xaddrs {
    /// The services offered; `media2`: the device also lists Media2 in `GetServices`.
    #[must_use]
    pub fn offered(&self, media2: bool) -> Capabilities {
        Capabilities {
            analytics: self.analytics.is_some(),
            events: self.events.is_some(),
            imaging: self.imaging.is_some(),
            media: self.media.is_some() || media2,
            ptz: self.ptz.is_some(),
        }
    }
}

/// One entry of `GetServices`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub namespace: String,
    pub xaddr: String,
}

/// The bounded tree of `bytes`, its refusal naming the operation.
fn read(op: &'static str, bytes: &[u8]) -> Result<Doc, OnvifError> {
    Doc::parse(bytes).map_err(|e| OnvifError::from_xml(op, e))
}

/// Reads the document, turns a fault into an error, and returns the `Body`.
fn body<'d>(op: &'static str, doc: &'d Doc) -> Result<El<'d>, OnvifError> {
    let root = doc.root();
    if root.name() != "Envelope" {
        return Err(OnvifError::Missing {
            operation: op,
            missing: "SOAP Envelope",
        });
    }
    let body = root.child("Body").ok_or(OnvifError::Missing {
        operation: op,
        missing: "SOAP Body",
    })?;
    if let Some(fault) = body.child("Fault").map(fault_of) {
        return Err(OnvifError::Fault {
            operation: op,
            fault,
        });
    }
    Ok(body)
}

/// Parses `bytes` and returns the first element named `response` inside the Body.
fn response<'d>(
    op: &'static str,
    doc: &'d Doc,
    response: &'static str,
) -> Result<El<'d>, OnvifError> {
    let body = body(op, doc)?;
    body.find(response).ok_or(OnvifError::Missing {
        operation: op,
        missing: response,
    })
}

fn invalid(op: &'static str, field: &'static str, value: &str) -> OnvifError {
    OnvifError::Invalid {
        operation: op,
        field,
        value: value.chars().take(64).collect(),
    }
}

fn number<T: std::str::FromStr>(
    op: &'static str,
    field: &'static str,
    el: Option<El<'_>>,
) -> Result<Option<T>, OnvifError> {
    match el.map(|e| e.text()).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| invalid(op, field, t)),
    }
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_string)
}

/// `GetSystemDateAndTime` → the camera's UTC clock as unix seconds. Uses `UTCDateTime`;
/// only when a device omits it, `LocalDateTime` is read *as if it were UTC* (the
/// device's time zone string is not interpreted), which can be off by the zone offset.
///
/// # Errors
///
/// Malformed XML, a fault, no `SystemDateAndTime`, neither `UTCDateTime` nor
/// `LocalDateTime`, or a missing / out-of-range date or time field.
pub fn parse_system_date_and_time(bytes: &[u8]) -> Result<i64, OnvifError> {
    const OP: &str = "GetSystemDateAndTime";
    let doc = read(OP, bytes)?;
    let sdt = response(OP, &doc, "GetSystemDateAndTimeResponse")?
        .find("SystemDateAndTime")
        .ok_or(OnvifError::Missing {
            operation: OP,
            missing: "SystemDateAndTime",
        })?;
    let dt = sdt
        .child("UTCDateTime")
        .or_else(|| sdt.child("LocalDateTime"))
        .ok_or(OnvifError::Missing {
            operation: OP,
            missing: "UTCDateTime or LocalDateTime",
        })?;
    let date = dt.child("Date").ok_or(OnvifError::Missing {
        operation: OP,
        missing: "DateTime/Date",
    })?;
    let time = dt.child("Time").ok_or(OnvifError::Missing {
        operation: OP,
        missing: "DateTime/Time",
    })?;
    let field = |el: El<'_>, name: &'static str| -> Result<u32, OnvifError> {
        number(OP, name, el.child(name))?.ok_or(OnvifError::Missing {
            operation: OP,
            missing: name,
        })
    };
    let (y, mo, d) = (
        field(date, "Year")?,
        field(date, "Month")?,
        field(date, "Day")?,
    );
    let (h, mi, s) = (
        field(time, "Hour")?,
        field(time, "Minute")?,
        field(time, "Second")?,
    );
    unix_from_civil(i64::from(y), mo, d, h, mi, s).ok_or_else(|| {
        invalid(
            OP,
            "date/time",
            &format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
        )
    })
}

/// `GetDeviceInformation` → [`DeviceInfo`].
///
/// # Errors
///
/// Malformed XML, a fault, or no `GetDeviceInformationResponse`.
pub fn parse_device_information(bytes: &[u8]) -> Result<DeviceInfo, OnvifError> {
    const OP: &str = "GetDeviceInformation";
    let doc = read(OP, bytes)?;
    let r = response(OP, &doc, "GetDeviceInformationResponse")?;
    let text = |name| r.child_text(name).unwrap_or_default().to_string();
    Ok(DeviceInfo {
        manufacturer: text("Manufacturer"),
        model: text("Model"),
        firmware_version: text("FirmwareVersion"),
        serial_number: text("SerialNumber"),
        hardware_id: text("HardwareId"),
    })
}

/// `GetCapabilities` → the services' [`Xaddrs`].
///
/// # Errors
///
/// Malformed XML, a fault, or no `GetCapabilitiesResponse/Capabilities`.
pub fn parse_capabilities(bytes: &[u8]) -> Result<Xaddrs, OnvifError> {
    const OP: &str = "GetCapabilities";
    let doc = read(OP, bytes)?;
    let caps = response(OP, &doc, "GetCapabilitiesResponse")?
        .child("Capabilities")
        .ok_or(OnvifError::Missing {
            operation: OP,
            missing: "GetCapabilitiesResponse/Capabilities",
        })?;
    let xaddr = |name| owned(caps.child(name).and_then(|c| c.child_text("XAddr")));
    Ok(Xaddrs {
        device: xaddr("Device"),
        media: xaddr("Media"),
        ptz: xaddr("PTZ"),
        imaging: xaddr("Imaging"),
        events: xaddr("Events"),
        analytics: xaddr("Analytics"),
    })
}

/// `GetServices` → every `Service` with both a `Namespace` and an `XAddr`, in order.
///
/// # Errors
///
/// Malformed XML, a fault, or no `GetServicesResponse`.
pub fn parse_services(bytes: &[u8]) -> Result<Vec<Service>, OnvifError> {
    const OP: &str = "GetServices";
    let doc = read(OP, bytes)?;
    let r = response(OP, &doc, "GetServicesResponse")?;
    Ok(r.children()
        .filter(|c| c.name() == "Service")
        .filter_map(|s| {
            let namespace = s.child_text("Namespace")?.to_string();
            let xaddr = s.child_text("XAddr")?.to_string();
            Some(Service { namespace, xaddr })
        })
        .collect())
}

/// The XAddr of the Media2 service in a `GetServices` list, if the device has one.
pub fn media2_xaddr(services: &[Service]) -> Option<&str> {
    services
        .iter()
        .find(|s| s.namespace == MEDIA2_NS)
        .map(|s| s.xaddr.as_str())
}

/// `GetProfiles`, Media1 or Media2 shape → the profiles in device order. The encoder is
/// Media1 `VideoEncoderConfiguration` or Media2 `Configurations/VideoEncoder`; framerate is
/// its `RateControl/FrameRateLimit`. Absent values are `None`.
///
/// # Errors
///
/// Malformed XML, a fault, no `GetProfilesResponse`, a profile without a `token`
/// attribute, or a resolution / framerate that is not a number.
pub fn parse_profiles(bytes: &[u8]) -> Result<Vec<Profile>, OnvifError> {
    const OP: &str = "GetProfiles";
    let doc = read(OP, bytes)?;
    let r = response(OP, &doc, "GetProfilesResponse")?;
    let mut out = Vec::new();
    for p in r.children().filter(|c| c.name() == "Profiles") {
        let token = p.attr("token").ok_or(OnvifError::Missing {
            operation: OP,
            missing: "Profiles token attribute",
        })?;
        let encoder = p
            .child("VideoEncoderConfiguration")
            .or_else(|| p.path(&["Configurations", "VideoEncoder"]));
        let resolution = encoder.and_then(|e| e.child("Resolution"));
        out.push(Profile {
            token: token.to_string(),
            name: p.child_text("Name").unwrap_or_default().to_string(),
            encoding: encoder
                .and_then(|e| e.child_text("Encoding"))
                .map(normalise_encoding),
            width: number(
                OP,
                "Resolution/Width",
                resolution.and_then(|r| r.child("Width")),
            )?,
            height: number(
                OP,
                "Resolution/Height",
                resolution.and_then(|r| r.child("Height")),
            )?,
            framerate: number(
                OP,
                "FrameRateLimit",
                encoder.and_then(|e| e.path(&["RateControl", "FrameRateLimit"])),
            )?
            .filter(|f: &f32| f.is_finite()),
        });
    }
    Ok(out)
}

fn normalise_encoding(raw: &str) -> String {
    let up = raw.to_ascii_uppercase().replace('.', "");
    match up.as_str() {
        "HEVC" => "H265".to_string(),
        "AVC" => "H264".to_string(),
        _ => up,
    }
}

/// `GetStreamUri`, Media1 (`MediaUri/Uri`) or Media2 (`Uri`) → the URI.
///
/// # Errors
///
/// Malformed XML, a fault, no `GetStreamUriResponse`, or neither `MediaUri/Uri` nor `Uri`.
pub fn parse_stream_uri(bytes: &[u8]) -> Result<String, OnvifError> {
    uri("GetStreamUri", "GetStreamUriResponse", bytes)
}

/// `GetSnapshotUri`, Media1 (`MediaUri/Uri`) or Media2 (`Uri`) → the URI.
///
/// # Errors
///
/// Malformed XML, a fault, no `GetSnapshotUriResponse`, or neither `MediaUri/Uri` nor `Uri`.
pub fn parse_snapshot_uri(bytes: &[u8]) -> Result<String, OnvifError> {
    uri("GetSnapshotUri", "GetSnapshotUriResponse", bytes)
}

fn uri(op: &'static str, response_name: &'static str, bytes: &[u8]) -> Result<String, OnvifError> {
    let doc = read(op, bytes)?;
    let r = response(op, &doc, response_name)?;
    r.path(&["MediaUri", "Uri"])
        .or_else(|| r.child("Uri"))
        .map(|u| u.text())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or(OnvifError::Missing {
            operation: op,
            missing: "MediaUri/Uri",
        })
}

/// The SOAP 1.2 or 1.1 fault in `bytes`, or `None` when `bytes` is not a SOAP envelope
/// with a `Body/Fault` (including when it is not XML at all, e.g. an HTML 401 page).
pub fn parse_fault(bytes: &[u8]) -> Option<Fault> {
    let doc = Doc::parse(bytes).ok()?;
    match body("Fault", &doc) {
        Err(OnvifError::Fault { fault, .. }) => Some(fault),
        _ => None,
    }
}

fn local(qname: &str) -> String {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l).to_string()
}

/// Reads a `Fault` element of either SOAP version.
fn fault_of(f: El<'_>) -> Fault {
    if let Some(code) = f.child("Code") {
        // SOAP 1.2: Code/Value, Code/Subcode/Value, Code/Subcode/Subcode/Value ...
        let mut subcode = None;
        let mut sub = code.child("Subcode");
        while let Some(s) = sub {
            subcode = s.child_text("Value").map(local).or(subcode);
            sub = s.child("Subcode");
        }
        let reason = f
            .child("Reason")
            .and_then(|r| r.child_text("Text"))
            .unwrap_or_default();
        Fault {
            code: code.child_text("Value").map(local).unwrap_or_default(),
            subcode,
            reason: reason.to_string(),
        }
    } else {
        // SOAP 1.1: faultcode, faultstring.
        Fault {
            code: f.child_text("faultcode").map(local).unwrap_or_default(),
            subcode: None,
            reason: f.child_text("faultstring").unwrap_or_default().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(body: &str) -> Vec<u8> {
        format!("<e:Envelope xmlns:e='http://www.w3.org/2003/05/soap-envelope'><e:Body>{body}</e:Body></e:Envelope>")
            .into_bytes()
    }

    /// A SOAP 1.1 fault (`faultcode`/`faultstring`, any prefix) is read, and turns every
    /// parser's result into `OnvifError::Fault` naming the operation.
    #[test]
    fn soap11_fault() {
        let b = env("<S:Fault xmlns:S='x'><faultcode>SOAP-ENV:Client</faultcode><faultstring> Not Authorized </faultstring></S:Fault>");
        let f = parse_fault(&b).unwrap();
        assert_eq!(
            f,
            Fault {
                code: "Client".into(),
                subcode: None,
                reason: "Not Authorized".into()
            }
        );
        let e = parse_stream_uri(&b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GetStreamUri response: SOAP fault Client: \"Not Authorized\""
        );
    }

    /// SOAP 1.2 with nested subcodes: the innermost is kept (`ter:NotAuthorized`).
    #[test]
    fn soap12_nested_subcode() {
        let b = env(concat!(
            "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value>",
            "<s:Subcode><s:Value>ter:SenderNotAuthorized</s:Value></s:Subcode></s:Subcode></s:Code>",
            "<s:Reason><s:Text xml:lang='en'>Sender not authorized</s:Text></s:Reason></s:Fault>"
        ));
        let f = parse_fault(&b).unwrap();
        assert_eq!(f.code, "Sender");
        assert_eq!(f.subcode.as_deref(), Some("SenderNotAuthorized"));
        assert_eq!(f.reason, "Sender not authorized");
        let b = env("<Fault><Code><Value>Sender</Value><Subcode><Value>ter:NotAuthorized</Value></Subcode></Code></Fault>");
        assert!(parse_fault(&b).unwrap().is_auth_failure());
        assert_eq!(parse_fault(b"<html>401</html>"), None);
        assert_eq!(parse_fault(b"Unauthorized"), None);
        assert_eq!(parse_fault(&env("<GetStreamUriResponse/>")), None);
        // A code with a line break still gives a one-line error.
        let b = env(
            "<Fault><Code><Value>a\nb</Value><Subcode><Value>c\rd</Value></Subcode></Code></Fault>",
        );
        assert!(!parse_stream_uri(&b)
            .unwrap_err()
            .to_string()
            .contains(['\n', '\r']));
    }

    /// Errors say what was missing: no MediaUri/Uri, no response element, no Body.
    #[test]
    fn missing_elements_are_named() {
        let e = parse_stream_uri(&env(
            "<GetStreamUriResponse><MediaUri/></GetStreamUriResponse>",
        ))
        .unwrap_err();
        assert_eq!(e.to_string(), "GetStreamUri response: no MediaUri/Uri");
        let e = parse_profiles(&env("<GetStreamUriResponse/>")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GetProfiles response: no GetProfilesResponse"
        );
        let e = parse_device_information(b"<Envelope/>").unwrap_err();
        assert_eq!(e.to_string(), "GetDeviceInformation response: no SOAP Body");
        let e = parse_profiles(&env(
            "<GetProfilesResponse><Profiles><Name>x</Name></Profiles></GetProfilesResponse>",
        ));
        assert_eq!(
            e.unwrap_err().to_string(),
            "GetProfiles response: no Profiles token attribute"
        );
    }

    /// Only UTC fields are used when both are present; LocalDateTime is the fallback;
    /// out-of-range dates and non-numbers are errors.
    #[test]
    fn system_date_and_time_prefers_utc() {
        let dt = |tag: &str, y: &str| {
            format!("<{tag}><Time><Hour>23</Hour><Minute>53</Minute><Second>47</Second></Time><Date><Year>{y}</Year><Month>11</Month><Day>26</Day></Date></{tag}>")
        };
        let both = env(&format!(
            "<GetSystemDateAndTimeResponse><SystemDateAndTime>{}{}</SystemDateAndTime></GetSystemDateAndTimeResponse>",
            dt("LocalDateTime", "2030"),
            dt("UTCDateTime", "2026")
        ));
        assert_eq!(parse_system_date_and_time(&both).unwrap(), 1_795_737_227);
        let local = env(&format!(
            "<GetSystemDateAndTimeResponse><SystemDateAndTime>{}</SystemDateAndTime></GetSystemDateAndTimeResponse>",
            dt("LocalDateTime", "2026")
        ));
        assert_eq!(parse_system_date_and_time(&local).unwrap(), 1_795_737_227);
        let bad = |y: &str| {
            env(&format!(
                "<GetSystemDateAndTimeResponse><SystemDateAndTime>{}</SystemDateAndTime></GetSystemDateAndTimeResponse>",
                dt("UTCDateTime", y)
            ))
        };
        assert!(matches!(
            parse_system_date_and_time(&bad("x")),
            Err(OnvifError::Invalid { field: "Year", .. })
        ));
        assert!(matches!(
            parse_system_date_and_time(&bad("99999")),
            Err(OnvifError::Invalid { .. })
        ));
        let none = env(
            "<GetSystemDateAndTimeResponse><SystemDateAndTime/></GetSystemDateAndTimeResponse>",
        );
        assert_eq!(
            parse_system_date_and_time(&none).unwrap_err().to_string(),
            "GetSystemDateAndTime response: no UTCDateTime or LocalDateTime"
        );
    }

    /// Media2 shape with H.265 (`Configurations/VideoEncoder`) and encoder names normalised.
    #[test]
    fn media2_profiles_and_encoding_names() {
        let b = env(concat!(
            "<tr2:GetProfilesResponse><tr2:Profiles token='p0' fixed='true'><tt:Name>main</tt:Name>",
            "<tr2:Configurations><tr2:VideoEncoder token='v0'><tt:Encoding>H265</tt:Encoding>",
            "<tt:Resolution><tt:Width>3840</tt:Width><tt:Height>2160</tt:Height></tt:Resolution>",
            "<tt:RateControl><tt:FrameRateLimit>12.5</tt:FrameRateLimit></tt:RateControl></tr2:VideoEncoder>",
            "</tr2:Configurations></tr2:Profiles><tr2:Profiles token='p1'/></tr2:GetProfilesResponse>"
        ));
        let p = parse_profiles(&b).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            Profile {
                token: "p0".into(),
                name: "main".into(),
                encoding: Some("H265".into()),
                width: Some(3840),
                height: Some(2160),
                framerate: Some(12.5),
            }
        );
        assert_eq!((p[1].encoding.as_deref(), p[1].width), (None, None));
        assert_eq!(normalise_encoding("hevc"), "H265");
        assert_eq!(normalise_encoding("H.264"), "H264");
        let u = parse_stream_uri(&env(
            "<GetStreamUriResponse><Uri>rtsp://a/b?c=1&amp;d=2</Uri></GetStreamUriResponse>",
        ));
        assert_eq!(u.unwrap(), "rtsp://a/b?c=1&d=2");
    }
}
