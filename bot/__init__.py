"""The Telegram bot: cadres ask in Vietnamese, the bot quotes the bulletins.

Entry point: ``python -m bot``; assembly in ``bot.app``; handlers in ``bot.handlers``.
"""

__all__: list[str] = []
