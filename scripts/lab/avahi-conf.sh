#!/usr/bin/env sh
# avahi-conf.sh HOSTNAME — prints the avahi-daemon.conf of a lab host: IPv4 on eth0 only, no D-Bus,
# no wide-area, only the services of its service directory (lab-up.sh's cameras, zoo-up.sh's mDNS
# camera; each runs avahi-daemon in a private mount namespace of its own).
cat <<CONF
[server]
host-name=$1
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
enable-dbus=no
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
CONF
