package dev.weft.ipam.store.archfixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Architecture-test fixture (see e2e's ArchitectureRulesTest): ipam's store may do file I/O. */
public final class StoreFixtures {
    private StoreFixtures() {}

    static void write(Path p) throws IOException {
        Files.writeString(p, "x");
    }
}
