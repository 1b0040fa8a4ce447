"""What GMBot says to people, in English and Russian. Values are HTML; callers escape what they
substitute (`say` does it for them)."""

from __future__ import annotations

import unicodedata
from html import escape

LANGUAGES = ("en", "ru")
# Telegram allows 64 + 64 characters of first and last name and 128 of a chat title; what GMBot
# stores and sends has tighter bounds.
OWNER_NAME_LIMIT = 64  # tenancy's Owner.username
BUTTON_TEXT_LIMIT = 64  # an inline button's text, as enforcement checks it
CHANNEL_TITLE_LIMIT = BUTTON_TEXT_LIMIT  # a channel's title becomes its join button's text
ECHO_LIMIT = 64  # what an owner typed, quoted back in a refusal
MESSAGE_LIMIT = 4096  # a message's text
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, variation selectors

_EN: dict[str, str] = {
    "start": (
        "Hi! I keep groups for people who follow the group's channels.\n\n"
        "1. Add me to your supergroup as an administrator who can delete messages and "
        "restrict members (and invite users, for join requests).\n"
        "2. Add me to each channel as an administrator, so I can see who follows it.\n"
        "3. In the group, send <code>/protect @yourchannel</code>.\n\n"
        "/help lists every command; /groups shows the groups you protect."
    ),
    "help": (
        "<b>In a group</b> (administrators only):\n"
        "/protect @a @b — require the channels (usernames, ids, or t.me links)\n"
        "/unprotect — stop requiring them and lift every mute I imposed (settings are kept)\n"
        "/status — what is required here, who is exempt, what I cannot check\n"
        "/settings — show settings; <code>/settings name value</code> changes one\n"
        "/settings mode observe — rehearse: check everything, act on nobody\n"
        "/muted — who I mute here, with Unmute and Exempt buttons\n"
        "/stats — what I did here in the last 24 hours and 7 days\n"
        "/check — list what I am missing to do my job here\n\n"
        "<b>In private</b>: /start, /help, /groups, /muted and /stats for a group you choose"
    ),
    "groups_none": "You protect no group yet. Add me to a group and send /protect there.",
    "groups_header": "Groups you protect:",
    "groups_more": "…and {count} more.",
    "group_line": "• {title}: {state}, channels: {channels}",
    "state_on": "on",
    "state_off": "off",
    "state_suspended": "suspended ({reason})",
    "only_supergroups": (
        "This is a basic group, and basic groups cannot restrict members, so I cannot protect "
        "it. Upgrade it to a supergroup (Telegram does so when you make the group public once, "
        "or turn on «Chat history for new members»), then send the command again."
    ),
    "only_admins": "Only administrators of this group can do that.",
    "try_again_later": "Something went wrong on my side. Please try again in a minute.",
    "anonymous_cannot_link": (
        "You are posting anonymously, so I cannot check that you administer the channels. "
        "Turn off «Remain anonymous» for a moment and send the command again."
    ),
    "protect_usage": "Tell me which channels: <code>/protect @channel1 @channel2</code>",
    "too_many_channels": "At most {limit} channels per group.",
    "channel_not_found": (
        "I cannot find {channel}. Check the name, and add me to the channel as an administrator."
    ),
    "not_a_channel": "{channel} is not a channel.",
    "bot_missing_rights_group": "I need these administrator rights in this group: {rights}.",
    "bot_not_admin_channel": (
        "I am not an administrator of {channel}, so I cannot see who follows it. "
        "Add me there as an administrator."
    ),
    "bot_missing_rights_channel": "In {channel} I also need: {rights}.",
    "issuer_not_channel_admin": (
        "You are not an administrator of {channel}. Only its administrators may require it."
    ),
    "protected": "Done. To write here, members must now follow: {channels}.",
    "unprotected": (
        "Protection is off: I lift the mutes I imposed here and remove my warnings. Your "
        "channels and settings are kept; /protect turns it on."
    ),
    "not_protected": "This group is not protected. Send <code>/protect @channel</code>.",
    "status_on": "Members must follow: {channels}.",
    "status_off": "Protection is off (channels kept: {channels}).",
    "status_suspended": "Protection is suspended: {reason}. Fix it, then send /check.",
    "settings_header": "Settings (change one with <code>/settings name value</code>):",
    "setting_changed": "{name} is now {value}.",
    "setting_bad": "Not changed: {reason}",
    "settings_usage": "Use <code>/settings name value</code>, for example /settings language ru.",
    "check_ok": "All good: I have every right I need here and in {channels}.",
    "check_problems": "What to fix:",
    "verify_not_yours": "This button is for another member.",
    "verify_missing": "You still need to join: {channels}.",
    "verify_unknown": "I could not check right now. Please try again in a minute.",
    "verify_ok": "Thank you! You can write now.",
    "bot_added": (
        "Hi! To protect this group: make me an administrator who can delete messages and "
        "restrict members, add me to your channels as an administrator, then send "
        "<code>/protect @yourchannel</code>."
    ),
    "bot_lost_rights": (
        "I stopped protecting «{title}»: {reason}. Meanwhile I mute nobody there and lift the "
        "mutes I imposed (those I cannot lift now, as soon as I can). Give me back the rights "
        "and send /check there."
    ),
    "reason_removed": "I was removed from the group",
    "reason_demoted": "I am no longer an administrator with the rights I need ({rights})",
    "bot_resumed": "I protect «{title}» again.",
    "right_can_delete_messages": "delete messages",
    "right_can_restrict_members": "ban users",
    "right_can_invite_users": "invite users via link",
    "error_try_later": "Something on my side failed. Please try again in a minute.",
    "bot_resumed_lifted": (
        "I lifted the {count} mute(s) I imposed there and could not lift while I lacked the rights."
    ),
    "status_mode_observe": (
        "Observe mode: I check everyone but act on nobody; /stats shows what I would have "
        "done, and you get a digest at most once an hour. <code>/settings mode enforce</code> "
        "makes me act."
    ),
    "status_exempt": "Exempt (never checked here): {users}. The buttons below check them again.",
    "status_channel_problem": "⚠ {channel}: {problem}. To fix it: {fix}.",
    "channel_problem_removed": "I am not in the channel any more, so I cannot see who follows it",
    "channel_problem_not_admin": "I am not its administrator, so I cannot see who follows it",
    "channel_problem_no_invite_links": "I cannot make invite links there",
    "channel_fix_removed": "add me back to the channel as an administrator",
    "channel_fix_not_admin": "make me an administrator of the channel again",
    "channel_fix_no_invite_links": "give me the right «Invite users via link» in the channel",
    "channel_lost": (
        "⚠ {channel} (required in {groups}): {problem}. To fix it: {fix}. Until then nobody is "
        "muted for not following it."
    ),
    "channel_back": "✅ {channel} works again: I check who follows it for {groups}.",
    "channel_added": (
        "Thanks for adding me to {channel}! To require it in a group: add me to the group as an "
        "administrator who can delete messages and ban users, then send "
        "<code>/protect {reference}</code> there."
    ),
    "button_unexempt": "✖ Check {user} again",
    "unexempted": "{user} is checked again here.",
    "muted_none": "Nobody is muted by me in «{title}».",
    "muted_header": "Muted by me in «{title}» ({first}–{last} of {total}):",
    "muted_line": "{n}. {user}: {reason}, since {since}",
    "mute_reason_not_subscribed": "wrote without following the channels",
    "mute_reason_joined_unverified": "joined without following the channels",
    "mute_reason_left_channel": "left a required channel",
    "mute_reason_other": "did not follow the channels",
    "button_unmute": "🔓 Unmute {n}",
    "button_exempt": "⭐ Exempt {n}",
    "button_previous": "◀ Previous",
    "button_next": "Next ▶",
    "press_unmuted": "{user} is unmuted (muted again only for a new message without the channels).",
    "press_exempted": "{user} is exempt now and unmuted.",
    "press_only_admins": "Only administrators of this group can do that.",
    "press_unknown": "I could not check your rights right now. Please try again in a minute.",
    "choose_group": "Which group?",
    "stats_header": "📊 «{title}»: last 24 hours · last 7 days",
    "stats_line": "{label}: {day} · {week}",
    "stats_conversion": "{count} ({percent})",
    "stats_now_muted": "Muted by me now: {count}",
    "stats_messages_checked": "Messages checked",
    "stats_joins_checked": "Joins checked",
    "stats_members_warned": "Members warned",
    "stats_members_muted": "Members muted",
    "stats_members_joined": "Joined the channels after a warning",
    "stats_unmuted_by_button": "Unmuted by «I have joined»",
    "stats_unmuted_by_joining": "Unmuted by joining the channels",
    "stats_unmuted_by_admins": "Unmuted by administrators",
    "stats_members_kicked": "Members removed",
    "stats_join_requests_approved": "Join requests approved",
    "stats_join_requests_declined": "Join requests declined",
    "stats_bot_api_calls": "Bot API calls spent",
    "stats_observed_header": "Observe mode, what I would have done:",
    "stats_observed_members_muted": "Members muted",
    "stats_observed_members_warned": "Members warned",
    "stats_observed_members_kicked": "Members removed",
    "stats_observed_messages_deleted": "Messages deleted",
    "verify_request_ok": "Thank you! Your request to join is approved.",
}

