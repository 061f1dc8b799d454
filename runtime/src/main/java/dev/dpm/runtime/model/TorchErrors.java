package dev.dpm.runtime.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The part of a libtorch error message that says what went wrong. */
public final class TorchErrors {
  private TorchErrors() {}

  private static final Pattern ERROR_LINE =
      Pattern.compile("^\\s*([A-Za-z_][\\w.]*(Error|Exception)): .*");
  private static final Pattern FILE_LINE =
      Pattern.compile("^\\s*File \"([^\"]+)\", line (\\d+).*");

  /**
   * The line of a libtorch error that says what went wrong. A TorchScript interpreter failure reads
   * "The following operation failed in the TorchScript interpreter. Traceback … File "code/…", line 12
   * … RuntimeError: tensors used as indices must be long, …": the first sentence says nothing, so the
   * last {@code …Error: …} line is kept, with the TorchScript file and line above it. Messages without
   * such a line keep their first sentence. At most 500 characters.
   *
   * @param e the exception (its causes are searched too)
   * @return the message
   */
  public static String rootCause(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      String msg = c.getMessage();
      if (msg == null) {
        continue;
      }
      String[] lines = msg.split("\\R");
      for (int i = lines.length - 1; i >= 0; i--) {
        if (ERROR_LINE.matcher(lines[i]).matches()) {
          String where = null;
          for (int j = i - 1; j >= 0 && where == null; j--) {
            Matcher m = FILE_LINE.matcher(lines[j]);
            if (m.matches()) {
              where = m.group(1) + " line " + m.group(2);
            }
          }
          String r = lines[i].strip() + (where == null ? "" : " (at " + where + ")");
          return r.length() > 500 ? r.substring(0, 500) + "…" : r;
        }
      }
    }
    return firstSentence(e.getMessage());
  }

  /** libtorch messages can run to pages; keep their first sentence (at most 300 characters). */
  private static String firstSentence(String msg) {
    if (msg == null) {
      return "(no message)";
    }
    String m = msg.strip();
    int cut = m.indexOf(". ");
    if (cut > 0) {
      m = m.substring(0, cut + 1);
    }
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }

}
