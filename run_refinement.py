"""Stage 2 with the published command line: ``python run_refinement.py [seed flags] --pose_weights CKPT``.

The same as ``jointformer refine``; reads ``data/`` in the working directory unless ``--data-dir`` is given.
"""

import sys

from jointformer.cli import main

if __name__ == "__main__":
    sys.exit(main(["refine", *sys.argv[1:]]))
