"""Stage 1 with the published command line: ``python run_jointformer.py [seed flags]``.

The same as ``jointformer train``; reads ``data/`` in the working directory unless ``--data-dir`` is given.
"""

import sys

from jointformer.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
