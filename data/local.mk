# data/: see README.md
