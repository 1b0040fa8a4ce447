"""bench.gateway_polling's `--peer COMMAND` path, run with the floor as the command: the bot is
started from a command line, told its token, server and world by environment, and measured as
the bench measures every bot. The floor decides as the guard it stands in for: a known member
costs no call, a stranger is checked, deleted and muted."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from bench.gateway_polling import metered, timed_round
from bench.peer import peer_process
from bench.world import add_people, build_world, sandbox_process, set_limits

FLOOR = f"{shlex.quote(sys.executable)} -m bench.baseline_bot"


async def test_a_peer_command_is_measured_as_the_bench_measures_every_bot(tmp_path: Path) -> None:
    async with sandbox_process(tmp_path / "logs") as sandbox:
        control = sandbox.control
        await set_limits(control, on=False)
        world = await build_world(control, "peer", 2)
        await add_people(control, world, 6, subscribed=True, groups=world.groups)
        strangers = await add_people(
            control, world, 1, subscribed=False, groups=world.groups, prefix="S"
        )
        plan = [(g, m) for g in range(2) for m in range(6)] * 5
        async with peer_process(sandbox, world, tmp_path, FLOOR) as child:
            measured = await timed_round(sandbox, world, "peer", "2 groups", plan, None, 60.0)
            since = int((await control.counters())["last_seq"])
            stranger = await control.say(world.groups[1], strangers[0], "hello")
            mutes = await control.journal("restrictChatMember", world.bot_id, since, wait=30)
            calls = metered(await control.counters(bot_id=world.bot_id))
        assert not child.running, "the bot stops with its block"

    assert not measured.timed_out
    assert measured.confirmed == measured.messages == 60
    assert measured.rate > 0
    assert measured.calls == {}, "the warm cache answers every known member without a call"
    assert [(m["params"]["chat_id"], m["params"]["user_id"]) for m in mutes] == [
        (str(world.groups[1]), str(strangers[0]))
    ]
    assert calls == {"getChatMember": 1, "deleteMessage": 1, "restrictChatMember": 1}
    assert stranger["message_id"]
    assert (tmp_path / "logs" / "peer.log").exists()
    assert (tmp_path / "peer-world.json").exists()
