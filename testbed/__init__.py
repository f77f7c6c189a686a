"""What the tests and the benchmarks share: platform processes, synthesized speech and voices, WER, a
streaming client, texts. Not a test package of its own: neither imports from the other."""
