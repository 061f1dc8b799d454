package dev.dpm.server.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code Authorization: Bearer KEY} against the key file. The file is re-read when it changes (looked at no
 * more than once a second), so {@code ./dpm keys add} and {@code revoke} take effect on a running server; a file
 * that became unreadable keeps the last good keys and logs a warning. Thread-safe.
 */
public final class ApiKeys {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
  private static final long RECHECK_MS = 1000;
  private final Path file;
  private volatile Map<String, ApiKeyFile.Entry> byHash;
  private volatile FileTime loaded;
  private volatile long checkedAt;

  private ApiKeys(Path file, Map<String, ApiKeyFile.Entry> byHash, FileTime loaded) {
    this.file = file;
    this.byHash = byHash;
    this.loaded = loaded;
    this.checkedAt = System.currentTimeMillis();
  }

  /**
   * @param file the key file (must exist: {@code ./dpm keys add} makes it)
   * @return the verifier
   * @throws IOException if the file is missing, unreadable or malformed
   */
  public static ApiKeys open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("API key file " + file + " does not exist (make one with: dpm keys add --keys-file "
          + file + " --tenant NAME)");
    }
    FileTime t = Files.getLastModifiedTime(file);
    return new ApiKeys(file, index(ApiKeyFile.load(file)), t);
  }

  private static Map<String, ApiKeyFile.Entry> index(Iterable<ApiKeyFile.Entry> entries) {
    Map<String, ApiKeyFile.Entry> m = new HashMap<>();
    for (ApiKeyFile.Entry e : entries) {
      m.put(e.sha256(), e);
    }
    return Map.copyOf(m);
  }

  /** @return the number of keys now accepted */
  public int size() {
    refresh();
    return byHash.size();
  }

  /**
   * @param authorization the {@code Authorization} header, or null
   * @return the caller, or why not
   */
  public Authentication authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return new Authentication.Missing();
    }
    String h = authorization.strip();
    int sp = h.indexOf(' ');
    if (sp < 0 || !h.substring(0, sp).toLowerCase(Locale.ROOT).equals("bearer")) {
      return new Authentication.Invalid("use the Bearer scheme: Authorization: Bearer KEY");
    }
    return authenticateKey(h.substring(sp + 1).strip());
  }

  /**
   * @param key a bare key
   * @return the caller, or why not
   */
  public Authentication authenticateKey(String key) {
    if (key == null || key.isEmpty()) {
      return new Authentication.Missing();
    }
    refresh();
    ApiKeyFile.Entry e = byHash.get(ApiKeyFile.sha256(key));
    if (e == null) {
      return new Authentication.Invalid("unknown or revoked API key");
    }
    return new Authentication.Ok(new Principal(e.tenant(), e.scope(), e.id()));
  }

  private void refresh() {
    long now = System.currentTimeMillis();
    if (now - checkedAt < RECHECK_MS) {
      return;
    }
    synchronized (this) {
      if (now - checkedAt < RECHECK_MS) {
        return;
      }
      checkedAt = now;
      try {
        FileTime t = Files.getLastModifiedTime(file);
        if (!t.equals(loaded)) {
          byHash = index(ApiKeyFile.load(file));
          loaded = t;
          LOG.info("event=api-keys-reloaded keys={}", byHash.size());
        }
      } catch (IOException e) {
        LOG.warn("event=api-keys-reload-failed error=\"{}\" keeping={}", e.getMessage(), byHash.size());
      }
    }
  }
}
