"""The ``jointformer`` command line (console script ``jointformer.cli:main``).

- :mod:`~jointformer.cli.commands`: the parser, the subcommands and their thin handlers, ``main``
- :mod:`~jointformer.cli.checks`: flag values and output paths, checked before any work
- :mod:`~jointformer.cli.lift_flags`: flags ``lift`` and ``video`` share; the pictures both write
- :mod:`~jointformer.cli.model_flags`: ``--model`` and the published code's inert flags; ``compare``
- :mod:`~jointformer.cli.dataset_commands`: ``prepare h36m``, ``synth --layout 3dhp``, ``evaluate --dataset``
- :mod:`~jointformer.cli.video_command`: ``jointformer video``
"""

from jointformer.cli.commands import build_parser, build_parsers, main

__all__ = ["build_parser", "build_parsers", "main"]
