"""kikin (基金): software that runs a public R&D fund end to end."""
