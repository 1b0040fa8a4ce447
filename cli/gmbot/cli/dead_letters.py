"""`gmbot dead-letters`: the updates the gateway set aside, listed and replayed through its
operators' endpoints (with the services' shared AUTH_TOKEN, or an operator's own CALLER_TOKEN:
the `operator` scope of AUTH_CALLERS, which the gateway is given like the services)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from gmbot.cli.settings import CliSettings

PATH = "/admin/dead-letters"


def _ask(settings: CliSettings, path: str, method: str = "GET") -> tuple[int, Any]:
    url = str(settings.gateway_url).rstrip("/") + path
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL from the settings
        url,
        method=method,
        headers={"Authorization": f"Bearer {settings.presented_token()}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def list_letters(settings: CliSettings) -> int:
    status, letters = _ask(settings, PATH)
    if status != 200:
        print(f"the gateway answered {status}: {letters}")
        return 1
    for letter in letters:
        at = datetime.fromtimestamp(letter["at"], UTC).isoformat(timespec="seconds")
        print(
            f"{letter['id']}  {at}  update {letter['update_id']} ({letter['type']}), "
            f"{letter['attempts']} deliveries: {letter['reason']}"
        )
    if not letters:
        print("no dead letters")
    return 0


def replay(settings: CliSettings, letter_id: str) -> int:
    status, answer = _ask(settings, f"{PATH}/{letter_id}/replay", method="POST")
    if status == 200:
        print(f"replayed {letter_id}")
        return 0
    print(f"not replayed ({status}): {answer}")
    return 1
