"""The Telegram front end: adapts updates to the core's `answer()` and sends its replies."""
