"""python -m bench.places: see bench/places/run.py."""

from bench.places.run import main

if __name__ == "__main__":
    main()
