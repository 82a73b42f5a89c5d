//! A stream seen to play: its URL (never with userinfo), codec, picture size and how the RTP
//! arrived. The RTSP probe reports it, the registry keeps a camera's main and sub stream,
//! Frigate's inputs and the contract's `streams` are built from it.
//!
//! Its serde form is the natural one (`{url, codec, width, height, transport}`: the `probe`
//! and `scan` JSON). The state file writes `udp_only` instead of `transport` (only when
//! true, as it always has): [`stored`] is that form, for `#[serde(with)]`.
use serde::Serialize;

/// How the RTP arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// A stream that was seen to play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stream {
    /// The URL without credentials.
    pub url: String,
    pub codec: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// UDP when the camera refused RTP over TCP: go2rtc's own RTSP client cannot pull such
    /// a stream, so its go2rtc source goes through ffmpeg.
    pub transport: Transport,
}

impl Stream {
    /// It played over UDP only (the camera refused RTP over TCP).
    #[must_use]
    pub fn udp_only(&self) -> bool {
        self.transport == Transport::Udp
    }

    /// `(width, height)` when both are known.
    #[must_use]
    pub fn size(&self) -> Option<(u32, u32)> {
        self.width.zip(self.height)
    }
}

/// The state file's form of an optional stream: `{url, codec, width, height}` plus
/// `"udp_only": true` for a stream that played over UDP only; a missing `udp_only` is TCP.
pub mod stored {
    use super::{Stream, Transport};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    struct Out<'a> {
        url: &'a str,
        codec: &'a str,
        width: Option<u32>,
        height: Option<u32>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        udp_only: bool,
    }

    #[derive(Deserialize)]
    struct In {
        url: String,
        codec: String,
        #[serde(default)]
        width: Option<u32>,
        #[serde(default)]
        height: Option<u32>,
        #[serde(default)]
        udp_only: bool,
    }

    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(s: &Option<Stream>, ser: S) -> Result<S::Ok, S::Error> {
        s.as_ref()
            .map(|s| Out {
                url: &s.url,
                codec: &s.codec,
                width: s.width,
                height: s.height,
                udp_only: s.udp_only(),
            })
            .serialize(ser)
    }

    /// # Errors
    /// Not a stream object (or null).
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Stream>, D::Error> {
        Ok(Option::<In>::deserialize(de)?.map(|s| Stream {
            url: s.url,
            codec: s.codec,
            width: s.width,
            height: s.height,
            transport: if s.udp_only {
                Transport::Udp
            } else {
                Transport::Tcp
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Holder(#[serde(with = "stored", default)] Option<Stream>);

    fn stream(transport: Transport) -> Stream {
        Stream {
            url: "rtsp://10.0.0.5/a".into(),
            codec: "h264".into(),
            width: Some(640),
            height: None,
            transport,
        }
    }

    /// The natural form names the transport; the stored form says `udp_only` only when true.
    #[test]
    fn the_stored_form_keeps_udp_only_and_reads_it_back() {
        let natural = serde_json::to_string(&stream(Transport::Udp)).unwrap();
        assert_eq!(
            natural,
            r#"{"url":"rtsp://10.0.0.5/a","codec":"h264","width":640,"height":null,"transport":"udp"}"#
        );
        for (transport, text) in [
            (
                Transport::Tcp,
                r#"{"url":"rtsp://10.0.0.5/a","codec":"h264","width":640,"height":null}"#,
            ),
            (
                Transport::Udp,
                r#"{"url":"rtsp://10.0.0.5/a","codec":"h264","width":640,"height":null,"udp_only":true}"#,
            ),
        ] {
            let held = Holder(Some(stream(transport)));
            assert_eq!(serde_json::to_string(&held).unwrap(), text);
            assert_eq!(serde_json::from_str::<Holder>(text).unwrap(), held);
        }
        assert_eq!(
            serde_json::from_str::<Holder>("null").unwrap(),
            Holder(None)
        );
        let old = r#"{"url":"rtsp://10.0.0.5/a","codec":"h264"}"#;
        let read = serde_json::from_str::<Holder>(old).unwrap().0.unwrap();
        assert_eq!((read.size(), read.udp_only()), (None, false));
    }
}
