"""python -m bench.console: see bench/console/run.py."""

from bench.console.run import main

if __name__ == "__main__":
    main()
