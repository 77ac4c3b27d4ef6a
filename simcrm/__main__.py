"""``python -m simcrm``."""

import sys

from simcrm.cli import main

sys.exit(main())
