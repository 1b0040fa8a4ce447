"""The owners' Mini App in a real browser (Debian's chromium, driven by Playwright), opened as
`make run` prints it: with launch data signed the way Telegram signs it, in the URL fragment.
After the demo story it shows the funnel, and each channel's (warned → joined through GMBot →
unmuted); a setting is changed; Boris is
unmuted by a click, and the sandbox records the restrictChatMember that lifts his mute. Kicking
is asked first: in the page's own dialog in a plain browser, in Telegram's popup inside Telegram;
once confirmed, tenancy holds it. The page
is kept as a screenshot (artifacts/miniapp.png, or MINIAPP_SCREENSHOT) for CI to keep."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from gmbot.runtime.webapp import sign_init_data
from tests.support.make_run import JOURNAL_OF_SENT_MESSAGES, bash, guide_steps, until_answers

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(os.environ.get("MINIAPP_SCREENSHOT", "artifacts/miniapp.png"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


async def _play_the_story(exports: str, commands: list[str], cwd: Path) -> str:
    """The guide's story, up to Boris muted and warned; returns the command that tells Boris's
    status."""
    protect, carol_writes, carol_status, join_news, join_vip, carol_again = commands
    await bash(exports, protect, cwd)
    await until_answers(exports, JOURNAL_OF_SENT_MESSAGES, cwd, "Done")
    await bash(exports, carol_writes, cwd)
    await until_answers(exports, carol_status, cwd, '"status": "restricted"')
    # Carol reads her warning before she joins (a join before it is posted spares the warning).
    await until_answers(exports, _warned("$CAROL"), cwd, "warned")
    await bash(exports, join_news, cwd)
    # She joins the private channel by her warning's button: GMBot's own link counts the join.
    link = await _button_link(exports, cwd)
    await bash(exports, join_vip.replace("}'", f', "invite_link": "{link}"}}\''), cwd)
    await until_answers(exports, carol_again, cwd, '"status": "member"')
    # Boris follows only @gmbot_news: he is muted, for the owner to unmute.
    await bash(exports, carol_writes.replace("$CAROL", "$BORIS"), cwd)
    boris_status = carol_status.replace("$CAROL", "$BORIS")
    await until_answers(exports, boris_status, cwd, '"status": "restricted"')
    await until_answers(exports, _warned("$BORIS"), cwd, "warned")
    return boris_status


async def _the_owner_in_the_browser(dashboard: str, cwd: Path) -> None:
    """The owner opens the dashboard: the funnel, a setting saved, Boris unmuted by a click, the
    night theme, and the same page in Persian."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 420, "height": 900})
            await page.goto(dashboard)

            funnel = page.locator("#funnel")
            # The page follows the story as it goes on (it refreshes itself every few seconds).
            told = re.compile(r"Warned: 2, Joined: 1, Unmuted: \d+, Via GMBot's links: 1")
            await expect(funnel).to_have_attribute("aria-label", told, timeout=30_000)
            # Each channel's own chart, warned → joined → unmuted: Carol and Boris were warned
            # without the private one, Carol joined it by GMBot's link and was unmuted for it;
            # nobody joined a week or a month back yet. Carol alone was warned without
            # @gmbot_news, and joined it by its public name, which counts for no one.
            vip = page.locator("#channels li", has_text="GMBot VIP").locator("svg")
            per_channel = (
                "Warned: 2, Via GMBot's links: 1, Unmuted: 1, Stayed 7 days: —, Stayed 30 days: —"
            )
            await expect(vip).to_have_attribute("aria-label", per_channel)
            news = page.locator("#channels li", has_text="GMBot News").locator("svg")
            await expect(news).to_have_attribute(
                "aria-label", re.compile(r"^Warned: 1, Via GMBot's links: 0, Unmuted: 0, ")
            )
            row = page.locator("#muted li", has_text="Борис")
            await expect(row).to_be_visible()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)

            await page.locator("select[name=mode]").select_option(value="2")  # GROUP_MODE_OBSERVE
            await page.get_by_role("button", name="Save").click()
            await expect(page.locator("#status")).to_have_text("Saved.")
            await row.get_by_role("button", name="Unmute").click()
            await expect(page.locator("#muted li", has_text="Борис")).to_have_count(0)
            await _kicking_is_asked_first(page)

            # Telegram switches to its night theme while the page is open.
            night = {"theme_params": {"bg_color": "#17212b", "text_color": "#f5f5f5"}}
            await page.evaluate(
                "night => window.Telegram.WebView.receiveEvent('theme_changed', night)", night
            )
            body = page.locator("body")
            await expect(body).to_have_css("background-color", "rgb(23, 33, 43)")

            # The same owner with Telegram in Persian: the page speaks it, right to left.
            persian = await browser.new_page()
            # As Telegram's apps hold the page: their proxy hears what the page posts.
            await persian.add_init_script(TELEGRAM_PROXY)
            await persian.goto(_relaunched(dashboard, cwd, language="fa"))
            await expect(persian.locator("#title")).to_have_text("داشبورد GMBot")
            await expect(persian.locator("html")).to_have_attribute("dir", "rtl")
            await _telegram_asks_in_its_popup(persian)
        finally:
            await browser.close()


@pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="no chromium (make tools installs Debian's)"
)
async def test_the_owner_watches_the_story_changes_a_setting_and_unmutes_by_a_click(
    make_run: tuple[Path, str],
) -> None:
    cwd, guide = make_run
    exports, commands = guide_steps(guide)
    dashboard = re.search(r"^\s+#\s+(http://127\.0\.0\.1:\d+/#tgWebAppData=\S+)$", guide, re.M)
    assert dashboard is not None, "make run printed no dashboard link"
    boris_status = await _play_the_story(exports, commands, cwd)

    await _the_owner_in_the_browser(dashboard[1], cwd)

    await until_answers(exports, boris_status, cwd, '"status": "member"')
    # Tenancy holds the kick the owner confirmed (the operator's view of the group).
    group = f"{sys.executable} -m gmbot.cli group $CHAT"
    await until_answers(exports, group, cwd, "missing a channel: kick;")
    calls = json.loads(
        await bash(exports, "curl -s $SANDBOX/_sandbox/journal?method=restrictChatMember", cwd)
    )
    boris = re.search(r"^export BORIS=(\d+)$", exports, re.M)
    assert boris is not None
    lifted = [
        c
        for c in calls
        if str(c["params"]["user_id"]) == boris[1]
        and _permissions(c["params"]).get("can_send_messages") is True
    ]
    assert lifted, "the sandbox recorded no restrictChatMember lifting Boris's mute"


# Telegram's apps' side of the page's events: what it posts is kept for the test to read.
TELEGRAM_PROXY = """
window.TelegramWebviewProxy = {
  posted: [],
  postEvent(type, data) { this.posted.push([type, JSON.parse(data)]); },
};
"""


async def _kicking_is_asked_first(page: Any) -> None:
    """Kicking removes people: the page asks in its own dialog; Cancel puts the form back to the
    saved value, and "Yes, apply" saves it."""
    from playwright.async_api import expect

    action, dialog = page.locator("select[name=action]"), page.locator("#confirm")
    save, status = page.get_by_role("button", name="Save"), page.locator("#status")
    await action.select_option(value="2")  # ENFORCEMENT_ACTION_KICK
    await save.click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(
        "Action: kick. With this, members who do not join the channels are removed from the group."
    )
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(action).to_have_value("1")  # ENFORCEMENT_ACTION_MUTE, as saved
    await expect(status).to_have_text("")

    await action.select_option(value="2")
    await save.click()
    await dialog.get_by_role("button", name="Yes, apply").click()
    await expect(status).to_have_text("Saved.")
    await page.reload()
    await expect(page.locator("select[name=action]")).to_have_value("2")


async def _telegram_asks_in_its_popup(page: Any) -> None:
    """Inside Telegram the question is Telegram's own popup (web_app_open_popup), in the
    viewer's language; the popup's answer (popup_closed) saves the change."""
    from playwright.async_api import expect

    await page.locator("input[name=kick_after_minutes]").fill("10")
    await page.locator("#settings button[type=submit]").click()
    popup = await page.wait_for_function(
        "() => window.TelegramWebviewProxy.posted.find(([type]) => type === 'web_app_open_popup')"
    )
    _, asked = await popup.json_value()
    assert "از گروه حذف می‌شوند" in asked["message"]
    assert [b["id"] for b in asked["buttons"]] == ["apply", "cancel"]
    await expect(page.locator("#confirm")).to_be_hidden()
    await page.evaluate(
        "() => window.Telegram.WebView.receiveEvent('popup_closed', { button_id: 'apply' })"
    )
    await expect(page.locator("#status")).to_have_text("ذخیره شد.")
    await page.reload()
    await expect(page.locator("input[name=kick_after_minutes]")).to_have_value("10")


def _relaunched(url: str, cwd: Path, language: str) -> str:
    """`url` launched again for the same user in another language, signed with the bot's token
    (make run wrote it to data/gmbot.env), as Telegram would launch it for them."""
    page, _, fragment = url.partition("#")
    launch = dict(parse_qsl(fragment))
    user = json.loads(dict(parse_qsl(launch["tgWebAppData"]))["user"])
    token = re.search(r"^BOT_TOKEN=(\S+)$", (cwd / "data" / "gmbot.env").read_text(), re.M)
    assert token is not None
    signed = sign_init_data(token[1], {**user, "language_code": language}, int(time.time()))
    return f"{page}#{urlencode({**launch, 'tgWebAppData': signed})}"


async def _button_link(exports: str, cwd: Path) -> str:
    """The invite link GMBot's warning offers for the private channel, "GMBot VIP" (GMBot made
    it, as it made the public channel's)."""
    command = "curl -s $SANDBOX/_sandbox/journal?method=sendMessage"
    for call in json.loads(await bash(exports, command, cwd)):
        markup = json.loads(call["params"].get("reply_markup") or "{}")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                url = str(button.get("url", ""))
                if "VIP" in str(button.get("text")) and url.startswith("https://t.me/+"):
                    return url
    raise AssertionError("no warning offered GMBot's invite link")


def _warned(member: str) -> str:
    """A command that says "warned" once the sandbox saw the bot warn `member`."""
    journal = '"$SANDBOX/_sandbox/journal?method=sendMessage"'
    return f'curl -s {journal} | grep -q "id={member}" && echo warned || true'


def _permissions(params: dict[str, Any]) -> dict[str, Any]:
    """A call's permissions, as the Bot API client sent them (a JSON-serialized object)."""
    value = params.get("permissions") or "{}"
    permissions: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return permissions
