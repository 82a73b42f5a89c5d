//! SDP (RFC 4566) as returned by DESCRIBE: the session-level `a=control` and, per media
//! section, kind, port, protocol, payload type, `a=rtpmap`, `a=fmtp` and `a=control`; the
//! codec and the SPS (for the resolution) of a media; and the RTSP control URL resolution of
//! RFC 2326 C.1.1.
//!
//! Lenient like the cameras that write it: CRLF or LF, unknown lines and attributes
//! ignored, blanks around `;` in fmtp, base64 with or without padding. Bounded: at most
//! [`MAX_MEDIA`] media sections.

use base64::Engine as _;

/// Most media sections accepted in one SDP (cameras send 1 to 3).
pub const MAX_MEDIA: usize = 32;

/// What is wrong with an SDP body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// An `m=` line without kind, numeric port, protocol and format.
    #[error("bad SDP media line {line:?}")]
    BadMediaLine {
        /// The line (at most 80 characters).
        line: String,
    },
    /// No `m=` line at all: nothing to play.
    #[error("SDP has no media section")]
    NoMedia,
    /// More than [`MAX_MEDIA`] media sections.
    #[error("SDP has more than {limit} media sections")]
    TooManyMedia {
        /// The limit, [`MAX_MEDIA`].
        limit: usize,
    },
}

/// A parsed session description.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sdp {
    /// Session-level `a=control` (often `*`).
    pub control: Option<String>,
    /// Media sections in order.
    pub media: Vec<Media>,
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Encoding name as written (e.g. `H264`, `H265`, `PCMU`).
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Audio channels, when given.
    pub channels: Option<u32>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `video`, `audio`, `application`, ...
    pub kind: String,
    /// Port (0 in RTSP DESCRIBE answers).
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub protocol: String,
    /// First payload format of the m= line as a number (None if not numeric).
    pub payload_type: Option<u8>,
    /// `a=rtpmap` of that payload type.
    pub rtpmap: Option<RtpMap>,
    /// `a=fmtp` parameters of that payload type, `(name, value)` in order.
    pub fmtp: Vec<(String, String)>,
    /// Media-level `a=control`.
    pub control: Option<String>,
}

/// Codec of a media section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codec {
    /// H.264 / AVC.
    H264,
    /// H.265 / HEVC.
    H265,
    /// Motion JPEG (RTP/JPEG, static payload type 26).
    Mjpeg,
    /// G.711 µ-law (static payload type 0).
    Pcmu,
    /// G.711 A-law (static payload type 8).
    Pcma,
    /// AAC (`MPEG4-GENERIC` or `MP4A-LATM`).
    Aac,
    /// Anything else, by its rtpmap encoding name (or `pt<N>` without one).
    Other(String),
}

impl Media {
    /// A fmtp parameter by name (case-insensitive).
    #[must_use]
    pub fn fmtp(&self, name: &str) -> Option<&str> {
        self.fmtp
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The codec, from the rtpmap encoding name or the static payload type.
    #[must_use]
    pub fn codec(&self) -> Codec {
        let Some(map) = &self.rtpmap else {
            return match self.payload_type {
                Some(0) => Codec::Pcmu,
                Some(8) => Codec::Pcma,
                Some(26) => Codec::Mjpeg,
                Some(pt) => Codec::Other(format!("pt{pt}")),
                None => Codec::Other(String::new()),
            };
        };
        match map.encoding.to_ascii_uppercase().as_str() {
            "H264" => Codec::H264,
            "H265" | "HEVC" => Codec::H265,
            "JPEG" => Codec::Mjpeg,
            "PCMU" => Codec::Pcmu,
            "PCMA" => Codec::Pcma,
            "MPEG4-GENERIC" | "MP4A-LATM" => Codec::Aac,
            _ => Codec::Other(map.encoding.clone()),
        }
    }

    /// The sequence parameter set NAL unit (with its NAL header) announced in fmtp: for
    /// H.264 the first SPS (type 7) of `sprop-parameter-sets`, for H.265 the first of
    /// `sprop-sps`. Feed it to [`super::h264_sps_resolution`] / [`super::h265_sps_resolution`].
    #[must_use]
    pub fn sps(&self) -> Option<Vec<u8>> {
        match self.codec() {
            Codec::H264 => self
                .fmtp("sprop-parameter-sets")?
                .split(',')
                .filter_map(decode_base64)
                .find(|nal| nal.first().is_some_and(|b| b & 0x1f == 7)),
            Codec::H265 => decode_base64(self.fmtp("sprop-sps")?.split(',').next()?),
            _ => None,
        }
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let text = text.trim();
    STANDARD
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text.trim_end_matches('=')))
        .ok()
        .filter(|nal| !nal.is_empty())
}

