# engine/plot: sources, tests and benches of this module
