"""The contract's enumerations the gateway reads, numbered as tenancy.proto numbers them (the
mapping in clients/wire.py converts by number). UNSPECIFIED is what a message lacking the field
carries, and what a value newer than this gateway reads as."""

from __future__ import annotations

from enum import IntEnum


class ChannelRights(IntEnum):
    """The bot's standing in a linked channel; UNSPECIFIED (never reported) is taken as OK."""

    UNSPECIFIED = 0
    OK = 1
    # Not in the channel any more, or not an administrator: it cannot see who follows it.
    REMOVED = 2
    NOT_ADMIN = 3
    # A private channel's administrator without "invite users via link".
    NO_INVITE_LINKS = 4
    # A public channel's administrator without "invite users via link": members still join by
    # its public link, but GMBot cannot count the joins its buttons bring.
    NO_ATTRIBUTION = 5


class EnforcementAction(IntEnum):
    """What GMBot does to a member who is missing a channel."""

    UNSPECIFIED = 0
    MUTE = 1
    KICK = 2
    DELETE_ONLY = 3


class UnknownPolicy(IntEnum):
    """What GMBot does when it cannot tell whether a member follows the channels."""

    UNSPECIFIED = 0
    ALLOW = 1
    DELETE_MESSAGE = 2


class GroupMode(IntEnum):
    """Whether GMBot acts in a group, or only rehearses."""

    UNSPECIFIED = 0
    ENFORCE = 1
    OBSERVE = 2
