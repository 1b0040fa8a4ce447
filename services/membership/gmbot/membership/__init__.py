"""Membership: "is user U in channel C", group administrator lists, where a user was seen."""
