"""``python -m iadsim`` runs the command-line interface."""

import sys

from iadsim.cli.main import main

sys.exit(main())
