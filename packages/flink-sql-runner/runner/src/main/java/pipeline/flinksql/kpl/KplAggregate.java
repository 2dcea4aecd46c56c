package pipeline.flinksql.kpl;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * KPL aggregated records: {@code F3 89 9A C2} + protobuf {@code AggregatedRecord} + MD5 of the protobuf bytes.
 *
 * <pre>
 * message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                            repeated Record records = 3; }
 * message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                  required bytes data = 3; repeated Tag tags = 4; }
 * </pre>
 *
 * Like the KCL, a record without the magic, too short, or whose MD5 does not match is not an aggregate and passes
 * through whole. A record whose magic and MD5 match but whose protobuf is malformed is corrupt: {@link IOException}.
 */
public final class KplAggregate {
  private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
  private static final int DIGEST_LENGTH = 16;

  private KplAggregate() {}

  /** Whether {@code data} is a KPL aggregate (magic, room for a digest, and a matching MD5). */
  public static boolean isAggregated(byte[] data) {
    if (data == null || data.length < MAGIC.length + DIGEST_LENGTH) return false;
    for (int i = 0; i < MAGIC.length; i++) if (data[i] != MAGIC[i]) return false;
    byte[] digest = md5(data, MAGIC.length, data.length - DIGEST_LENGTH - MAGIC.length);
    return Arrays.equals(digest, 0, DIGEST_LENGTH, data, data.length - DIGEST_LENGTH, data.length);
  }

  /**
   * The user records' payloads: those of the aggregate in order, or {@code data} itself when it is not an aggregate.
   */
  public static List<byte[]> userRecords(byte[] data) throws IOException {
    if (!isAggregated(data)) return Collections.singletonList(data);
    int end = data.length - DIGEST_LENGTH;
    List<byte[]> records = new ArrayList<>();
    Reader top = new Reader(data, MAGIC.length, end);
    while (top.hasMore()) {
      long key = top.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 3 && wire == 2) {
        int length = top.length();
        records.add(recordData(new Reader(data, top.pos, top.pos + length)));
        top.pos += length;
      } else {
        top.skip(wire);
      }
    }
    return records;
  }

  private static byte[] recordData(Reader record) throws IOException {
    byte[] payload = null;
    while (record.hasMore()) {
      long key = record.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 3 && wire == 2) {
        int length = record.length();
        payload = Arrays.copyOfRange(record.buf, record.pos, record.pos + length);
        record.pos += length;
      } else {
        record.skip(wire);
      }
    }
    if (payload == null) throw new IOException("KPL aggregate: a record has no data field");
    return payload;
  }

  private static byte[] md5(byte[] data, int offset, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("MD5");
      md.update(data, offset, length);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }

  /** Protobuf wire-format reader over {@code buf[pos, end)}. */
  private static final class Reader {
    final byte[] buf;
    int pos;
    final int end;

    Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean hasMore() {
      return pos < end;
    }

    long varint() throws IOException {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) throw new IOException("KPL aggregate: truncated varint");
        byte b = buf[pos++];
        result |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) return result;
      }
      throw new IOException("KPL aggregate: varint too long");
    }

    int length() throws IOException {
      long length = varint();
      if (length < 0 || length > end - pos) throw new IOException("KPL aggregate: field length out of bounds");
      return (int) length;
    }

    void skip(int wire) throws IOException {
      switch (wire) {
        case 0:
          varint();
          return;
        case 1:
          advance(8);
          return;
        case 2:
          advance(length());
          return;
        case 5:
          advance(4);
          return;
        default:
          throw new IOException("KPL aggregate: unsupported wire type " + wire);
      }
    }

    private void advance(int count) throws IOException {
      if (count > end - pos) throw new IOException("KPL aggregate: truncated field");
      pos += count;
    }
  }
}
