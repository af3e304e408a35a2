package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;

/**
 * ChaCha20-Poly1305 (JDK provider) over {@link SealedFrame}s, in place inside a {@link ByteBuf}.
 * One instance per thread.
 */
final class PacketCipher {
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];

    PacketCipher() {
        try {
            cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305; the encrypted sleeve cannot run", e);
        }
    }

    private IvParameterSpec nonce(long counter) {
        for (int i = 0; i < 8; i++) nonce[4 + i] = (byte) (counter >>> (56 - 8 * i));
        return new IvParameterSpec(nonce);
    }

    /**
     * Encrypts {@code plainLength} bytes that follow the 32-byte header at {@code headerIndex} in
     * place and appends the tag (the buffer must have room for 16 more bytes). The header must be
     * complete (it is the AAD). Returns the frame length.
     */
    int seal(ByteBuf buf, int headerIndex, int plainLength, SecretKey key, long counter) {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, nonce(counter));
            cipher.updateAAD(buf.nioBuffer(headerIndex, SealedFrame.HEADER));
            ByteBuffer in = buf.nioBuffer(headerIndex + SealedFrame.HEADER, plainLength);
            ByteBuffer out = buf.nioBuffer(headerIndex + SealedFrame.HEADER, plainLength + SealedFrame.TAG);
            int n = cipher.doFinal(in, out);
            return SealedFrame.HEADER + n;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
        }
    }

    /**
     * Authenticates and decrypts the frame of {@code frameLength} bytes at {@code headerIndex} in
     * place; returns the plaintext length (plaintext starts at headerIndex + 32) or -1 when the tag
     * does not verify.
     */
    int open(ByteBuf buf, int headerIndex, int frameLength, SecretKey key, long counter) {
        int cipherLen = frameLength - SealedFrame.HEADER;
        if (cipherLen < SealedFrame.TAG) return -1;
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, nonce(counter));
            cipher.updateAAD(buf.nioBuffer(headerIndex, SealedFrame.HEADER));
            ByteBuffer in = buf.nioBuffer(headerIndex + SealedFrame.HEADER, cipherLen);
            ByteBuffer out = buf.nioBuffer(headerIndex + SealedFrame.HEADER, cipherLen);
            return cipher.doFinal(in, out);
        } catch (AEADBadTagException e) {
            return -1;
        } catch (GeneralSecurityException e) {
            return -1;
        }
    }
}
