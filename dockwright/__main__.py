"""`python -m dockwright`: the same as the `dockwright` command."""

import sys

from dockwright.screens.entry import main

if __name__ == "__main__":
    sys.exit(main())
