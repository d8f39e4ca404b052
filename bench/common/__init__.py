"""Code shared by the whole-stack benches (the chaos drill, the end-to-end latency bench)."""
