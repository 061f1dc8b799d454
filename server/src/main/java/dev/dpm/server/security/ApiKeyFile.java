package dev.dpm.server.security;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The API key file: one JSON object per line, {@code {"id", "sha256", "tenant", "scope", "created"}}. Only the SHA-256
 * of a key is stored; the key itself ({@code dpm_<id>_<43 random base64url characters>}, 256 bits) is shown once, by
 * {@link #add}. Keys are random, so an unsalted fast hash is enough: there is no dictionary to try. The file is
 * rewritten atomically and made readable by its owner only.
 */
public final class ApiKeyFile {
  /** Tenant names: short, printable, safe in logs and ids. */
  public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,48}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

  /**
   * One stored key.
   *
   * @param id public id ({@code k_…}), named by {@code keys list} and {@code keys revoke}
   * @param sha256 hex SHA-256 of the whole key
   * @param tenant its tenant
   * @param scope its scope
   * @param created when it was made
   */
  public record Entry(String id, String sha256, String tenant, Scope scope, Instant created) {
    /** Validates the fields. */
    public Entry {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(created, "created");
      if (tenant == null || !TENANT.matcher(tenant).matches()) {
        throw new IllegalArgumentException("tenant must match " + TENANT.pattern() + ", got '" + tenant + "'");
      }
    }

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("sha256", sha256).put("tenant", tenant).put("scope", scope.wire())
          .put("created", created.toString());
    }

    static Entry of(JsonObject o) {
      return new Entry(o.getString("id"), o.getString("sha256"), o.getString("tenant"),
          Scope.parse(o.getString("scope")), Instant.parse(o.getString("created")));
    }
  }

  /**
   * A key just made.
   *
   * @param entry what is stored
   * @param key the key itself (never stored; print it once)
   */
  public record NewKey(Entry entry, String key) {}

  private ApiKeyFile() {}

  /**
   * @param file the key file
   * @return its keys (empty if the file does not exist)
   * @throws IOException if unreadable or malformed (naming the line)
   */
  public static List<Entry> load(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    int no = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      no++;
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(Entry.of(new JsonObject(line)));
      } catch (DecodeException | IllegalArgumentException | NullPointerException | ClassCastException
          | java.time.format.DateTimeParseException e) {
        throw new IOException("key file " + file.getFileName() + " line " + no + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * Makes a new key and appends its hash to the file (created if needed).
   *
   * @param file the key file
   * @param tenant its tenant
   * @param scope its scope
   * @return the stored entry and the key
   * @throws IOException if the file cannot be read or written
   */
  public static NewKey add(Path file, String tenant, Scope scope) throws IOException {
    List<Entry> keys = new ArrayList<>(load(file));
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = "dpm_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Entry e = new Entry("k_" + id, sha256(key), tenant, scope, Instant.now());
    keys.add(e);
    write(file, keys);
    return new NewKey(e, key);
  }

  /**
   * Removes a key.
   *
   * @param file the key file
   * @param id the key's id ({@code k_…})
   * @return whether it was there
   * @throws IOException if the file cannot be read or written
   */
  public static boolean revoke(Path file, String id) throws IOException {
    List<Entry> keys = new ArrayList<>(load(file));
    boolean removed = keys.removeIf(e -> e.id().equals(id));
    if (removed) {
      write(file, keys);
    }
    return removed;
  }

  private static void write(Path file, List<Entry> keys) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".keys", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: its own ACLs apply
      }
      StringBuilder sb = new StringBuilder();
      for (Entry e : keys) {
        sb.append(e.toJson().encode()).append('\n');
      }
      Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * @param key a key
   * @return its hex SHA-256
   */
  public static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
