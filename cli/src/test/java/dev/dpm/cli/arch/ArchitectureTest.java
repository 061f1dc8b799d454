package dev.dpm.cli.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of {@code docs/architecture.md}, checked on the main classes of all six modules (this module's
 * test class path holds every one of them): no package cycle anywhere, {@code core} on the JDK only, the service on
 * neither the CLI nor the benchmarks, the client SDK on nothing of ours.
 */
class ArchitectureTest {
  private static JavaClasses main;

  /** Main classes only: no test classes, no test-jars (the testkit). */
  static final class MainClassesOnly implements ImportOption {
    @Override
    public boolean includes(com.tngtech.archunit.core.importer.Location location) {
      return !location.contains("/test-classes/") && !location.contains("-tests.jar");
    }
  }

  @BeforeAll
  static void importClasses() {
    main = new ClassFileImporter().withImportOption(new MainClassesOnly()).importPackages("dev.dpm");
    assertTrue(main.containPackage("dev.dpm.core.sampler") && main.containPackage("dev.dpm.runtime.model")
        && main.containPackage("dev.dpm.server.api") && main.containPackage("dev.dpm.bench")
        && main.containPackage("dev.dpm.client") && main.containPackage("dev.dpm.cli"), "all modules imported");
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.dpm.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void coreDependsOnTheJdkOnly() {
    classes().that().resideInAPackage("dev.dpm.core..").should().onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "jdk.incubator.vector..", "dev.dpm.core..").check(main);
  }

  @Test
  void runtimeDependsOnCoreOnly() {
    noClasses().that().resideInAPackage("dev.dpm.runtime..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.dpm.server..", "dev.dpm.cli..", "dev.dpm.bench..", "dev.dpm.client..", "io.vertx..")
        .check(main);
  }

  @Test
  void serverDependsOnNeitherCliNorBenchNorClient() {
    noClasses().that().resideInAPackage("dev.dpm.server..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.dpm.cli..", "dev.dpm.bench..", "dev.dpm.client..", "picocli..", "me.tongfei..",
            "org.knowm..")
        .check(main);
  }

  @Test
  void benchDependsNotOnCli() {
    noClasses().that().resideInAPackage("dev.dpm.bench..").should().dependOnClassesThat()
        .resideInAnyPackage("dev.dpm.cli..", "picocli..").check(main);
  }

  @Test
  void clientDependsOnNothingOfOurs() {
    classes().that().resideInAPackage("dev.dpm.client..").should().onlyDependOnClassesThat()
        .resideInAnyPackage("java..", "javax..", "com.fasterxml.jackson..", "dev.dpm.client..").check(main);
  }

  @Test
  void noMainSourceFileOver600Lines() throws IOException {
    Path root = Path.of(System.getProperty("dpm.root", "..")).toAbsolutePath().normalize();
    List<String> big = new ArrayList<>();
    int files = 0;
    for (String module : List.of("core", "runtime", "client", "server", "bench", "cli")) {
      try (Stream<Path> s = Files.walk(root.resolve(module).resolve("src/main/java"))) {
        for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
          files++;
          long lines = Files.readAllLines(p).size();
          if (lines > 600) {
            big.add(root.relativize(p) + " (" + lines + " lines)");
          }
        }
      }
    }
    assertTrue(files > 100, "sources found under " + root);
    assertTrue(big.isEmpty(), "main source files over 600 lines: " + big);
  }
}
