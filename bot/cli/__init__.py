"""The command line (`python -m bot ...`) and its plain-text rendering."""
