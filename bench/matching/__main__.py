"""python -m bench.matching [--workers N] [--jobs M] [--out FILE]: see bench/matching/run.py."""

from bench.matching.run import main

if __name__ == "__main__":
    main()