_RU: dict[str, str] = {
    "start": (
        "Привет! Я охраняю группы для тех, кто подписан на каналы группы.\n\n"
        "1. Добавьте меня в супергруппу администратором с правами удалять сообщения и "
        "ограничивать участников (и приглашать — для заявок на вступление).\n"
        "2. Добавьте меня администратором в каждый канал, чтобы я видел подписчиков.\n"
        "3. В группе отправьте <code>/protect @вашканал</code>.\n\n"
        "/help — все команды; /groups — ваши группы."
    ),
    "help": (
        "<b>В группе</b> (только администраторы):\n"
        "/protect @a @b — требовать подписку на каналы (имена, id или ссылки t.me)\n"
        "/unprotect — перестать требовать и снять все мои ограничения (настройки сохранятся)\n"
        "/status — что здесь требуется, кто освобождён, что я не могу проверить\n"
        "/settings — настройки; <code>/settings имя значение</code> меняет одну\n"
        "/settings mode observe — репетиция: проверять всё, никого не трогать\n"
        "/muted — кого я ограничил здесь, с кнопками «Снять» и «Освободить»\n"
        "/stats — что я сделал здесь за 24 часа и 7 дней\n"
        "/check — чего мне не хватает для работы здесь\n\n"
        "<b>В личке</b>: /start, /help, /groups, /muted и /stats для выбранной группы"
    ),
    "groups_none": (
        "Вы пока не защищаете ни одной группы. Добавьте меня в группу и отправьте /protect."
    ),
    "groups_header": "Ваши группы:",
    "groups_more": "…и ещё {count}.",
    "group_line": "• {title}: {state}, каналы: {channels}",
    "state_on": "включено",
    "state_off": "выключено",
    "state_suspended": "приостановлено ({reason})",
    "only_supergroups": (
        "Это обычная группа: в ней нельзя ограничивать участников, и защитить её я не могу. "
        "Преобразуйте её в супергруппу (Telegram делает это, если один раз сделать группу "
        "публичной или включить «История чата для новых участников»), затем повторите команду."
    ),
    "only_admins": "Это могут только администраторы группы.",
    "try_again_later": "У меня что-то пошло не так. Попробуйте ещё раз через минуту.",
    "anonymous_cannot_link": (
        "Вы пишете анонимно, и я не могу проверить, что вы администрируете каналы. "
        "Отключите «Анонимность» на минуту и повторите команду."
    ),
    "protect_usage": "Укажите каналы: <code>/protect @канал1 @канал2</code>",
    "too_many_channels": "Не больше {limit} каналов на группу.",
    "channel_not_found": (
        "Не нахожу {channel}. Проверьте имя и добавьте меня в канал администратором."
    ),
    "not_a_channel": "{channel} — не канал.",
    "bot_missing_rights_group": "Мне нужны права администратора в этой группе: {rights}.",
    "bot_not_admin_channel": (
        "Я не администратор {channel} и не вижу его подписчиков. "
        "Добавьте меня туда администратором."
    ),
    "bot_missing_rights_channel": "В {channel} мне ещё нужно: {rights}.",
    "issuer_not_channel_admin": (
        "Вы не администратор {channel}. Требовать подписку могут только его администраторы."
    ),
    "protected": "Готово. Чтобы писать здесь, нужно подписаться на: {channels}.",
    "unprotected": (
        "Защита выключена: я снимаю наложенные мной ограничения и удаляю свои предупреждения. "
        "Каналы и настройки сохранены; /protect включит её снова."
    ),
    "not_protected": "Группа не защищена. Отправьте <code>/protect @канал</code>.",
    "status_on": "Нужно подписаться на: {channels}.",
    "status_off": "Защита выключена (каналы сохранены: {channels}).",
    "status_suspended": "Защита приостановлена: {reason}. Исправьте и отправьте /check.",
    "settings_header": "Настройки (изменить: <code>/settings имя значение</code>):",
    "setting_changed": "{name} теперь {value}.",
    "setting_bad": "Не изменено: {reason}",
    "settings_usage": (
        "Используйте <code>/settings имя значение</code>, например /settings language en."
    ),
    "check_ok": "Всё в порядке: у меня есть все нужные права здесь и в {channels}.",
    "check_problems": "Что исправить:",
    "verify_not_yours": "Эта кнопка для другого участника.",
    "verify_missing": "Осталось подписаться на: {channels}.",
    "verify_unknown": "Не удалось проверить сейчас. Попробуйте через минуту.",
    "verify_ok": "Спасибо! Теперь можно писать.",
    "bot_added": (
        "Привет! Чтобы защитить группу, сделайте меня администратором с правами удалять "
        "сообщения и ограничивать участников, добавьте меня администратором в ваши каналы и "
        "отправьте <code>/protect @вашканал</code>."
    ),
    "bot_lost_rights": (
        "Я перестал защищать «{title}»: {reason}. Пока так, я никого там не ограничиваю и "
        "снимаю свои ограничения (те, что не могу снять сейчас, — как только смогу). Верните "
        "права и отправьте там /check."
    ),
    "reason_removed": "меня удалили из группы",
    "reason_demoted": "у меня больше нет нужных прав администратора ({rights})",
    "bot_resumed": "Я снова защищаю «{title}».",
    "right_can_delete_messages": "удалять сообщения",
    "right_can_restrict_members": "блокировать пользователей",
    "right_can_invite_users": "приглашать по ссылке",
    "error_try_later": "У меня что-то сломалось. Попробуйте через минуту.",
    "bot_resumed_lifted": (
        "Я снял {count} своих ограничений, которые не мог снять, пока у меня не было прав."
    ),
    "status_mode_observe": (
        "Режим наблюдения: я проверяю всех, но никого не трогаю; /stats покажет, что я бы "
        "сделал, а сводка приходит не чаще раза в час. <code>/settings mode enforce</code> — "
        "начать действовать."
    ),
    "status_exempt": "Освобождены (не проверяются здесь): {users}. Кнопки ниже вернут проверку.",
    "status_channel_problem": "⚠ {channel}: {problem}. Как исправить: {fix}.",
    "channel_problem_removed": "меня больше нет в канале, и я не вижу подписчиков",
    "channel_problem_not_admin": "я не администратор канала и не вижу подписчиков",
    "channel_problem_no_invite_links": "я не могу создавать ссылки-приглашения",
    "channel_fix_removed": "добавьте меня в канал администратором",
    "channel_fix_not_admin": "снова сделайте меня администратором канала",
    "channel_fix_no_invite_links": "дайте мне право «Пригласительные ссылки» в канале",
    "channel_lost": (
        "⚠ {channel} (требуется в {groups}): {problem}. Как исправить: {fix}. Пока это так, "
        "никто не ограничивается за то, что не подписан на него."
    ),
    "channel_back": "✅ {channel} снова работает: я проверяю подписчиков для {groups}.",
    "channel_added": (
        "Спасибо, что добавили меня в {channel}! Чтобы требовать его в группе, добавьте меня в "
        "группу администратором с правами удалять сообщения и блокировать пользователей и "
        "отправьте там <code>/protect {reference}</code>."
    ),
    "button_unexempt": "✖ Снова проверять {user}",
    "unexempted": "{user} снова проверяется здесь.",
    "muted_none": "В «{title}» я никого не ограничиваю.",
    "muted_header": "Ограничены мной в «{title}» ({first}–{last} из {total}):",
    "muted_line": "{n}. {user}: {reason}, с {since}",
    "mute_reason_not_subscribed": "писал без подписки на каналы",
    "mute_reason_joined_unverified": "вступил без подписки на каналы",
    "mute_reason_left_channel": "отписался от обязательного канала",
    "mute_reason_other": "не подписан на каналы",
    "button_unmute": "🔓 Снять {n}",
    "button_exempt": "⭐ Освободить {n}",
    "button_previous": "◀ Назад",
    "button_next": "Дальше ▶",
    "press_unmuted": (
        "С {user} ограничение снято (снова — только за новое сообщение без подписки)."
    ),
    "press_exempted": "{user} освобождён от проверки, ограничение снято.",
    "press_only_admins": "Это могут только администраторы группы.",
    "press_unknown": "Не удалось проверить ваши права. Попробуйте через минуту.",
    "choose_group": "Какая группа?",
    "stats_header": "📊 «{title}»: за 24 часа · за 7 дней",
    "stats_line": "{label}: {day} · {week}",
    "stats_conversion": "{count} ({percent})",
    "stats_now_muted": "Сейчас ограничены мной: {count}",
    "stats_messages_checked": "Проверено сообщений",
    "stats_joins_checked": "Проверено вступлений",
    "stats_members_warned": "Предупреждено участников",
    "stats_members_muted": "Ограничено участников",
    "stats_members_joined": "Подписались после предупреждения",
    "stats_unmuted_by_button": "Сняты кнопкой «Я подписался»",
    "stats_unmuted_by_joining": "Сняты после подписки",
    "stats_unmuted_by_admins": "Сняты администраторами",
    "stats_members_kicked": "Удалено участников",
    "stats_join_requests_approved": "Одобрено заявок",
    "stats_join_requests_declined": "Отклонено заявок",
    "stats_bot_api_calls": "Вызовов Bot API",
    "stats_observed_header": "Режим наблюдения, что я бы сделал:",
    "stats_observed_members_muted": "Ограничил участников",
    "stats_observed_members_warned": "Предупредил участников",
    "stats_observed_members_kicked": "Удалил участников",
    "stats_observed_messages_deleted": "Удалил сообщений",
    "verify_request_ok": "Спасибо! Ваша заявка на вступление одобрена.",
}

