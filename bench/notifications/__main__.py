"""python -m bench.notifications [--burst N] [--rate R --seconds S]: see bench/notifications/run.py."""

from bench.notifications.run import main

if __name__ == "__main__":
    main()
