package io.atomix.archfixture;

/** Architecture-test fixture (see e2e's ArchitectureRulesTest): stands for Atomix, which Weft rejected. */
public final class Atomix {}
