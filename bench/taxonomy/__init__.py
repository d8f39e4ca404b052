"""Vocabulary benchmark: labelled pairs (recall, neighbour credit, confusions) and normalising throughput."""
