package dev.weft.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** "peer joined" names the peer: it waits for the node record, or says "record pending" after a few seconds. */
class MemberLogTest {
    static final PeerId B = PeerId.of(0xb2);
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(MemberLog.class);
    final PeerTable table = new PeerTable();
    final MemberLog log = new MemberLog(6770);

    ch.qos.logback.classic.Level level;

    @BeforeEach
    void attach() {
        level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(logs);
        logger.setLevel(level);
    }

    private List<String> lines() {
        return logs.list.stream()
                .map(e -> e.getFormattedMessage() + " "
                        + e.getKeyValuePairs().stream()
                                .map(kv -> kv.key + "=" + kv.value)
                                .toList())
                .toList();
    }

    @Test
    void aJoinIsLoggedOnceTheRecordNamesThePeer() {
        var m = AgentControllerTest.member(B, MemberState.ALIVE, new byte[0]);
        table.update(m);
        log.stateChanged(m, null, false, table.get(B).orElseThrow(), 0);
        assertThat(lines()).as("no line before the record").isEmpty();
        var withRecord = AgentControllerTest.member(B, MemberState.ALIVE, AgentControllerTest.record(B, List.of()));
        assertThat(table.update(withRecord)).isEqualTo(PeerTable.Change.RECORD);
        log.recordChanged(table.get(B).orElseThrow());
        assertThat(lines())
                .singleElement()
                .asString()
                .startsWith("peer joined")
                .contains("nickname=b")
                .contains("addr=192.0.2.2:6770")
                .doesNotContain("/192");
        log.onTick(60_000);
        assertThat(lines()).hasSize(1);
    }

    @Test
    void aJoinWithoutARecordIsLoggedAfterAFewSecondsAsRecordPending() {
        var m = AgentControllerTest.member(B, MemberState.ALIVE, new byte[0]);
        table.update(m);
        log.stateChanged(m, null, false, table.get(B).orElseThrow(), 1_000);
        log.onTick(1_000 + MemberLog.RECORD_WAIT_MS - 1);
        assertThat(lines()).isEmpty();
        log.onTick(1_000 + MemberLog.RECORD_WAIT_MS);
        assertThat(lines()).singleElement().asString().startsWith("peer joined").contains("nickname=(record pending)");
    }

    @Test
    void addressesPrintAsHostAndPort() {
        assertThat(MemberLog.addr(new InetSocketAddress("192.0.2.13", 6772))).isEqualTo("192.0.2.13:6772");
        assertThat(MemberLog.addr(InetSocketAddress.createUnresolved("node-a", 6770)))
                .isEqualTo("node-a:6770");
        assertThat(MemberLog.addr(null)).isEqualTo("?");
    }
}
