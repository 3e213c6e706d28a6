# Stress runs (tests/stress/).
