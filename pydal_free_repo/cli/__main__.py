import sys

from pydal_free_repo.cli import main

sys.exit(main())
