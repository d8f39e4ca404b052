"""python -m bench.taxonomy"""

from bench.taxonomy.run import main

main()
