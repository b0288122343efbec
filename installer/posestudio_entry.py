"""Entry point of the frozen app: the same dispatcher as the `posestudio` console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless unless a worker process is ever spawned from the bundle
    from posestudio.cli import main

    sys.exit(main())