/// Parses an SDP body.
///
/// # Errors
///
/// [`SdpError::BadMediaLine`] for an `m=` line that does not parse, [`SdpError::NoMedia`]
/// when there is no `m=` line, [`SdpError::TooManyMedia`] past [`MAX_MEDIA`].
pub fn parse_sdp(bytes: &[u8]) -> Result<Sdp, SdpError> {
    let text = String::from_utf8_lossy(bytes);
    let mut sdp = Sdp::default();
    for line in text.split('\n').map(|l| l.trim_end_matches('\r').trim()) {
        if let Some(m) = line.strip_prefix("m=") {
            if sdp.media.len() == MAX_MEDIA {
                return Err(SdpError::TooManyMedia { limit: MAX_MEDIA });
            }
            let media = parse_media_line(m).ok_or_else(|| SdpError::BadMediaLine {
                line: line.chars().take(80).collect(),
            })?;
            sdp.media.push(media);
            continue;
        }
        let Some(attr) = line.strip_prefix("a=") else {
            continue;
        };
        let (name, value) = attr.split_once(':').unwrap_or((attr, ""));
        let value = value.trim();
        let Some(media) = sdp.media.last_mut() else {
            if name.eq_ignore_ascii_case("control") && sdp.control.is_none() {
                sdp.control = Some(value.to_string());
            }
            continue;
        };
        match name.to_ascii_lowercase().as_str() {
            "control" if media.control.is_none() => media.control = Some(value.to_string()),
            "rtpmap" if media.rtpmap.is_none() => {
                if let Some(map) = for_payload(media, value).and_then(parse_rtpmap) {
                    media.rtpmap = Some(map);
                }
            }
            "fmtp" if media.fmtp.is_empty() => {
                if let Some(params) = for_payload(media, value) {
                    media.fmtp = parse_fmtp(params);
                }
            }
            _ => {}
        }
    }
    if sdp.media.is_empty() {
        return Err(SdpError::NoMedia);
    }
    Ok(sdp)
}

/// `kind port[/count] proto fmt...`.
fn parse_media_line(m: &str) -> Option<Media> {
    let mut parts = m.split_whitespace();
    let kind = parts.next()?.to_string();
    let port = parts.next()?.split('/').next()?.parse().ok()?;
    let protocol = parts.next()?.to_string();
    let format = parts.next()?;
    Some(Media {
        kind,
        port,
        protocol,
        payload_type: format.parse().ok(),
        rtpmap: None,
        fmtp: Vec::new(),
        control: None,
    })
}

/// The rest of an `a=rtpmap:`/`a=fmtp:` value when its payload type is the media's.
fn for_payload<'a>(media: &Media, value: &'a str) -> Option<&'a str> {
    let (pt, rest) = value.split_once(char::is_whitespace)?;
    (pt.parse::<u8>().ok() == media.payload_type).then(|| rest.trim())
}

fn parse_rtpmap(value: &str) -> Option<RtpMap> {
    let mut parts = value.split('/');
    let encoding = parts.next()?.trim().to_string();
    let clock_rate = parts.next()?.trim().parse().ok()?;
    let channels = parts.next().and_then(|c| c.trim().parse().ok());
    Some(RtpMap {
        encoding,
        clock_rate,
        channels,
    })
}

