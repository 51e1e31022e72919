"""What a running bot needs around the core: settings, statistics, logs."""
