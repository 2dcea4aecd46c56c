package pipeline.flinksql.kpl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

class KplAggregateTest {
  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void bytesField(ByteArrayOutputStream out, int field, byte[] value) {
    varint(out, (field << 3) | 2);
    varint(out, value.length);
    out.write(value, 0, value.length);
  }

  /** Same layout as the KPL / @pipeline/kpl-aggregation encoder. */
  static byte[] aggregate(String... payloads) throws Exception {
    ByteArrayOutputStream pb = new ByteArrayOutputStream();
    bytesField(pb, 1, "pk".getBytes(StandardCharsets.UTF_8));
    for (String payload : payloads) {
      ByteArrayOutputStream record = new ByteArrayOutputStream();
      varint(record, 1 << 3);
      varint(record, 0);
      bytesField(record, 3, payload.getBytes(StandardCharsets.UTF_8));
      bytesField(record, 4, new byte[] {0x0A, 0x01, 'k'}); // a tag, skipped
      bytesField(pb, 3, record.toByteArray());
    }
    byte[] body = pb.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
    out.write(body);
    out.write(MessageDigest.getInstance("MD5").digest(body));
    return out.toByteArray();
  }

  @Test
  void unpacksAnAggregate() throws Exception {
    byte[] data = aggregate("{\"a\":1}", "{\"a\":2}", "");
    assertTrue(KplAggregate.isAggregated(data));
    List<byte[]> records = KplAggregate.userRecords(data);
    assertEquals(3, records.size());
    assertEquals("{\"a\":1}", new String(records.get(0), StandardCharsets.UTF_8));
    assertEquals("{\"a\":2}", new String(records.get(1), StandardCharsets.UTF_8));
    assertEquals(0, records.get(2).length);
  }

  @Test
  void passesPlainRecordsThrough() throws Exception {
    byte[] plain = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    assertFalse(KplAggregate.isAggregated(plain));
    assertArrayEquals(plain, KplAggregate.userRecords(plain).get(0));
    byte[] corruptDigest = aggregate("{\"a\":1}");
    corruptDigest[corruptDigest.length - 1] ^= 1;
    assertFalse(KplAggregate.isAggregated(corruptDigest));
    assertEquals(1, KplAggregate.userRecords(corruptDigest).size());
    assertArrayEquals(corruptDigest, KplAggregate.userRecords(corruptDigest).get(0));
    assertEquals(0, KplAggregate.userRecords(new byte[0]).get(0).length);
  }

  @Test
  void rejectsAMalformedAggregateWithAValidDigest() throws Exception {
    byte[] body = {0x1A, 0x05, 0x1A}; // records field claims 5 bytes, 1 present
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
    out.write(body);
    out.write(MessageDigest.getInstance("MD5").digest(body));
    assertThrows(IOException.class, () -> KplAggregate.userRecords(out.toByteArray()));
  }
}
