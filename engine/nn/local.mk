# engine/nn: sources, tests and benches of this module
