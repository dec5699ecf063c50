# python3 -c <this> SRC DST PORT TIMEOUT: prints open | refused | timeout | error:<errno>
import socket
import sys
src, dst, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(timeout)
if src:
    s.bind((src, 0))
try:
    s.connect((dst, port))
    print("open")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
except OSError as exc:
    print("error:%s" % exc.errno)
