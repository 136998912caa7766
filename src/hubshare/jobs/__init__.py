"""What every workflow job shares: atomic writes, its log, the hash of the library code it runs, and the software versions."""
