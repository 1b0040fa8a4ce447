"""What a person's message can carry besides text, shaped as the Bot API shapes it, so a test
can send what members really send: a captioned photo, a sticker, a poll, dice, a contact, a
location, a forwarded story (and any of them through an inline bot, `via_bot`)."""

from __future__ import annotations

import secrets
from typing import Any

from gmbot.sandbox.wire import chat_json
from gmbot.sandbox.world import User, World

KINDS = frozenset({"text", "photo", "sticker", "poll", "dice", "contact", "location", "story"})
# Telegram puts a caption on media only (of which the sandbox has photos).
CAPTIONED = frozenset({"photo"})


def content_of(kind: str, world: World, sender: User, text: str) -> dict[str, Any]:
    """The Bot API fields of a `kind` message from `sender` (`text` is a poll's question)."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {', '.join(sorted(KINDS))}")
    unique = secrets.token_hex(4)
    file = {"file_id": f"{kind}-{unique}", "file_unique_id": unique}
    match kind:
        case "photo":
            return {"photo": [{**file, "width": 320, "height": 240}]}
        case "sticker":
            sticker = {"type": "regular", "width": 512, "height": 512, "emoji": "🙂"}
            return {"sticker": {**file, **sticker, "is_animated": False, "is_video": False}}
        case "poll":
            options = [
                {"persistent_id": str(n), "text": answer, "voter_count": 0}
                for n, answer in enumerate(("yes", "no"))
            ]
            poll = {"id": unique, "question": text or "?", "options": options, "type": "regular"}
            flags = dict.fromkeys(
                ("is_closed", "allows_multiple_answers", "allows_revoting", "members_only"), False
            )
            return {"poll": {**poll, **flags, "total_voter_count": 0, "is_anonymous": True}}
        case "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        case "contact":
            return {
                "contact": {"phone_number": "+15550100", "first_name": "Ann", "user_id": sender.id}
            }
        case "location":
            return {"location": {"latitude": 48.8566, "longitude": 2.3522}}
        case "story":
            return {"story": {"chat": chat_json(world.private_chat(sender.id), world), "id": 1}}
    return {}
