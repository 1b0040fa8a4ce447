"""Every image of the Dockerfile, built with podman as `docker build` would."""

from __future__ import annotations

import json
import time

from scripts.compose.shell import run, step

TARGETS = ("tenancy", "membership", "enforcement", "gateway", "sandbox")


@step("build every image of the Dockerfile")
def build_images() -> dict[str, str]:
    sizes = {}
    for target in TARGETS:
        started = time.monotonic()
        run(
            "podman", "build", "--quiet", "--format", "docker", "--pull=never",
            "--network", "host", "--target", target, "-t", f"gmbot-{target}", ".",
            quiet=True,
        )  # fmt: skip
        info = json.loads(run("podman", "image", "inspect", f"gmbot-{target}", quiet=True))[0]
        sizes[target] = f"{info['Size'] / 1e6:.0f} MB"
        user = info.get("User") or info["Config"].get("User", "")
        health = (info.get("Healthcheck") or {}).get("Test", [])
        print(
            f"   gmbot-{target}: {sizes[target]}, user {user or 'root'}, built in "
            f"{time.monotonic() - started:.0f}s, HEALTHCHECK {' '.join(health[1:]) or 'none'}"
        )
        if target != "sandbox" and (not user or user.startswith("0")):
            raise RuntimeError(f"gmbot-{target} runs as root")
        if not health:
            raise RuntimeError(f"gmbot-{target} has no HEALTHCHECK")
    return sizes
