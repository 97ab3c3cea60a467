import sys

from nnstudio.cli import main

sys.exit(main())
