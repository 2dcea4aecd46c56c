package pipeline.flinksql.kpl;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.formats.json.JsonFormatFactory;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.util.Collector;

/**
 * Format {@code 'format' = 'kpl-json'}: unpacks KPL aggregated records and hands each user record to the {@code json}
 * format; any other record goes to the JSON format whole. Options are those of {@code json} with the {@code kpl-json.}
 * prefix, e.g. {@code 'kpl-json.timestamp-format.standard' = 'ISO-8601'}.
 *
 * <p>For sources that deliver records through {@link DeserializationSchema#deserialize(byte[], Collector)} (the
 * Kinesis 5.x source does). A source that calls only {@link DeserializationSchema#deserialize(byte[])} gets an error
 * for an aggregate of more than one record. The legacy Kinesis source (4.x {@code 'stream'} by name, or
 * {@code 'kinesis-legacy'}) unpacks aggregates itself and rejects Collector-based schemas, so for it this format is
 * exactly {@code json}.
 */
public final class KplJsonFormatFactory implements DeserializationFormatFactory {
  public static final String IDENTIFIER = "kpl-json";

  private final JsonFormatFactory json = new JsonFormatFactory();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return json.requiredOptions();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return json.optionalOptions();
  }

  @Override
  public Set<ConfigOption<?>> forwardOptions() {
    return json.forwardOptions();
  }

  @Override
  public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(
      DynamicTableFactory.Context context, ReadableConfig formatOptions) {
    DecodingFormat<DeserializationSchema<RowData>> inner = json.createDecodingFormat(context, formatOptions);
    // The legacy Kinesis source (FlinkKinesisConsumer, `'stream'` by name) unpacks KPL aggregates itself and refuses
    // a DeserializationSchema that overrides the Collector method ("Kinesis consumer does not support
    // DeserializationSchema that implements deserialization with a Collector"): give it the JSON format as it is.
    if (isLegacyKinesisSource(context.getCatalogTable().getOptions())) return inner;
    return new Decoding(inner);
  }

  static boolean isLegacyKinesisSource(Map<String, String> tableOptions) {
    String connector = tableOptions.get("connector");
    return ("kinesis".equals(connector) && tableOptions.containsKey("stream") && !tableOptions.containsKey("stream.arn"))
        || "kinesis-legacy".equals(connector);
  }

  private static final class Decoding implements DecodingFormat<DeserializationSchema<RowData>> {
    private final DecodingFormat<DeserializationSchema<RowData>> inner;

    Decoding(DecodingFormat<DeserializationSchema<RowData>> inner) {
      this.inner = inner;
    }

    @Override
    public DeserializationSchema<RowData> createRuntimeDecoder(
        DynamicTableSource.Context context, DataType physicalDataType) {
      return new KplDeserializationSchema(inner.createRuntimeDecoder(context, physicalDataType));
    }

    @Override
    public ChangelogMode getChangelogMode() {
      return inner.getChangelogMode();
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
      return inner.listReadableMetadata();
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys) {
      inner.applyReadableMetadata(metadataKeys);
    }
  }

  /** Unpacks aggregates, then delegates each payload to the wrapped (JSON) schema. */
  public static final class KplDeserializationSchema implements DeserializationSchema<RowData> {
    private static final long serialVersionUID = 1L;
    private final DeserializationSchema<RowData> inner;

    public KplDeserializationSchema(DeserializationSchema<RowData> inner) {
      this.inner = inner;
    }

    @Override
    public void open(InitializationContext context) throws Exception {
      inner.open(context);
    }

    @Override
    public RowData deserialize(byte[] message) throws IOException {
      List<byte[]> records = KplAggregate.userRecords(message);
      if (records.size() == 1) return inner.deserialize(records.get(0));
      if (records.isEmpty()) return null;
      throw new IOException("kpl-json: an aggregate of " + records.size() + " user records reached a source that "
          + "reads one row per record; use a source that passes a Collector (Kinesis connector 5.x)");
    }

    @Override
    public void deserialize(byte[] message, Collector<RowData> out) throws IOException {
      for (byte[] record : KplAggregate.userRecords(message)) inner.deserialize(record, out);
    }

    @Override
    public boolean isEndOfStream(RowData nextElement) {
      return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
      return inner.getProducedType();
    }
  }
}
