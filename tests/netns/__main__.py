"""CLI: python -m tests.netns up --prefix P --state FILE | down --state FILE | show --state FILE"""
import argparse
import json
import sys

from .topology import NetnsError, default_prefix, down, gc, load, up


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.netns", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    pu = sub.add_parser("up", help="build the topology, print its JSON description")
    pu.add_argument("--prefix", default=None, help="namespace prefix (default eg<pid%%10000>)")
    pu.add_argument("--state", required=True, help="state file (JSON) to write; needed by down")
    pu.add_argument("--no-squatter", action="store_true", help="do not create the P-sq host")
    pd = sub.add_parser("down", help="remove everything (idempotent)")
    pd.add_argument("--state", required=True)
    sub.add_parser("gc", help="remove topologies (under /run/egressip-netns) whose owner process is gone")
    ps = sub.add_parser("show", help="print the JSON description")
    ps.add_argument("--state", required=True)
    a = p.parse_args(argv)
    try:
        if a.cmd == "up":
            topo = up(prefix=a.prefix or default_prefix(), state=a.state, squatter=not a.no_squatter)
            json.dump(topo, sys.stdout, indent=2, sort_keys=True)
            print()
        elif a.cmd == "down":
            down(a.state)
        elif a.cmd == "gc":
            for prefix in gc():
                print("removed %s" % prefix)
        else:
            json.dump(load(a.state), sys.stdout, indent=2, sort_keys=True)
            print()
    except NetnsError as exc:
        print("netns: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
