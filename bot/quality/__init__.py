"""Measuring the bot: evaluation sets and the benchmark."""
