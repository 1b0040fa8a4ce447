"""The owners' Mini App: a page Telegram opens inside the app, and the API it calls, served by
the gateway on MINIAPP_PORT. Every call is authorised by Telegram's signed launch data; the
reads and the actions go through the same flows as /stats, /muted, /settings and undo."""
