# Fault-injection sweep (tests/fault/): see its README.
