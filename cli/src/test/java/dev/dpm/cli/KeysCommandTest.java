package dev.dpm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dpm.server.Harness;
import dev.dpm.server.Toys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dpm keys add|list|revoke} and the CLI's {@code --api-key} end to end: a key made by the CLI lets
 * {@code submit} through a server started with that key file, no key or a revoked one does not.
 */
class KeysCommandTest {
  @TempDir Path tmp;

  @Test
  void keysMadeByTheCliWorkEndToEnd() throws Exception {
    Path file = tmp.resolve("keys.jsonl");
    Cli.Result add = Cli.run("keys", "add", "--keys-file", file.toString(), "--tenant", "acme");
    assertEquals(0, add.code(), add.toString());
    String[] lines = add.out().strip().split("\n");
    String key = lines[lines.length - 1].strip();
    assertTrue(key.startsWith("dpm_") && key.length() > 40, add.toString());
    assertFalse(Files.readString(file).contains(key), "only the hash is stored");
    Cli.Result admin = Cli.run("keys", "add", "--keys-file", file.toString(), "--tenant", "ops", "--scope", "admin");
    assertEquals(0, admin.code(), admin.toString());
    Cli.Result list = Cli.run("keys", "list", "--keys-file", file.toString());
    assertEquals(2, list.out().strip().split("\n").length, list.toString());
    assertTrue(list.out().contains("acme\tsample") && list.out().contains("ops\tadmin"), list.toString());
    assertNotEquals(0, Cli.run("keys", "add", "--keys-file", file.toString(), "--tenant", "a b").code());
    assertNotEquals(0, Cli.run("keys", "add", "--keys-file", file.toString(), "--tenant", "x", "--scope", "root").code());

    try (Harness h = new Harness(tmp.resolve("data"), List.of(Toys.model("toy", new Toys.ToyPredictor(2), tmp)),
        b -> b.apiKeys(file))) {
      Cli.Result ok = Cli.run("submit", "--server", h.base, "--api-key", key, "--model", "toy", "--sampler", "ddpm",
          "--steps", "5", "--n", "2", "--wait");
      assertEquals(0, ok.code(), ok.toString());
      Cli.Result none = Cli.run("submit", "--server", h.base, "--model", "toy", "--sampler", "ddpm", "--steps", "5");
      assertNotEquals(0, none.code(), none.toString());
      assertTrue(none.err().contains("401") || none.err().toLowerCase().contains("api key"), none.toString());
      String id = list.out().lines().filter(l -> l.contains("acme")).findFirst().orElseThrow().split("\t")[0];
      Cli.Result revoke = Cli.run("keys", "revoke", "--keys-file", file.toString(), id);
      assertEquals(0, revoke.code(), revoke.toString());
      Thread.sleep(1100); // the server looks at the file at most once a second
      Cli.Result after = Cli.run("submit", "--server", h.base, "--api-key", key, "--model", "toy", "--sampler", "ddpm",
          "--steps", "5");
      assertNotEquals(0, after.code(), "a revoked key is refused: " + after);
    }
  }
}
