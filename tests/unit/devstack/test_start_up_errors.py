"""A service that dies while starting says why in the error itself: a CI run's logs go with its
temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmbot.devstack.processes import Child, wait_serving
from gmbot.devstack.stack import free_port


async def test_a_child_that_dies_at_start_up_shows_its_logs_last_lines(tmp_path: Path) -> None:
    # `python -m this` prints the Zen of Python and exits 0: a module that never serves.
    child = Child("zen", "this", env={})
    await child.start(tmp_path)
    await child.wait()

    with pytest.raises(RuntimeError) as raised:
        await wait_serving("zen", f"127.0.0.1:{free_port()}", child, within=5)

    message = str(raised.value)
    assert message.startswith("zen exited during start-up (exit code 0)")
    assert "Namespaces are one honking great idea" in message  # the Zen's last line


async def test_a_child_without_a_log_says_where_its_output_went() -> None:
    child = Child("zen", "this", env={})
    await child.start(None)
    await child.wait()

    with pytest.raises(RuntimeError, match="output went to this terminal"):
        await wait_serving("zen", f"127.0.0.1:{free_port()}", child, within=5)
