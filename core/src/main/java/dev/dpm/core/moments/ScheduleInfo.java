package dev.dpm.core.moments;

import dev.dpm.core.schedule.NoiseSchedule;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which schedule a Γ vector belongs to: a name for people plus a fingerprint of β₁..β_N, so a
 * Γ file is never applied to a different schedule by mistake.
 *
 * @param type schedule family as the manifest names it (e.g. {@code linear}); free text
 * @param steps N
 * @param beta1 β₁
 * @param betaN β_N
 * @param betasSha256 hex SHA-256 of β₁..β_N as big-endian IEEE doubles (null when unknown)
 */
public record ScheduleInfo(String type, int steps, double beta1, double betaN, String betasSha256) {

  /**
   * The fingerprint of a schedule.
   *
   * @param type family name to record
   * @param sched the schedule
   * @return its info
   */
  public static ScheduleInfo of(String type, NoiseSchedule sched) {
    int n = sched.steps();
    return new ScheduleInfo(type, n, sched.beta(1), sched.beta(n), fingerprint(sched));
  }

  /**
   * @param sched a schedule
   * @return hex SHA-256 of its β₁..β_N as big-endian doubles
   */
  public static String fingerprint(NoiseSchedule sched) {
    ByteBuffer bb = ByteBuffer.allocate(8 * sched.steps());
    for (int i = 1; i <= sched.steps(); i++) {
      bb.putDouble(sched.beta(i));
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bb.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param sched a schedule
   * @return true when N agrees and, if a fingerprint is recorded, the fingerprint agrees
   */
  public boolean matches(NoiseSchedule sched) {
    return steps == sched.steps() && (betasSha256 == null || betasSha256.equals(fingerprint(sched)));
  }
}
