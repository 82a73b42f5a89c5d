#!/usr/bin/env bash
# media.sh DIR — the lab's pre-encoded media, made once into DIR (kept across re-runs), shared by
# zoo-up.sh and farm-up.sh: nothing encodes while a client plays, files are only replayed.
# MP4 (H.264 baseline / H.265, 5 fps, key frame every 2 s) for gst-rtsp-server's filesrc; RTP dumps
# (RFC 4571 framing) made by GStreamer's own payloaders for zoo-peer.py: -stap = SPS/PPS
# aggregated in a STAP-A before each IDR (a camera without sprop-parameter-sets).
set -euo pipefail
MEDIA=${1:?usage: media.sh DIR}
mkdir -p "$MEDIA"
for s in 640x360 320x180; do
  f=$MEDIA/h264-$s.mp4; [ -s "$f" ] || ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
    -i "testsrc=size=$s:rate=5" -t 20 -c:v libx264 -preset veryfast -profile:v baseline \
    -pix_fmt yuv420p -g 10 -b:v 120k "$f"
  f=$MEDIA/h265-$s.mp4; [ -s "$f" ] || ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
    -i "testsrc=size=$s:rate=5" -t 20 -c:v libx265 -preset veryfast -pix_fmt yuv420p \
    -x265-params keyint=10:log-level=error -b:v 120k -tag:v hvc1 "$f"
  for codec in h264 h265; do
    f=$MEDIA/$codec-$s.rtp; [ -s "$f" ] || gst-launch-1.0 -q filesrc location="$MEDIA/$codec-$s.mp4" \
      ! qtdemux ! "${codec}parse" ! "rtp${codec}pay" pt=96 mtu=1400 config-interval=-1 \
      ! rtpstreampay ! filesink location="$f"
  done
  f=$MEDIA/h264-$s-stap.rtp; [ -s "$f" ] || gst-launch-1.0 -q filesrc location="$MEDIA/h264-$s.mp4" \
    ! qtdemux ! h264parse ! rtph264pay pt=96 mtu=1400 config-interval=-1 aggregate-mode=zero-latency \
    ! rtpstreampay ! filesink location="$f"
done
f=$MEDIA/mjpeg-640x360.rtp; [ -s "$f" ] || gst-launch-1.0 -q videotestsrc num-buffers=100 pattern=smpte \
  ! video/x-raw,format=I420,width=640,height=360,framerate=5/1 ! jpegenc quality=50 ! rtpjpegpay pt=26 mtu=1400 \
  ! rtpstreampay ! filesink location="$f"
exit 0
