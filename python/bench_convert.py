#!/usr/bin/python3
"""Time a conversion through the Python binding against the conv tool on
the same file (best of N runs each, alternating), and print the ratio.

    build/bin/bench-gen 1000000 > /tmp/f.csv
    LIBCONV_LIBRARY=build/lib/libconv.so PYTHONPATH=python \\
        /usr/bin/python3 python/bench_convert.py build/bin/conv /tmp/f.csv json [RUNS]

The binding makes one conv_convert() call, as the tool does; the ratio
shows what Python adds (loading the module, building the options).
"""
import os
import subprocess
import sys
import tempfile
import time

import libconv


def main():
    conv, src, ext = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    with tempfile.TemporaryDirectory() as tmp:
        out_tool = os.path.join(tmp, "tool." + ext)
        out_py = os.path.join(tmp, "py." + ext)
        best_tool = best_py = float("inf")
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([conv, "-q", src, "-o", out_tool], check=True)
            best_tool = min(best_tool, time.perf_counter() - t)
            t = time.perf_counter()
            stats = libconv.convert(src, out_py)
            best_py = min(best_py, time.perf_counter() - t)
        same = ext == "xlsx" or open(out_tool, "rb").read() == open(out_py, "rb").read()
    print(f"{stats['records']} records {stats['input_format']} -> {ext}: "
          f"conv {best_tool:.2f} s, Python binding {best_py:.2f} s, "
          f"ratio {best_py / best_tool:.2f} (best of {runs}); outputs identical: {same}")


if __name__ == "__main__":
    main()
