"""The benchmark scripts still run (at a tiny size: the real runs are too slow for CI, see the
README's performance table)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_facts_bench_runs_at_a_tiny_size():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "facts_bench.py"), "--sizes", "2:5",
                           "--repeat", "1"], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "    2 x 5 " in out and "MiB" in out, out
    assert "targets at 2x5: facts/k8s_info <= 0.75:" in out and "change/k8s_info <= 1.00:" in out, out


def test_role_bench_parses_its_options():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "role_bench.py"), "--help"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 0 and "--repeat" in proc.stdout, proc.stdout + proc.stderr
