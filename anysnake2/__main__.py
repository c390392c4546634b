"""`python -m anysnake2`."""

import sys

from ._fast import main

sys.exit(main())
