"""The runner that starts an entry inside the sandbox. Standard library only; it runs under the
sandbox's own Python (Debian's python3), not the project's.

    python3 -I -B runner.py FD_IN FD_OUT BOUNDS_JSON BUDGET SEED

It loads the entry (`/sandbox/entry.py`), calls `minimize(objective, bounds, budget, seed)` and
sends the returned point. `objective(x)` writes `{"op": "ask", "x": [...]}` as one JSON line on
FD_OUT and reads the evaluator's answer on FD_IN: `{"y": value}`, `{"y": null, "refused": ...}`
beyond the budget, or `{"error": ...}` for a malformed point. The evaluator outside counts the
calls and computes the values: nothing here is trusted, since the entry runs in this process.
"""

import errno
import importlib.util
import json
import math
import os
import sys
import traceback

ENTRY = "/sandbox/entry.py"
dist = "/usr/lib/python3/dist-packages"  # Debian's NumPy, if installed
if os.path.isdir(dist) and dist not in sys.path:
    sys.path.append(dist)


def main():
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    bounds = [tuple(b) for b in json.loads(sys.argv[3])]
    budget, seed = int(sys.argv[4]), int(sys.argv[5])
    reader = os.fdopen(fd_in, "r", encoding="utf-8")
    writer = os.fdopen(fd_out, "w", encoding="utf-8")

    def send(message):
        writer.write(json.dumps(message) + "\n")
        writer.flush()

    def objective(x):
        point = [float(v) for v in x]
        send({"op": "ask", "x": point})
        line = reader.readline()
        if not line:
            raise RuntimeError("the evaluator has gone")
        answer = json.loads(line)
        if "error" in answer:
            raise ValueError(answer["error"])
        return answer.get("y")

    def fail(kind, exc):
        lines = traceback.format_exception_only(type(exc), exc)
        send({"op": "fail", "kind": kind, "reason": "".join(lines).strip()[-400:]})

    try:
        spec = importlib.util.spec_from_file_location("entry", ENTRY)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        minimize = getattr(module, "minimize", None)
        if not callable(minimize):
            send({"op": "fail", "kind": "refused", "reason": "the entry defines no minimize()"})
            return 0
        best = minimize(objective, bounds, budget, seed)
        try:
            point = [float(v) for v in best]
        except TypeError:
            send({"op": "fail", "kind": "error", "reason": "minimize() returned no point"})
            return 0
        send({"op": "done", "x": [v if math.isfinite(v) else None for v in point]})
    except MemoryError as exc:
        fail("memory", exc)
    except OSError as exc:
        if exc.errno in {errno.EFBIG, errno.ENOSPC}:
            fail("output", exc)
        elif exc.errno == errno.EAGAIN:
            fail("processes", exc)
        else:
            fail("error", exc)
    except BaseException as exc:  # the entry's own failure, whatever it is
        fail("error", exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
