"""`python -m tornado_timer`: see tornado_timer/cli.py."""

import sys

from .cli import main

sys.exit(main())
