"""``python -m hmt_sim.cli`` runs the command line (the same as ``hmt-sim``)."""

import sys

from hmt_sim.cli import main

sys.exit(main())
