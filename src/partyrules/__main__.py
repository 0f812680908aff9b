"""``python -m partyrules``: the command line (see :mod:`partyrules.cli`)."""

from partyrules.cli import main

raise SystemExit(main())
