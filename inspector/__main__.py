"""``python -m inspector`` is the same program as ``webhook-inspector``."""

from inspector.cli import main

raise SystemExit(main())
