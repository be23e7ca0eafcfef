# engine/eval: sources, tests and benches of this module
