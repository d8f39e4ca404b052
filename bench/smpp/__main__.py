"""python -m bench.smpp [--messages N] [--binds B] [--window W]: see bench/smpp/run.py."""

from bench.smpp.run import main

if __name__ == "__main__":
    main()
