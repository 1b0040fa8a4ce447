"""A local Telegram Bot API: stateful, speaking Telegram's HTTP protocol, driven by a control API.

Unmodified aiogram and python-telegram-bot clients pointed at it cannot tell it from Telegram for
the methods GMBot uses. It is the ground truth of the end-to-end tests, the engine of the demo,
and the load target of the benchmarks.
"""
