package dev.weft.mystery.archfixture;

/** Architecture-test fixture (see e2e's ArchitectureRulesTest): a dev.weft class in no known module. */
public final class Stray {}
