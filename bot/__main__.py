"""`python -m bot`: see bot/cli.py."""

import sys

from .cli.main import main

sys.exit(main())
