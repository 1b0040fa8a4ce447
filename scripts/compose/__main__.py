"""`python -m scripts.compose`: every step of scripts/compose in turn (see its __init__)."""

from __future__ import annotations

import sys
import time

from scripts.compose.images import build_images
from scripts.compose.polling import polling
from scripts.compose.rolling import rolling
from scripts.compose.shell import logs, timings
from scripts.compose.stack import Stack
from scripts.compose.webhook import webhook

SERVICES = ("gateway", "membership", "enforcement", "tenancy")


def main() -> int:
    started = time.monotonic()
    sizes = build_images()
    stack = Stack()
    print(f"   project {stack.project}, sandbox {stack.sandbox}")
    try:
        polling(stack)
        tokens = webhook(stack)
        rolling(stack, tokens["ops"])
        ok = True
    except Exception as failure:  # report it, show the logs, take the stack down
        print(f"FAILED: {failure.__class__.__name__}: {failure}", file=sys.stderr)
        for service, names in stack.containers().items():
            for name in names if service in SERVICES else ():
                print(f"--- {name}\n{logs(name, 15)}")
        ok = False
    finally:
        down = time.monotonic()
        stack.down()
        timings["compose down"] = time.monotonic() - down
    print("== images: " + ", ".join(f"gmbot-{t} {s}" for t, s in sizes.items()))
    print("== timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    print(f"== containers {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
