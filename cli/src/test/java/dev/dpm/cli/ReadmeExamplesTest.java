package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.DpmServer;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every {@code ./dpm} example of the README, so the README cannot drift: each one must parse (its
 * subcommand and flags exist, values have the right type), and each one that finishes in seconds is run, in
 * README order, in one fresh folder (an example may use a file an earlier one made), with the remote
 * commands against a server started here. What the README shows after a command is checked: a
 * {@code # {…}} line's keys must all be in the printed JSON and its complete values (not those cut with
 * {@code …}, not timings) must match within 1e-4 relative; a {@code # dpm …: message (exit code N)} line must
 * be what stderr says, with that exit code.
 */
class ReadmeExamplesTest {
  /** Examples that are parsed but not run, by command prefix, with the reason. */
  static final Map<String, String> NOT_RUN = new LinkedHashMap<>();

  static {
    NOT_RUN.put("./dpm serve", "runs until stopped (the server is tested on its own; here one is started in-process)");
    NOT_RUN.put("./dpm bench", "minutes of measurements; their results are BENCHMARKS.md");
    NOT_RUN.put("./dpm calibrate --model fashion-mnist-uncond", "M·N = 10⁶ network evaluations (30 min on a CPU)");
    NOT_RUN.put("./dpm nll --model fashion-mnist-uncond", "needs Debian's dataset-fashion-mnist; minutes on a CPU");
    NOT_RUN.put("./dpm store start", "runs PostgreSQL until stopped (PgJobStoreTest and ClusterTest start one)");
    NOT_RUN.put("./dpm keys revoke", "names a key id the README cannot know (k_…); KeysCommandTest revokes one");
  }

  /** Output keys whose values are timings. */
  static final List<String> VOLATILE = List.of("seconds", "loadSeconds", "samplesPerSecond", "evaluationsPerSecond",
      "decodeSeconds", "ms", "id", "createdAt", "startedAt", "finishedAt");
  /** The placeholder job id the README's remote examples use. */
  static final String JOB_PLACEHOLDER = "j_01hzyq8k3c2t";
  static final List<String> PATH_OPTIONS = List.of("--out", "--data", "--latents", "--keys-file");

  @TempDir Path work;

  /**
   * One example.
   *
   * @param line its line in the README (1-based)
   * @param command the command, continuation lines joined, trailing comment removed
   * @param expected the comment lines right after it, without their {@code #}
   */
  record Example(int line, String command, List<String> expected) {}

  static List<Example> examples() throws IOException {
    List<String> lines = Files.readAllLines(Cli.root().resolve("README.md"));
    List<Example> out = new ArrayList<>();
    boolean inBlock = false;
    boolean shell = false;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith("```")) {
        inBlock = !inBlock;
        shell = inBlock && (l.equals("```") || l.equals("```sh") || l.equals("```bash"));
        continue;
      }
      if (!inBlock || !shell || !l.startsWith("./dpm ")) {
        continue;
      }
      int start = i;
      StringBuilder cmd = new StringBuilder();
      String cur = l;
      while (cur.stripTrailing().endsWith("\\")) {
        cmd.append(cur.stripTrailing(), 0, cur.stripTrailing().length() - 1).append(' ');
        cur = lines.get(++i);
      }
      cmd.append(cur);
      List<String> expected = new ArrayList<>();
      while (i + 1 < lines.size() && lines.get(i + 1).startsWith("#")) {
        expected.add(lines.get(++i).substring(1).strip());
      }
      out.add(new Example(start + 1, stripComment(cmd.toString()).strip(), expected));
    }
    return out;
  }

  /** Removes a trailing {@code # comment} (outside quotes). */
  static String stripComment(String s) {
    boolean sq = false;
    boolean dq = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' && !dq) {
        sq = !sq;
      } else if (c == '"' && !sq) {
        dq = !dq;
      } else if (c == '#' && !sq && !dq && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))) {
        return s.substring(0, i);
      }
    }
    return s;
  }

  /** Splits like a shell: whitespace separates, quotes group. */
  static List<String> words(String s) {
    List<String> w = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean any = false;
    char q = 0;
    for (char c : s.toCharArray()) {
      if (q != 0) {
        if (c == q) {
          q = 0;
        } else {
          cur.append(c);
        }
      } else if (c == '\'' || c == '"') {
        q = c;
        any = true;
      } else if (Character.isWhitespace(c)) {
        if (any || cur.length() > 0) {
          w.add(cur.toString());
          cur.setLength(0);
          any = false;
        }
      } else {
        cur.append(c);
      }
    }
    if (any || cur.length() > 0) {
      w.add(cur.toString());
    }
    return w;
  }

  static String notRun(Example e) {
    for (Map.Entry<String, String> n : NOT_RUN.entrySet()) {
      if (e.command().startsWith(n.getKey())) {
        return n.getValue();
      }
    }
    return null;
  }

  @Test
  void everyExampleParses() throws Exception {
    List<Example> all = examples();
    assertTrue(all.size() >= 25, "found " + all.size() + " examples");
    for (Example e : all) {
      List<String> args = words(e.command());
      assertEquals("./dpm", args.get(0));
      CommandLine cl = Dpm.commandLine(new java.io.PrintWriter(java.io.Writer.nullWriter()),
          new java.io.PrintWriter(java.io.Writer.nullWriter()));
      try {
        cl.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
      } catch (CommandLine.ParameterException ex) {
        fail("README line " + e.line() + ": " + e.command() + "\n  does not parse: " + ex.getMessage());
      }
    }
  }

  @Test
  void everyQuickExampleRunsAndPrintsWhatTheReadmeShows() throws Exception {
    Path data = work.resolve("server-data");
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(data).modelsDir(Cli.models())
        .models(List.of("gmm-ring-2d", "gaussian")).device("cpu").shutdownGraceSeconds(0).build();
    String lastJob = null;
    int ran = 0;
    StringBuilder report = new StringBuilder();
    try (DpmServer server = DpmServer.start(cfg, new DefaultModelSource(), Samplers::create)) {
      assertTrue(server.awaitReady(30_000));
      String base = "http://127.0.0.1:" + server.port();
      for (Example e : examples()) {
        if (notRun(e) != null) {
          continue;
        }
        List<String> args = new ArrayList<>(words(e.command()).subList(1, words(e.command()).size()));
        for (int i = 0; i < args.size(); i++) {
          if (PATH_OPTIONS.contains(args.get(i)) && i + 1 < args.size() && !Path.of(args.get(i + 1)).isAbsolute()) {
            args.set(i + 1, work.resolve(args.get(i + 1)).toString());
          }
          if (args.get(i).equals(JOB_PLACEHOLDER)) {
            args.set(i, lastJob);
          }
        }
        String sub = args.get(0);
        if (List.of("submit", "watch", "fetch").contains(sub)) {
          args.add("--server");
          args.add(base);
          if (sub.equals("watch")) {
            args.add("--no-progress");
          }
        }
        long t0 = System.nanoTime();
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        System.out.printf("README line %d (%.1f s): %s%n", e.line(), (System.nanoTime() - t0) / 1e9, e.command());
        ran++;
        String where = "README line " + e.line() + ": " + e.command() + "\n" + r;
        if (sub.equals("submit") && r.code() == 0) {
          lastJob = new ObjectMapper().readTree(r.out()).get("id").asText();
        }
        check(e, r, where, report);
      }
    }
    assertTrue(ran >= 18, "ran " + ran);
    if (report.length() > 0) {
      fail(report.toString());
    }
  }

  static final Pattern ERROR = Pattern.compile("^(dpm [a-z ]+: .*?)\\s*(?:\\(exit code (\\d+)\\))?$");
  static final Pattern PAIR = Pattern.compile(
      "\"([A-Za-z0-9_-]+)\":\\s*(-?[0-9][0-9.eE+-]*|\"[^\"…]*\"|true|false|null)(?=\\s*[,}\\]]|$)");
  static final Pattern KEY = Pattern.compile("\"([A-Za-z0-9_-]+)\":");

  static void check(Example e, Cli.Result r, String where, StringBuilder report) throws IOException {
    String text = String.join(" ", e.expected());
    Matcher err = ERROR.matcher(text);
    if (text.startsWith("dpm ") && err.matches()) {
      int code = err.group(2) == null ? -1 : Integer.parseInt(err.group(2));
      if (code >= 0 ? r.code() != code : r.code() == 0) {
        report.append("expected exit code ").append(code).append(", ").append(where).append('\n');
      }
      if (!r.err().strip().equals(err.group(1).strip())) {
        report.append("expected stderr '").append(err.group(1).strip()).append("', ").append(where).append('\n');
      }
      return;
    }
    if (r.code() != 0) {
      report.append("failed: ").append(where).append('\n');
      return;
    }
    if (!text.startsWith("{")) {
      return; // prose
    }
    JsonNode out = new ObjectMapper().readTree(r.out());
    Matcher k = KEY.matcher(text);
    while (k.find()) {
      if (out.findValues(k.group(1)).isEmpty()) {
        report.append("output lacks \"").append(k.group(1)).append("\": ").append(where).append('\n');
      }
    }
    Matcher p = PAIR.matcher(text);
    while (p.find()) {
      String key = p.group(1);
      if (VOLATILE.contains(key)) {
        continue;
      }
      JsonNode want = new ObjectMapper().readTree(p.group(2));
      boolean found = false;
      for (JsonNode got : out.findValues(key)) {
        found |= same(want, got);
      }
      if (!found) {
        report.append("\"").append(key).append("\": README shows ").append(want).append(", got ")
            .append(out.findValues(key)).append(": ").append(where).append('\n');
      }
    }
  }

  static boolean same(JsonNode want, JsonNode got) {
    if (want.isNumber() && got.isNumber()) {
      double a = want.asDouble();
      double b = got.asDouble();
      return Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(a), 1e-12) || a == b;
    }
    return want.equals(got);
  }

  @Test
  void theNotRunListNamesOnlyExamplesThatExist() throws Exception {
    List<Example> all = examples();
    for (String prefix : NOT_RUN.keySet()) {
      assertFalse(all.stream().noneMatch(e -> e.command().startsWith(prefix)), "no README example starts with " + prefix);
    }
  }
}
