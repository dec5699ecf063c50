"""--dataplane: put active egress IPs on the node's interface inside a network namespace, as
the SDN node does (openshift/sdn pkg/network/node/egressip.go assignEgressIP/releaseEgressIP:
netlink AddrAdd/AddrDel of IP/prefix-of-the-node-network on the node's primary link), and after
an add announce it with one gratuitous ARP (``arping -q -A -c 1 -I IFACE IP``, as the SDN node
does and as OVN-Kubernetes does for the node it moves an EgressIP to), so that neighbours such as
the router drop the old holder's MAC at once after a failover. The arping runs in the
background (it lingers a second) and is reaped later; the address is already usable."""
import shutil
import subprocess


def parse(spec):
    """'worker01=NETNS:IFACE,worker02=NETNS:IFACE' -> {node: (netns, iface)}."""
    out = {}
    for part in filter(None, (spec or "").split(",")):
        node, target = (part.split("=", 1) + [""])[:2]
        netns, iface = (target.split(":", 1) + [""])[:2]
        if not node or not netns or not iface:
            raise ValueError("--dataplane entries are NODE=NETNS:IFACE, got %r" % part)
        out[node.strip()] = (netns.strip(), iface.strip())
    return out


class Dataplane:
    def __init__(self, mapping, events, prefix_of):
        self.mapping = mapping          # node -> (netns, iface)
        self.events = events
        self.prefix_of = prefix_of      # node -> prefix length of its network
        self.current = {}               # ip -> node (as configured by us)
        self.announcing = []            # (Popen, cmd) of gratuitous ARPs still running

    def _run(self, node, action, ip):
        if node not in self.mapping:
            return
        netns, iface = self.mapping[node]
        cmd = ["ip", "netns", "exec", netns, "ip", "addr", action,
               "%s/%d" % (ip, self.prefix_of(node)), "dev", iface]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.events.log("E", "dataplane", "%s: %s" % (" ".join(cmd), exc))
            return
        if res.returncode != 0:
            self.events.log("E", "dataplane", "%s: exit %d: %s"
                            % (" ".join(cmd), res.returncode, res.stderr.strip()))
        else:
            self.events.log("I", "dataplane", " ".join(cmd))
            if action == "add":
                self._announce(netns, iface, ip)

    def _announce(self, netns, iface, ip):
        self._reap()
        arping = shutil.which("arping")
        if not arping:
            self.events.log("E", "dataplane", "arping not found: no gratuitous ARP for %s" % ip)
            return
        cmd = ["ip", "netns", "exec", netns, arping, "-q", "-A", "-c", "1", "-I", iface, ip]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
        except OSError as exc:
            self.events.log("E", "dataplane", "%s: %s" % (" ".join(cmd), exc))
            return
        self.announcing.append((proc, cmd))
        self.events.log("I", "dataplane", " ".join(cmd))

    def _reap(self, wait=False):
        running = []
        for proc, cmd in self.announcing:
            if wait:
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.poll() is None:
                running.append((proc, cmd))
                continue
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if proc.returncode != 0:
                self.events.log("E", "dataplane", "%s: exit %d: %s" % (" ".join(cmd), proc.returncode, err))
        self.announcing = running

    def sync(self, desired):
        """desired: ip -> node holding it now."""
        if not self.mapping:
            return
        for ip, node in sorted(self.current.items()):
            if desired.get(ip) != node:
                self._run(node, "del", ip)
        for ip, node in sorted(desired.items()):
            if self.current.get(ip) != node:
                self._run(node, "add", ip)
        self.current = dict(desired)

    def clear(self):
        self.sync({})
        self._reap(wait=True)
