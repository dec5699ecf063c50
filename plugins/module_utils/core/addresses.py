# -*- coding: utf-8 -*-
# Copyright: (c) ocp.egressip contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 address math on plain integers (openshift-sdn and the IPv4 fast paths), and
both families as the OVN-Kubernetes controller parses them (end of the file).

netaddr does the parsing (strict inet_pton rules: no leading zeros, no short
forms); everything after that is integer arithmetic so that indexes (dicts,
sorted arrays + bisect) stay cheap on clusters with tens of thousands of IPs.

openshift-sdn accepts IPv4 only (pkg/network/common/validation.go,
validateIPv4 "must be an IPv4 address", validateCIDRv4 "must be an IPv4
network"), so this module does too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import ipaddress as _ipaddress

try:
    import netaddr
    from netaddr.strategy import ipv4 as _ipv4
    HAS_NETADDR = True
except ImportError:  # pragma: no cover - reported by the modules
    netaddr = None
    _ipv4 = None
    HAS_NETADDR = False

MAX_IPV4 = (1 << 32) - 1


class InputError(ValueError):
    """Bad input: names the field, the value and why. Modules turn it into a failed task."""

    def __init__(self, field, value, reason):
        self.field = field
        self.value = value
        self.reason = reason
        super(InputError, self).__init__("%s: %s: %s" % (field, _short_repr(value), reason))


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


# Reasons, worded like openshift-sdn's validation.go where it has one.
INVALID_IP = "invalid IP address"
NOT_IPV4 = "must be an IPv4 address"
INVALID_CIDR = "invalid CIDR address"
NOT_IPV4_NET = "must be an IPv4 network"
HOST_BITS = "host bits set"


def classify_ip(value):
    """Return (int, None) for a valid IPv4 string, else (None, reason)."""
    if not isinstance(value, str):
        return None, "must be a string, got %s" % type(value).__name__
    try:
        return _ipv4.str_to_int(value, netaddr.INET_PTON), None
    except (netaddr.AddrFormatError, ValueError, TypeError):
        if ":" in value and _is_ipv6(value):
            return None, NOT_IPV4
        return None, INVALID_IP


def _is_ipv6(value):
    try:
        return netaddr.valid_ipv6(value)
    except (ValueError, TypeError):     # e.g. embedded NUL characters
        return False


def parse_ip(value, field):
    """IPv4 string -> int, or InputError naming field and value."""
    num, reason = classify_ip(value)
    if reason:
        raise InputError(field, value, reason)
    return num


def classify_cidr(value):
    """Return ((network_int, prefixlen), None) or (None, reason).

    Host bits set is an error, as in library-go ParseCIDRMask ("CIDR network
    specification %q is not in canonical form"), which openshift-sdn uses.
    """
    if not isinstance(value, str):
        return None, "must be a string, got %s" % type(value).__name__
    addr, sep, plen = value.partition("/")
    if not sep or not plen.isdigit() or len(plen) > 2 or not plen.isascii():
        if sep and ":" in addr and _is_ipv6(addr):
            return None, NOT_IPV4_NET
        return None, INVALID_CIDR
    num, reason = classify_ip(addr)
    if reason:
        return None, NOT_IPV4_NET if reason == NOT_IPV4 else INVALID_CIDR
    plen = int(plen)
    if plen > 32:
        return None, INVALID_CIDR
    mask = prefix_mask(plen)
    if num & ~mask & MAX_IPV4:
        return None, "%s: not in canonical form (should be %s/%d)" % (HOST_BITS, int_to_ip(num & mask), plen)
    return (num, plen), None


def parse_cidr(value, field):
    net, reason = classify_cidr(value)
    if reason:
        raise InputError(field, value, reason)
    return net


def prefix_mask(plen):
    return (MAX_IPV4 << (32 - plen)) & MAX_IPV4


def cidr_bounds(net):
    """(network_int, prefixlen) -> (first, last) address, inclusive."""
    num, plen = net
    return num, num | (MAX_IPV4 >> plen)


def cidr_contains(net, ip):
    num, plen = net
    return (ip & prefix_mask(plen)) == num


def cidr_within(inner, outer):
    """True if CIDR inner is a subnet of (or equal to) CIDR outer."""
    return inner[1] >= outer[1] and cidr_contains(outer, inner[0])


def cidr_str(net):
    return "%s/%d" % (int_to_ip(net[0]), net[1])


def int_to_ip(num):
    return "%d.%d.%d.%d" % (num >> 24 & 255, num >> 16 & 255, num >> 8 & 255, num & 255)


def usable_bounds(net):
    """Host addresses of a CIDR: network and broadcast excluded for /30 and larger
    (RFC 3021 /31 and /32 have neither)."""
    first, last = cidr_bounds(net)
    if net[1] <= 30:
        return first + 1, last - 1
    return first, last


def parse_pool_entry(value, field):
    """One pool entry: "A.B.C.D/N" (network/broadcast left out) or range "A-B" (inclusive)
    or a single address. Returns (first, last)."""
    if not isinstance(value, str):
        raise InputError(field, value, "must be a string (CIDR or range A-B)")
    if "-" in value:
        low, _dash, high = value.partition("-")
        first = parse_ip(low.strip(), field)
        last = parse_ip(high.strip(), field)
        if first > last:
            raise InputError(field, value, "range start is above range end")
        return first, last
    if "/" in value:
        return usable_bounds(parse_cidr(value, field))
    num = parse_ip(value, field)
    return num, num


def merge_intervals(intervals):
    """Sorted, merged (non-overlapping, non-adjacent) list of inclusive intervals."""
    out = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def intersect_intervals(left, right):
    """Intersection of two merged interval lists."""
    out = []
    i = j = 0
    while i < len(left) and j < len(right):
        first = max(left[i][0], right[j][0])
        last = min(left[i][1], right[j][1])
        if first <= last:
            out.append((first, last))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract_intervals(left, right):
    """left minus right; both merged interval lists."""
    out = []
    j = 0
    for first, last in left:
        cur = first
        while j < len(right) and right[j][1] < cur:
            j += 1
        k = j
        while k < len(right) and right[k][0] <= last and cur <= last:
            if right[k][0] > cur:
                out.append((cur, right[k][0] - 1))
            cur = max(cur, right[k][1] + 1)
            k += 1
        if cur <= last:
            out.append((cur, last))
    return out


def interval_size(intervals):
    return sum(last - first + 1 for first, last in intervals)


class Runs(object):
    """A set of integers stored as merged runs, for "next address not in the set" in
    O(log n) even when thousands of used addresses sit next to each other."""

    __slots__ = ("starts", "ends")

    def __init__(self, numbers):
        starts, ends = [], []
        for num in sorted(numbers):
            if ends and num <= ends[-1] + 1:
                if num > ends[-1]:
                    ends[-1] = num
            else:
                starts.append(num)
                ends.append(num)
        self.starts = starts
        self.ends = ends

    def next_absent(self, low):
        """Smallest number >= low that is not in the set."""
        i = bisect.bisect_right(self.starts, low) - 1
        if i >= 0 and self.ends[i] >= low:
            return self.ends[i] + 1
        return low


# ---------------------------------------------------------------------------------------
# Both address families (the OVN-Kubernetes path).  openshift-sdn stays on the IPv4-only
# integer functions above; these follow Go's net.ParseIP / IP.String(), which is what the
# OVN-Kubernetes cluster manager canonicalises with (ovn-kubernetes 6c366bb,
# go-controller/pkg/clustermanager/egressip_controller.go:1361-1374 validateEgressIPSpec:
# net.ParseIP(egressIP), then ip.String() into a set):
#   - IPv4 dotted decimal without leading zeros; IPv6 in any RFC 4291 text form, no zone;
#   - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) IS the IPv4 address a.b.c.d;
#   - IPv6 prints compressed and lower case (RFC 5952), e.g. 2001:db8::1;
#   - duplicates collapse (a set of canonical strings).
# The stdlib ipaddress module implements the same text rules and needs no extra dependency.

IPV4, IPV6 = 4, 6
NOT_IP = "is not a valid IPv4 or IPv6 address"


def ip_object(value):
    """ipaddress.IPv4Address / IPv6Address for a text address (IPv4-mapped IPv6 becomes IPv4),
    or None when Go's net.ParseIP would not parse it."""
    if not isinstance(value, str) or "%" in value or "/" in value:
        return None
    try:
        addr = _ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(addr, "ipv4_mapped", None)
    return mapped if mapped is not None else addr


def canonical_ip(value):
    """The controller's text for an address (ip.String()), or None when unparsable."""
    addr = ip_object(value)
    return None if addr is None else str(addr)


def ip_family(value):
    """4 or 6 for a parsable address (IPv4-mapped IPv6 is 4), else None."""
    addr = ip_object(value)
    return None if addr is None else addr.version


def parse_any_ip(value, field):
    """Canonical text of an IPv4 or IPv6 address, or InputError naming field and value."""
    text = canonical_ip(value)
    if text is None:
        raise InputError(field, value, NOT_IP)
    return text


def canonical_ips(values):
    """(canonical list in first-seen order, duplicates collapsed, bad entries) for a list of
    address strings: the controller's validateEgressIPSpec result plus what it rejects."""
    seen, bad = [], []
    for value in values or []:
        text = canonical_ip(value)
        if text is None:
            bad.append(value)
        elif text not in seen:
            seen.append(text)
    return seen, bad


def interface_network(value):
    """An interface address "ADDR/PLEN" (host bits allowed, as Go's net.ParseCIDR) ->
    (address, network) as ipaddress objects, or None when unparsable."""
    if not isinstance(value, str) or "%" in value:
        return None
    addr, sep, plen = value.partition("/")
    if not sep or not plen.isdigit() or not plen.isascii() or (len(plen) > 1 and plen[0] == "0"):
        return None
    try:
        iface = _ipaddress.ip_interface(value)
    except ValueError:
        return None
    return iface.ip, iface.network


def any_network(value):
    """A network "ADDR/PLEN" of either family (host bits must be clear) -> ipaddress network,
    or None when unparsable."""
    parsed = interface_network(value)
    if parsed is None or parsed[0] != parsed[1].network_address:
        return None
    return parsed[1]


def network_holds(network, addr):
    """Whether ``network`` (ipaddress network) holds ``addr`` (ipaddress address); False across families."""
    return network is not None and addr is not None and network.version == addr.version and addr in network


def longest_match(networks, addr):
    """The longest-prefix network of ``networks`` holding ``addr`` (the LPM lookup of
    ovn-kubernetes util GetSecondaryHostNetworkContainingIP), or None."""
    best = None
    for net in networks:
        if network_holds(net, addr) and (best is None or net.prefixlen > best.prefixlen):
            best = net
    return best


def pool_ranges(entries, field):
    """Pool entries of either family ("NET/PLEN", "A-B" or one address) -> sorted list of
    (family, first_int, last_int).  As for IPv4 pools, a CIDR leaves out its network address
    (IPv6: the subnet-router anycast address, RFC 4291 2.6.1) and, for IPv4 /30 and larger,
    its broadcast address: our policy, the controller itself would assign them."""
    out = []
    for i, entry in enumerate(entries or []):
        where = "%s[%d]" % (field, i)
        if not isinstance(entry, str):
            raise InputError(where, entry, "must be a string (CIDR, range A-B or address)")
        if "/" in entry:
            net = any_network(entry)
            if net is None:
                raise InputError(where, entry, "invalid CIDR address (host bits must be zero)")
            first, last = int(net.network_address), int(net.broadcast_address)
            if net.version == IPV4 and net.prefixlen <= 30:
                first, last = first + 1, last - 1
            elif net.version == IPV6 and net.prefixlen <= 126:
                first += 1
            out.append((net.version, first, last))
            continue
        if "-" in entry:
            low, _dash, high = entry.partition("-")
            a, b = ip_object(low.strip()), ip_object(high.strip())
            if a is None or b is None:
                raise InputError(where, entry, "range ends must be IPv4 or IPv6 addresses")
            if a.version != b.version:
                raise InputError(where, entry, "range ends must be of one address family")
            if int(a) > int(b):
                raise InputError(where, entry, "range start is above range end")
            out.append((a.version, int(a), int(b)))
            continue
        a = ip_object(entry)
        if a is None:
            raise InputError(where, entry, NOT_IP)
        out.append((a.version, int(a), int(a)))
    return sorted(out)


def int_to_any(family, num):
    """Canonical text of an address given as (family, integer)."""
    return str(_ipaddress.IPv4Address(num) if family == IPV4 else _ipaddress.IPv6Address(num))
