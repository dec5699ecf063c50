"""Go's address parsing, as the OVN-Kubernetes controller sees addresses (the lab's emulation
must accept and refuse exactly what ``net.ParseIP``/``net.ParseCIDR``/``netip.ParsePrefix`` do,
and print what ``net.IP.String()`` prints). Python's ``ipaddress`` differs in three places that
matter here: it accepts an IPv6 zone (``fe80::1%eth0``) and a netmask or no prefix in an
interface; it keeps IPv4-mapped IPv6 as IPv6, where Go's ``String()`` prints the IPv4 form."""
import ipaddress

V4, V6 = 4, 6


def parse_ip(text):
    """net.ParseIP: the address, or None. An IPv4-mapped IPv6 address is returned as IPv4
    (Go stores both as 16 bytes; ``To4()`` is non-nil for them)."""
    if not isinstance(text, str) or "%" in text or "/" in text or text != text.strip() or not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == V6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def canonical(text):
    """net.ParseIP(text).String(): lower-case RFC 5952 IPv6, IPv4 for IPv4-mapped; None if unparsable."""
    ip = parse_ip(text)
    return None if ip is None else str(ip)


def parse_cidr(text):
    """net.ParseCIDR: (ip, network) or None. Requires ``IP/decimal-length``."""
    if not isinstance(text, str) or text.count("/") != 1:
        return None
    addr, bits = text.split("/")
    if not bits.isascii() or not bits.isdigit():
        return None
    ip = parse_ip(addr)
    if ip is None or int(bits) > ip.max_prefixlen:
        return None
    return ip, ipaddress.ip_network("%s/%s" % (ip, int(bits)), strict=False)


def parse_prefix(text):
    """netip.ParsePrefix (util.makeCIDRs): like ParseCIDR but an IPv4-mapped address stays IPv6
    and a length with a leading zero is refused."""
    if not isinstance(text, str) or text.count("/") != 1:
        return None
    addr, bits = text.split("/")
    if not bits.isascii() or not bits.isdigit() or (len(bits) > 1 and bits[0] == "0"):
        return None
    if "%" in addr:
        return None
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return None
    if int(bits) > ip.max_prefixlen:
        return None
    return ip, ipaddress.ip_network("%s/%s" % (ip, int(bits)), strict=False)


def is_global_unicast(ip):
    """netip.Addr.IsGlobalUnicast: not unspecified, loopback, multicast, link-local, or the IPv4
    limited broadcast (Go's rule, broader than ipaddress.is_global)."""
    if ip.version == V6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip.is_link_local:
        return False
    return not (ip.version == V4 and str(ip) == "255.255.255.255")