_CATALOG = {"en": _EN, "ru": _RU}


def say(language: str, key: str, **values: object) -> str:
    """The text `key` in `language` (English when unknown), with `values` HTML-escaped.

    Values wrapped in `Html` are inserted as they are.
    """
    catalog = _CATALOG.get(language, _EN)
    template = catalog.get(key) or _EN[key]
    return template.format(
        **{k: v if isinstance(v, Html) else escape(str(v)) for k, v in values.items()}
    )


class Html(str):
    """A string that is already HTML (built from escaped parts)."""

    __slots__ = ()


def shorten(text: str, most: int) -> str:
    """`text` in at most `most` characters: cut with an ellipsis, never in the middle of a
    combining sequence (an accent or an emoji's joiner is not left dangling)."""
    text = text.strip()
    if len(text) <= most:
        return text
    end = most - 1
    # Move the cut back while it would split a character from what modifies or joins it.
    while end > 0 and (
        unicodedata.combining(text[end]) or text[end] in _JOINERS or text[end - 1] in _JOINERS
    ):
        end -= 1
    return text[:end].rstrip() + "…"


def fit_lines(language: str, lines: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """`lines` joined, as many as fit in one message; the rest are counted on a last line."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index
        more = say(language, "groups_more", count=rest) if rest > 1 else ""
        if len("\n".join([*kept, line])) + len(more) + 1 > limit:
            kept.append(say(language, "groups_more", count=rest))
            break
        kept.append(line)
    return "\n".join(kept)


def button_text(*candidates: str) -> str:
    """The first non-blank candidate as an inline button's text (a channel's title, then its
    username), short enough for Telegram."""
    for candidate in candidates:
        if candidate.strip():
            return shorten(candidate, BUTTON_TEXT_LIMIT)
    return "channel"


def language_of(code: str | None) -> str:
    """A user's Telegram language code to one of ours."""
    return "ru" if code and code.split("-")[0] in {"ru", "uk", "be", "kk"} else "en"
