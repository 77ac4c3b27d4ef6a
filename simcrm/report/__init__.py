"""What a person reads: terminal tables, figures, and output files written atomically."""
