package dev.weft.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.netlink.MacAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VtepMacStoreTest {
    @TempDir
    Path dir;

    @Test
    void createdOnceThenReused() throws Exception {
        MacAddress first = VtepMacStore.loadOrCreate(dir.resolve("state"), new Random(1));
        MacAddress again = VtepMacStore.loadOrCreate(dir.resolve("state"), new Random(2));
        assertThat(again).isEqualTo(first);
        assertThat(first.bytes()[0] & 0x03).isEqualTo(0x02);
        assertThat(Files.readString(dir.resolve("state").resolve(VtepMacStore.FILE))
                        .trim())
                .isEqualTo(first.toString());
    }

    @Test
    void garbledFileIsReplaced() throws Exception {
        Files.writeString(dir.resolve(VtepMacStore.FILE), "not a mac\n");
        MacAddress mac = VtepMacStore.loadOrCreate(dir, new Random(3));
        assertThat(VtepMacStore.loadOrCreate(dir, new Random(4))).isEqualTo(mac);
    }
}
