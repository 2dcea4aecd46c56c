package pipeline.localstack.flinksmoke;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

/**
 * datagen -> print, unbounded. Usage: {@code SmokeJob [ROWS_PER_SECOND] [TAG]}; each printed row carries TAG, so a test
 * can see that its arguments arrived.
 */
public final class SmokeJob {
  private SmokeJob() {}

  public static void main(String[] args) throws Exception {
    long rowsPerSecond = args.length > 0 ? Long.parseLong(args[0]) : 5;
    String tag = args.length > 1 ? args[1] : "smoke";
    TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode().build());
    tEnv.getConfig().set("parallelism.default", "1");
    tEnv.getConfig().set("pipeline.name", "local-stack-smoke-job");
    tEnv.executeSql("CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '"
        + rowsPerSecond + "', 'fields.id.kind' = 'random', 'fields.id.min' = '1', 'fields.id.max' = '1000000')");
    tEnv.executeSql("CREATE TABLE smoke_out (tag STRING, id BIGINT) WITH ('connector' = 'print', 'print-identifier' = "
        + "'smoke-row')");
    System.err.println("[smoke-job] submitting with tag " + tag);
    tEnv.executeSql("INSERT INTO smoke_out SELECT '" + tag.replace("'", "''") + "', id FROM src").await();
  }
}
