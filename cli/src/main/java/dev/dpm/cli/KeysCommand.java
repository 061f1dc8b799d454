package dev.dpm.cli;

import dev.dpm.server.security.ApiKeyFile;
import dev.dpm.server.security.Scope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./dpm keys add|list|revoke}: the API key file of {@code ./dpm serve --api-keys FILE}. Only hashes are
 * stored; {@code add} prints the new key once, alone on its last stdout line. A running server picks changes up
 * within a second.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "Manage API keys (hashes in a file; serve --api-keys FILE).",
    subcommands = {KeysCommand.Add.class, KeysCommand.List.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new UsageError("keys: name a subcommand (add, list, revoke)");
  }

  /** The key file option shared by the subcommands. */
  static final class FileOption {
    @Option(names = "--keys-file", paramLabel = "FILE", defaultValue = "${env:DPM_API_KEYS}",
        description = "the key file (default: $DPM_API_KEYS)")
    Path file;

    Path file() {
      if (file == null) {
        throw new UsageError("--keys-file: name the key file (or set DPM_API_KEYS)");
      }
      return file;
    }
  }

  /** {@code keys add}. */
  @Command(name = "add", mixinStandardHelpOptions = true, description = "Make a key; prints it once.")
  static final class Add implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    FileOption file = new FileOption();
    @Option(names = "--tenant", required = true, description = "the tenant whose jobs the key sees ([A-Za-z0-9._-]{1,48})")
    String tenant;
    @Option(names = "--scope", defaultValue = "sample", description = "sample (own jobs) or admin (also Γ installs, "
        + "models, /metrics); default sample")
    String scope;

    @Override
    public Integer call() throws IOException {
      Scope s;
      try {
        s = Scope.parse(scope);
      } catch (IllegalArgumentException e) {
        throw new UsageError("--scope: " + e.getMessage());
      }
      if (!ApiKeyFile.TENANT.matcher(tenant).matches()) {
        throw new UsageError("--tenant: must match " + ApiKeyFile.TENANT.pattern());
      }
      ApiKeyFile.NewKey k = ApiKeyFile.add(file.file(), tenant, s);
      PrintWriter out = spec.commandLine().getOut();
      out.println("key " + k.entry().id() + " for tenant " + tenant + " (scope " + s.wire() + "); shown only once, "
          + "send it as Authorization: Bearer KEY:");
      out.println(k.key());
      out.flush();
      return 0;
    }
  }

  /** {@code keys list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (ids, tenants, scopes, dates).")
  static final class List implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    FileOption file = new FileOption();

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      for (ApiKeyFile.Entry e : ApiKeyFile.load(file.file())) {
        out.println(e.id() + "\t" + e.tenant() + "\t" + e.scope().wire() + "\t" + e.created());
      }
      out.flush();
      return 0;
    }
  }

  /** {@code keys revoke}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by its id.")
  static final class Revoke implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    FileOption file = new FileOption();
    @Parameters(paramLabel = "ID", description = "the key's id (k_…, from keys list)")
    String id;

    @Override
    public Integer call() throws IOException {
      if (!ApiKeyFile.revoke(file.file(), id)) {
        throw new UsageError("keys revoke: no key " + id + " in " + file.file().getFileName());
      }
      spec.commandLine().getOut().println("revoked " + id);
      return 0;
    }
  }
}
