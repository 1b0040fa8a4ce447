"""What membership decides: answers, checks, administrator lists, presence. It reaches storage,
Telegram and the change feed only through the Protocols in `ports`; no Redis, aiogram or gRPC."""
