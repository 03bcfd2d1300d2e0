"""``python -m jointformer.cli ARGS`` runs the command line as the ``jointformer`` console script does."""

import sys

from jointformer.cli.commands import main

sys.exit(main())
