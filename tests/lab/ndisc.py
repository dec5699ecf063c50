"""Send one unsolicited IPv6 Neighbour Advertisement (RFC 4861 7.2.6) for an address the node
just took over: ``python3 ndisc.py IFACE IP`` inside the node's namespace (stdlib only; the
lab's data plane runs it with ``ip netns exec``). To ff02::1, Override flag set, hop limit 255,
source = the address, with the interface's link-layer address as Target Link-Layer Address
option, so that neighbours with an entry for the address switch it to this node at once (the
IPv6 counterpart of ``arping -A``; iputils' arping is IPv4 only and the kernel announces an
address added with ``nodad`` by itself only on link events, ``ndisc_notify``). The kernel fills
in the ICMPv6 checksum of raw ICMPv6 sockets."""
import socket
import struct
import sys

NEIGHBOR_ADVERT = 136
FLAG_OVERRIDE = 0x20000000
OPT_TARGET_LLADDR = 2


def advert(ip, mac):
    target = socket.inet_pton(socket.AF_INET6, ip)
    lladdr = bytes.fromhex(mac.replace(":", ""))
    return (struct.pack("!BBHI", NEIGHBOR_ADVERT, 0, 0, FLAG_OVERRIDE) + target
            + struct.pack("!BB", OPT_TARGET_LLADDR, 1) + lladdr)


def main(iface, ip):
    with open("/sys/class/net/%s/address" % iface) as f:
        mac = f.read().strip()
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    try:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
        sock.bind((ip, 0, 0, 0))
        sock.sendto(advert(ip, mac), ("ff02::1", 0, 0, socket.if_nametoindex(iface)))
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
