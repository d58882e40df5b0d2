"""``python -m components.cli serve|report|users`` — the documented entry point, kept for scripts
and schedulers; the commands live in components/commands/ (see its docstring)."""

import sys

from components.commands import COMMANDS, main

__all__ = ["COMMANDS", "main"]

if __name__ == "__main__":
    sys.exit(main())
