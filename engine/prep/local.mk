# engine/prep: sources, tests and benches of this module
