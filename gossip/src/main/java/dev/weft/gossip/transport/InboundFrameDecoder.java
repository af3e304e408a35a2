package dev.weft.gossip.transport;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.WireCounters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.Function;

/**
 * The server side of a gossip stream: exactly one request frame (4-byte big-endian length, then an envelope),
 * checked in the order that costs an attacker the most and us the least:
 *
 * <ol>
 *   <li>the length prefix and the 24-byte envelope header are read first (28 bytes);
 *   <li>a length over the frame cap or under the envelope overhead, or a header the {@code headerCheck} refuses
 *       (bad magic, version, cluster tag, flags, unknown key id), closes the stream, counted by reason; the body
 *       is never read and nothing is allocated for it;
 *   <li>only then is the body accumulated, as it arrives (nothing is reserved up front for the announced length);
 *       the frame is emitted as a {@code byte[]} (the whole envelope, header included) once complete.
 * </ol>
 *
 * Anything after the one frame closes the stream ({@code unexpected}). Authentication of the body itself is the
 * receiver's (the {@code Opener}); a sender that knows a valid header (it is cleartext on the wire) can still make
 * us buffer up to the frame cap until the stream deadline.
 */
final class InboundFrameDecoder extends ByteToMessageDecoder {
    static final int PREFIX = 4;

    private final int maxFrame;
    private final Function<byte[], DropReason> headerCheck;
    private final WireCounters counters;
    private int length = -1; // envelope length, once the header passed
    private boolean emitted;
    private boolean refused;

    /**
     * @param maxFrame    cap of a whole frame, length prefix included (as the client side's decoder counts it)
     * @param headerCheck returns why a header is refused, or null
     */
    InboundFrameDecoder(int maxFrame, Function<byte[], DropReason> headerCheck, WireCounters counters) {
        this.maxFrame = maxFrame;
        this.headerCheck = headerCheck;
        this.counters = counters;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (emitted) {
            refuse(ctx, in, DropReason.UNEXPECTED);
            return;
        }
        if (length < 0) {
            if (in.readableBytes() < PREFIX + Envelope.HEADER_LENGTH) {
                return;
            }
            int announced = in.getInt(in.readerIndex());
            DropReason bad;
            if (announced < 0 || announced > maxFrame - PREFIX) {
                bad = DropReason.OVERSIZED;
            } else if (announced < Envelope.OVERHEAD) {
                bad = DropReason.MALFORMED;
            } else {
                byte[] header = new byte[Envelope.HEADER_LENGTH];
                in.getBytes(in.readerIndex() + PREFIX, header);
                bad = headerCheck.apply(header);
            }
            if (bad != null) {
                refuse(ctx, in, bad);
                return;
            }
            length = announced;
        }
        if (in.readableBytes() < PREFIX + length) {
            return;
        }
        in.skipBytes(PREFIX);
        out.add(ByteBufUtil.getBytes(in, in.readerIndex(), length));
        in.skipBytes(length);
        emitted = true;
        if (in.isReadable()) {
            refuse(ctx, in, DropReason.UNEXPECTED);
        }
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, DropReason why) {
        counters.drop(why);
        refused = true;
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
