"""The pure core: knowledge in, reply out (normalise -> match -> decide -> compose).

Nothing here imports the command line, Telegram, the environment or the
clock: every front end calls `answer()` with an `Engine` and renders the
`Reply` it gets.
"""
