import { findJdk as findJdkOfToolchain } from '@pipeline/java-toolchain';

/** A JDK found by {@link findJdk}. */
export interface JdkInfo {
  /** The JDK's home folder (use it as JAVA_HOME). */
  home: string;
  /** Absolute path of its `java` binary. */
  java: string;
  /** Full version, e.g. `17.0.15`. */
  version: string;
  /** Feature (major) version, e.g. 17. */
  major: number;
}

/**
 * Finds a JDK of the given feature version (default 17). An explicit `javaHome` must be that version (no silent
 * fallback); otherwise tries LOCAL_STACK_JAVA_HOME, JAVA_HOME, JAVA_HOME_17_X64 and the usual install folders
 * (/usr/lib/jvm/*17*, ...), skipping JDKs of other versions (a Temurin 25 on PATH is never picked).
 * (`@pipeline/java-toolchain` does the work; this keeps local-stack's declared types its own.)
 */
export function findJdk(options: { javaHome?: string | undefined; major?: number } = {}): JdkInfo {
  return findJdkOfToolchain(options);
}
