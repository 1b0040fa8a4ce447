"""Warning texts, and the in-process budget."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest

from gmbot.enforcement.domain.actions import Enforce, JoinButton, MemberAction, WarningSpec
from gmbot.enforcement.domain.texts import (
    Button,
    Warned,
    observe_digest,
    removal_notice,
    request_notice,
    warning_keyboard,
    warning_text,
)
from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.callbacks import VerifyButton, verify

FSI, PDI = "\u2068", "\u2069"  # first strong isolate, pop directional isolate
TELEGRAM_MESSAGE_LIMIT = 4096
SPEC = WarningSpec(
    language="en",
    group_title="Cats & <Dogs>",
    join_buttons=(JoinButton("News", "https://t.me/news"),),
)
NEWS = (Button("News", url="https://t.me/news"),)


def test_names_and_titles_are_escaped_and_mentioned() -> None:
    text = warning_text(SPEC, [Warned(5, "<b>Eve</b>")])

    assert '<a href="tg://user?id=5">&lt;b&gt;Eve&lt;/b&gt;</a>' in text
    assert "Cats &amp; &lt;Dogs&gt;" in text


def test_the_owners_text_keeps_literal_braces() -> None:
    spec = replace(SPEC, custom_text="{user}: join {channels} {not a placeholder}")

    assert warning_text(spec, [Warned(5, "Eve")]).endswith("join News {not a placeholder}")


@pytest.mark.parametrize("name", ["{group}", "{mention}", "{channels}", "{user}", "{0}", "{"])
def test_placeholders_inside_a_members_name_appear_literally(name: str) -> None:
    # Replacing {user} first, then {group}, expanded a "{group}" that came from the name.
    custom = replace(SPEC, custom_text="{user} must join {channels} to write in {group}")
    for spec in (SPEC, custom):
        text = warning_text(spec, [Warned(5, name)])

        assert f'<a href="tg://user?id=5">{name}</a>' in text
        assert text.count("Cats &amp; &lt;Dogs&gt;") == 1


def test_placeholders_inside_titles_appear_literally() -> None:
    spec = WarningSpec(
        group_title="{user}",
        join_buttons=(JoinButton("{group}", "https://t.me/news"),),
        custom_text="{user} | {group} | {channels}",
    )

    assert warning_text(spec, [Warned(5, "Eve")]) == (
        '<a href="tg://user?id=5">Eve</a> | {user} | {group}'
    )
    assert "{user}" in request_notice(spec, -1001, 5, b"k" * 32)[0]


def test_right_to_left_names_and_titles_are_isolated() -> None:
    spec = replace(SPEC, group_title="مجموعة", join_buttons=(JoinButton("חדשות", "x"),))

    text = warning_text(spec, [Warned(5, "محمد <3")])

    assert f'<a href="tg://user?id=5">{FSI}محمد &lt;3{PDI}</a>' in text
    assert f"{FSI}مجموعة{PDI}" in text
    assert f"{FSI}חדשות{PDI}" in text
    assert FSI not in warning_text(SPEC, [Warned(5, "Eve")])  # left-to-right text stays as is


def test_a_name_cannot_close_its_isolate_or_override_the_text_after_it() -> None:
    # RIGHT-TO-LEFT OVERRIDE would flip the rest of the warning; a PDI in the name would end the
    # isolate early.
    text = warning_text(SPEC, [Warned(5, "Eve\u2069\u202eevil")])

    assert f">{FSI}Eve\u202eevil{PDI}</a>" in text
    assert text.count(PDI) == 1


def test_a_joined_button_for_a_right_to_left_name_is_isolated() -> None:
    keyboard = warning_keyboard(SPEC, [Warned(5, "Eve"), Warned(6, "شادی")], -1001, b"k" * 32)

    assert f"{FSI}شادی{PDI}" in keyboard[-1][0].text


def test_an_owners_text_that_would_pass_telegrams_limit_falls_back_to_the_builtin() -> None:
    spec = replace(SPEC, custom_text="{user}" * 166)
    members = [Warned(i, "N" * 129) for i in range(1, 9)]

    text = warning_text(spec, members)

    assert len(text) <= TELEGRAM_MESSAGE_LIMIT
    assert "please join" in text


def test_russian_groups_get_russian_warnings() -> None:
    assert "подпишитесь" in warning_text(replace(SPEC, language="ru"), [Warned(5, "Ева")])


def test_one_signed_button_per_member_of_a_coalesced_warning() -> None:
    members = [Warned(5, "Eve"), Warned(6, "Mallory")]

    keyboard = warning_keyboard(SPEC, members, -1001, b"k" * 32)

    assert keyboard[0] == NEWS
    assert [verify(b"k" * 32, row[0].callback_data) for row in keyboard[1:]] == [
        VerifyButton(-1001, 5),
        VerifyButton(-1001, 6),
    ]
    assert "Mallory" in keyboard[2][0].text


def test_a_join_request_notice_lists_the_channels_and_signs_i_have_joined() -> None:
    text, keyboard = request_notice(SPEC, -1001, 5, b"k" * 32)

    assert "News" in text
    assert keyboard[0] == NEWS
    [joined] = keyboard[1]
    assert (joined.text, joined.url) == ("✅ I have joined", "")
    assert verify(b"k" * 32, joined.callback_data) == VerifyButton(-1001, 5)


def test_the_observe_digest_counts_members_once_and_names_the_channels() -> None:
    warning = WarningSpec(join_buttons=(JoinButton("News <1>", "https://t.me/news"),))
    observed = [
        (5, Enforce(MemberAction.MUTE, message_id=10, warning=warning)),
        (5, Enforce(MemberAction.DELETE_ONLY, message_id=11)),
        (6, Enforce(MemberAction.MUTE, warning=warning)),
    ]

    text = observe_digest("en", "Cats & Dogs", observed)

    assert text.splitlines()[1:5] == [
        "• muted 2 members",
        "• removed 0 members from the group",
        "• deleted 2 messages",
        "Nothing was done.",
    ]
    assert "«Cats &amp; Dogs»" in text
    assert "They do not follow: News &lt;1&gt;." in text
    assert "/settings mode enforce" in text


async def test_the_local_budget_spaces_calls_and_honours_pauses() -> None:
    limiter = LocalBudget(Spacing.of(per_second=50, group_messages_per_minute=6000))
    started = time.monotonic()

    for _ in range(11):
        await limiter.answered(await limiter.acquire(None, Priority.URGENT))
    spaced = time.monotonic() - started
    await limiter.pause(None, 0.2)
    paused_from = time.monotonic()
    await limiter.answered(await limiter.acquire(-1001, Priority.URGENT))

    assert spaced >= 9.5 / 50  # half an interval of lateness is tolerated
    assert time.monotonic() - paused_from >= 0.19


def test_every_language_has_every_warning_text() -> None:
    from gmbot.enforcement.domain.texts import LOCALES
    from gmbot.runtime.catalogs import message_ids

    english = message_ids(LOCALES / "en" / "LC_MESSAGES" / "enforcement.po")
    for language in ("ru", "uk", "es", "pt_BR", "fa", "ar", "id", "tr"):
        catalog = message_ids(LOCALES / language / "LC_MESSAGES" / "enforcement.po")
        assert set(catalog) == set(english), language
        assert all(catalog.values()), language
        for key, text in catalog.items():
            assert sorted(re.findall(r"\{\w+\}", text)) == sorted(
                re.findall(r"\{\w+\}", english[key])
            ), (language, key)


def test_a_warning_in_arabic_isolates_every_name() -> None:
    text = warning_text(replace(SPEC, language="ar"), [Warned(5, "Eve")])

    assert f">{FSI}Eve{PDI}</a>" in text
    assert "انضم" in text


def test_a_warning_links_to_the_members_own_view_that_outlives_it() -> None:
    link = "https://t.me/gmbot?start=mutes"

    rows = warning_keyboard(
        replace(SPEC, language="uk", private_view_url=link), [Warned(5, "Eve")], -1001, b"k" * 32
    )

    assert rows[1] == (Button("💬 Чому я не можу писати?", url=link),)
    assert rows[-1][0].callback_data  # «I have joined» stays last


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(1, "за 1 минуту"), (3, "за 3 минуты"), (11, "за 11 минут"), (21, "за 21 минуту")],
)
def test_a_warning_says_when_the_kick_comes_in_russian_plural_forms(
    minutes: int, words: str
) -> None:
    text = warning_text(
        replace(SPEC, language="ru", kick_after_minutes=minutes), [Warned(5, "Ева")]
    )

    assert text.endswith(f"Если не подпишетесь {words}, вас удалят из группы.")


def test_a_warning_without_a_scheduled_kick_says_none() -> None:
    assert "removed" not in warning_text(SPEC, [Warned(5, "Eve")])


def test_an_owners_own_warning_still_says_when_the_kick_comes() -> None:
    spec = replace(SPEC, custom_text="Join {channels}!", kick_after_minutes=60)

    assert warning_text(spec, [Warned(5, "Eve")]).endswith(
        "If you do not join within 60 minutes, you will be removed from the group."
    )


def test_a_removed_member_is_told_why_and_given_the_channels() -> None:
    text, keyboard = removal_notice(replace(SPEC, group_title="Chat <1>"))

    assert "removed from «Chat &lt;1&gt;»" in text
    assert "News" in text
    assert keyboard == (NEWS,)


def test_every_plural_text_has_every_form_its_language_has() -> None:
    from gmbot.enforcement.domain.texts import LOCALES
    from gmbot.runtime.catalogs import plural_forms

    for po in LOCALES.glob("*/LC_MESSAGES/enforcement.po"):
        forms, texts = plural_forms(po)
        assert texts, po
        assert all(count == forms for count in texts.values()), po


def test_the_observe_digests_counts_take_their_plural_forms() -> None:
    observed = [(user, Enforce(MemberAction.MUTE, message_id=user)) for user in range(1, 4)]

    russian = observe_digest("ru", "Чат", observed).splitlines()
    arabic = observe_digest("ar", "Chat", observed[:2]).splitlines()
    english = observe_digest("en", "Chat", observed[:1]).splitlines()

    assert russian[1:4] == [
        "• были бы ограничены 3 участника",
        "• были бы удалены из группы 0 участников",
        "• были бы удалены 3 сообщения",
    ]
    assert arabic[1] == "• كتم عضوين (2)"
    assert english[1:4] == [
        "• muted 1 member",
        "• removed 0 members from the group",
        "• deleted 1 message",
    ]


def test_the_observe_digest_offers_to_go_live_in_the_groups_language() -> None:
    from gmbot.enforcement.domain.texts import go_live_keyboard
    from gmbot.runtime.callbacks import go_live_group

    [[button]] = go_live_keyboard("uk", -1001)

    assert button.text == "🚀 Увімкнути захист"
    assert go_live_group(button.callback_data) == -1001