fn parse_fmtp(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|p| {
            let p = p.trim();
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (!k.is_empty()).then(|| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The URL to send SETUP (media control) or PLAY (session control) to (RFC 2326 C.1.1).
///
/// An absolute `control` (`scheme://...`) is used as is; otherwise the base is
/// `content_base` when the server sent one, else `base` (the DESCRIBE URL); a missing
/// control or `*` means the base itself; a relative control is appended to the base with
/// exactly one `/` between them (what cameras expect, even after a query string).
#[must_use]
pub fn control_url(base: &str, content_base: Option<&str>, control: Option<&str>) -> String {
    let base = content_base
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .unwrap_or(base);
    let control = control.map(str::trim).unwrap_or("");
    if control.contains("://") {
        return control.to_string();
    }
    if control.is_empty() || control == "*" {
        return base.to_string();
    }
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        control.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::rtsp::{h264_sps_resolution, h265_sps_resolution, next_frame, Frame};

    /// The response of a fixture: (request-independent) Content-Base and the parsed body.
    fn describe(fixture: &[u8]) -> (Option<String>, Sdp) {
        let Ok(Some((Frame::Response(r), _))) = next_frame(fixture, 1 << 16) else {
            panic!("fixture does not parse")
        };
        assert_eq!(r.status, 200);
        let base = r.header("Content-Base").map(str::to_string);
        (base, parse_sdp(&r.body).expect("sdp"))
    }

    fn resolution(m: &Media) -> Option<(u32, u32)> {
        let sps = m.sps()?;
        match m.codec() {
            Codec::H264 => h264_sps_resolution(&sps),
            Codec::H265 => h265_sps_resolution(&sps),
            _ => None,
        }
    }

    /// Every DESCRIBE captured from the lab: codec, control URL and the SPS resolution the
    /// lab configured (lab-up.sh mounts; cam6's ffmpeg feed and ipycam's source are 320x240).
    #[test]
    fn lab_describe_fixtures() {
        /// (DESCRIBE 200 fixture, request URL, codec, SETUP URL, picture size)
        type Case = (&'static [u8], &'static str, Codec, &'static str, (u32, u32));
        let cases: [Case; 8] = [
            (
                include_bytes!("testdata/hikvision_gst_describe.txt"),
                "rtsp://10.77.0.101:554/Streaming/Channels/101",
                Codec::H264,
                "rtsp://10.77.0.101:554/Streaming/Channels/101/stream=0",
                (640, 360),
            ),
            (
                include_bytes!("testdata/hikvision_gst_sub_describe.txt"),
                "rtsp://10.77.0.101:554/Streaming/Channels/102",
                Codec::H264,
                "rtsp://10.77.0.101:554/Streaming/Channels/102/stream=0",
                (320, 180),
            ),
            (
                include_bytes!("testdata/hikvision_ipycam_describe.txt"),
                "rtsp://10.77.0.101:8554/live_main",
                Codec::H264,
                "rtsp://10.77.0.101:8554/live_main/trackID=0",
                (320, 240),
            ),
            (
                include_bytes!("testdata/reolink_gst_describe.txt"),
                "rtsp://10.77.0.104:554/h264Preview_01_main",
                Codec::H264,
                "rtsp://10.77.0.104:554/h264Preview_01_main/stream=0",
                (640, 360),
            ),
            (
                include_bytes!("testdata/reolink_gst_sub_describe.txt"),
                "rtsp://10.77.0.104:554/h264Preview_01_sub",
                Codec::H264,
                "rtsp://10.77.0.104:554/h264Preview_01_sub/stream=0",
                (320, 180),
            ),
            (
                include_bytes!("testdata/amcrest_gst_stream1_describe.txt"),
                "rtsp://10.77.0.105:8554/stream1",
                Codec::H265,
                "rtsp://10.77.0.105:8554/stream1/stream=0",
                (640, 360),
            ),
            (
                include_bytes!("testdata/amcrest_gst_stream2_describe.txt"),
                "rtsp://10.77.0.105:8554/stream2",
                Codec::H264,
                "rtsp://10.77.0.105:8554/stream2/stream=0",
                (320, 180),
            ),
            (
                include_bytes!("testdata/uniview_rtspserver_describe.txt"),
                "rtsp://10.77.0.106:554/media/video1",
                Codec::H264,
                "rtsp://10.77.0.106:554/media/video1/streamid=0",
                (320, 240),
            ),
        ];
        for (fixture, url, codec, setup, size) in cases {
            let (base, sdp) = describe(fixture);
            let video = &sdp.media[0];
            assert_eq!(
                (video.kind.as_str(), video.port, video.payload_type),
                ("video", 0, Some(96)),
                "{url}"
            );
            assert_eq!(video.protocol, "RTP/AVP");
            assert_eq!(video.codec(), codec, "{url}");
            assert_eq!(video.rtpmap.as_ref().map(|m| m.clock_rate), Some(90_000));
            let setup_url = control_url(url, base.as_deref(), video.control.as_deref());
            assert_eq!(setup_url, setup);
            assert_eq!(resolution(video), Some(size), "{url}");
        }
    }

    /// gst-rtsp-server with `--audio` (cam2): H.264 plus static-payload PCMU, session
    /// control `*` (PLAY goes to the Content-Base), Content-Base drops the query string.
    #[test]
    fn dahua_video_and_pcmu() {
        let (base, sdp) = describe(include_bytes!("testdata/dahua_gst_describe.txt"));
        assert_eq!(sdp.control.as_deref(), Some("*"));
        let kinds: Vec<(&str, Codec)> = sdp
            .media
            .iter()
            .map(|m| (m.kind.as_str(), m.codec()))
            .collect();
        assert_eq!(kinds, [("video", Codec::H264), ("audio", Codec::Pcmu)]);
        let audio = &sdp.media[1];
        assert_eq!(audio.rtpmap.as_ref().map(|m| m.clock_rate), Some(8000));
        let url = "rtsp://10.77.0.102:554/cam/realmonitor?channel=1&subtype=0";
        assert_eq!(
            control_url(url, base.as_deref(), sdp.control.as_deref()),
            "rtsp://10.77.0.102:554/cam/realmonitor/"
        );
        assert_eq!(
            control_url(url, base.as_deref(), audio.control.as_deref()),
            "rtsp://10.77.0.102:554/cam/realmonitor/stream=1"
        );
        assert_eq!(audio.sps(), None);
    }

    /// libavformat's SDP (cam6) writes blanks after `;` in fmtp and an uppercase
    /// profile-level-id; the SPS is High 4:4:4 Predictive (chroma_format_idc in the SPS).
    #[test]
    fn libavformat_fmtp_blanks() {
        let (base, sdp) = describe(include_bytes!("testdata/uniview_rtspserver_describe.txt"));
        assert_eq!(base, None);
        let video = &sdp.media[0];
        assert_eq!(video.fmtp("profile-level-id"), Some("F4000B"));
        assert_eq!(video.fmtp("PACKETIZATION-MODE"), Some("1"));
        assert_eq!(video.sps().map(|s| s[1]), Some(244));
    }

    /// LF-only, unknown lines, static payload types without rtpmap (MJPEG, PCMA), attributes
    /// of another payload type ignored, a port with a count.
    #[test]
    fn lenient_sdp() {
        let body = b"v=0\nx=unknown\na=control:rtsp://cam/all\nm=video 5000/2 RTP/AVP 26 96\n\
            a=rtpmap:96 H264/90000\na=fmtp:96 sprop-parameter-sets=Z0I\na=control:track1\n\
            m=audio 0 RTP/AVP 8\na=control:track2\nm=audio 0 RTP/AVP 97\na=rtpmap:97 MPEG4-GENERIC/16000/2\n";
        let sdp = parse_sdp(body).expect("sdp");
        assert_eq!(sdp.control.as_deref(), Some("rtsp://cam/all"));
        let m = &sdp.media;
        assert_eq!(
            (m[0].port, m[0].payload_type, m[0].codec()),
            (5000, Some(26), Codec::Mjpeg)
        );
        assert!(m[0].rtpmap.is_none() && m[0].fmtp.is_empty());
        assert_eq!(m[1].codec(), Codec::Pcma);
        assert_eq!(m[2].codec(), Codec::Aac);
        assert_eq!(m[2].rtpmap.as_ref().and_then(|r| r.channels), Some(2));
    }

    /// Errors name what failed: a broken m= line, no media at all.
    #[test]
    fn sdp_errors() {
        assert_eq!(parse_sdp(b"v=0\r\ns=x\r\n"), Err(SdpError::NoMedia));
        let err = parse_sdp(b"v=0\r\nm=video x RTP/AVP 96\r\n");
        assert_eq!(
            err,
            Err(SdpError::BadMediaLine {
                line: "m=video x RTP/AVP 96".into()
            })
        );
        let many = "m=video 0 RTP/AVP 96\n".repeat(MAX_MEDIA + 1);
        assert_eq!(
            parse_sdp(many.as_bytes()),
            Err(SdpError::TooManyMedia { limit: MAX_MEDIA })
        );
    }

    /// RFC 2326 C.1.1: absolute control wins, `*` and none mean the base, Content-Base
    /// beats the request URL, exactly one `/` when joining.
    #[test]
    fn control_urls() {
        let url = "rtsp://h/s";
        assert_eq!(control_url(url, None, Some("rtsp://o/t")), "rtsp://o/t");
        assert_eq!(
            control_url(url, Some("rtsp://h/s/"), Some("*")),
            "rtsp://h/s/"
        );
        assert_eq!(control_url(url, None, None), url);
        assert_eq!(
            control_url(url, Some("rtsp://h/s/"), Some("/trackID=1")),
            "rtsp://h/s/trackID=1"
        );
        assert_eq!(
            control_url(url, Some(""), Some("trackID=1")),
            "rtsp://h/s/trackID=1"
        );
        assert_eq!(
            control_url("rtsp://h/a?x=1", None, Some("t")),
            "rtsp://h/a?x=1/t"
        );
    }
}
