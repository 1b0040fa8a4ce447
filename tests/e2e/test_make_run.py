"""`make run` as a person uses it: start it, paste the `export` lines it prints, play the story
with the printed commands, then ask the `gmbot` command, which finds the stack by itself."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.support.make_run import JOURNAL_OF_SENT_MESSAGES, bash, guide_steps, until_answers


async def test_the_printed_guide_plays_the_story(make_run: tuple[Path, str]) -> None:
    cwd, guide = make_run
    exports, commands = guide_steps(guide)
    protect, carol_writes, carol_status, join_news, join_vip, carol_again = commands

    assert re.search(r"^export CHAT=-100\d+$", exports, re.M)
    assert re.search(r"^export CAROL=\d+$", exports, re.M)
    await bash(exports, protect, cwd)
    await until_answers(exports, JOURNAL_OF_SENT_MESSAGES, cwd, "Done")
    await bash(exports, carol_writes, cwd)
    await until_answers(exports, carol_status, cwd, '"status": "restricted"')
    await bash(exports, join_news, cwd)
    await bash(exports, join_vip, cwd)
    await until_answers(exports, carol_again, cwd, '"status": "member"')


async def test_gmbot_finds_the_stack_through_the_file_make_run_wrote(
    make_run: tuple[Path, str],
) -> None:
    cwd, guide = make_run
    exports, _ = guide_steps(guide)
    chat = re.search(r"^export CHAT=(\S+)$", exports, re.M)
    assert chat is not None
    config = (cwd / "data" / "gmbot.env").read_text()

    from_config = await bash(exports, f"{sys.executable} -m gmbot.cli group {chat[1]}", cwd)
    # No GMBOT_CONFIG: the file make run wrote under ./data is the default.
    by_default = await bash("unset GMBOT_CONFIG", f"{sys.executable} -m gmbot.cli groups", cwd)

    assert re.search(r"^AUTH_TOKEN=\S{16,}$", config, re.M)
    assert re.search(r"^MEMBERSHIP_ADDR=127\.0\.0\.1:\d+$", config, re.M)
    assert "GMBot Demo Chat" in from_config
    assert f"{chat[1]}  protected" in by_default
