package dev.dpm.server.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dpm.core.catalog.Samplers;
import dev.dpm.server.DpmServer;
import dev.dpm.server.SlowPredictor;
import dev.dpm.server.Toys;
import dev.dpm.server.config.ServerConfig;
import dev.dpm.server.models.DefaultModelSource;
import dev.dpm.server.models.ModelRegistry;
import dev.dpm.server.models.ServedModel;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The playground in a real browser: headless Chromium driven by chromedriver (Debian's {@code chromium}
 * and {@code chromium-driver}; the test is skipped when they are absent). The server runs the core's
 * samplers on the bundled fashion-mnist-uncond (the unconditional U-Net) and gmm-ring-2d models and on a
 * 2-D toy whose network sleeps per evaluation, so progress can be watched and a job canceled. Screenshots go to
 * {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundBrowserTest {
  static final String CHROMIUM = System.getProperty("dpm.chromium", "/usr/bin/chromium");
  static final String DRIVER = System.getProperty("dpm.chromedriver", "/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target", "screenshots");

  @TempDir static Path tmp;
  static DpmServer server;
  static WebDriver driver;
  static String base;
  static final SlowPredictor SLOW = new SlowPredictor();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(new File(CHROMIUM).canExecute() && new File(DRIVER).canExecute(),
        "no chromium + chromedriver (apt-get install chromium chromium-driver)");
    Path models = Path.of(System.getProperty("dpm.root", "..")).resolve("models");
    ModelRegistry bundled = ModelRegistry.load(models, List.of("fashion-mnist-uncond", "gmm-ring-2d"), "cpu",
        new DefaultModelSource());
    List<ServedModel> all = new ArrayList<>(bundled.all());
    all.add(Toys.model("slow-2d", SLOW, tmp));
    ServerConfig cfg = ServerConfig.builder().port(0).host("127.0.0.1").dataDir(tmp.resolve("data"))
        .device("cpu").progressIntervalMs(0).previewIntervalMs(0).shutdownGraceSeconds(0).build();
    server = DpmServer.start(cfg, new ModelRegistry(all), Samplers::create);
    assertTrue(server.awaitReady(60_000));
    base = "http://127.0.0.1:" + server.port();
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM);
    o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1500", "--force-device-scale-factor=1");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
        .usingAnyFreePort().build();
    driver = new ChromeDriver(service, o);
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void open() {
    SLOW.sleepMicros = 0;
    driver.get(base + "/");
    waitFor(d -> "slow-2d".equals(js("return state.models.length ? 'slow-2d' : null")) ? true : null, 20);
  }

  @Test
  @Order(1)
  void formFollowsTheCatalogAndABadValueIsShownInline() throws Exception {
    choose("model", "slow-2d");
    choose("sampler", "ode-rk45");
    assertFalse(el("p-steps").isEnabled(), "ode-rk45 chooses its own steps");
    assertTrue(el("p-rtol").isEnabled());
    assertEquals("default 0.00001", el("p-rtol").getAttribute("placeholder"));
    choose("sampler", "ddpm");
    assertFalse(el("p-eta").isEnabled(), "eta does not apply to ddpm");
    assertTrue(el("p-variance").isEnabled());
    choose("sampler", "ddim");
    assertTrue(el("p-eta").isEnabled());
    el("p-eta").sendKeys("-1");
    el("submit").click();
    WebElement err = waitFor(d -> {
      WebElement e = d.findElement(By.cssSelector(".err[data-for='sampler.eta']"));
      return e.getText().isBlank() ? null : e;
    }, 10);
    assertTrue(err.getText().contains("0"), err.getText());
    assertTrue(el("p-eta").getAttribute("class").contains("bad"));
    assertTrue(el("current").getAttribute("hidden") != null, "no job was made");
    shot("bad-value");
  }

  @Test
  @Order(2)
  void submitShowsLiveProgressAndPreviewsThenTheResult() throws Exception {
    SLOW.sleepMicros = 15_000;
    choose("model", "slow-2d");
    choose("sampler", "ddim");
    setValue("p-steps", "150");
    setValue("n", "64");
    setValue("previewEvery", "10");
    el("submit").click();
    waitFor(d -> el("progressText").getText().contains("evaluations/s") ? true : null, 30);
    String text = el("progressText").getText();
    assertTrue(text.matches(".*step \\d+ of 150.*") && text.contains("left"), text);
    waitFor(d -> String.valueOf(el("view").getAttribute("src")).startsWith("data:image/png") ? true : null, 30);
    assertTrue(el("viewCaption").getText().contains("preview"), el("viewCaption").getText());
    shot("progress");
    SLOW.sleepMicros = 0;
    waitFor(d -> el("curStatus").getText().startsWith("succeeded") ? true : null, 60);
    String src = el("view").getAttribute("src");
    assertTrue(src.contains("/result?format=png"), "the result replaced the preview: " + src);
    assertTrue(el("viewCaption").getText().startsWith("result"));
    assertTrue(el("dl-npy").getAttribute("href").endsWith("format=npy"));
    assertTrue(el("dl-png").getAttribute("href").endsWith("format=png"));
    waitFor(d -> el("sampleInfo").getText().contains("("), 10); // one sample's coordinates from the npy
    assertTrue(loaded("view"), "the result PNG decodes");
    String id = el("curId").getText();
    waitFor(d -> d.findElements(By.cssSelector("#jobs tr[data-id='" + id + "']")).stream()
        .filter(r -> r.getText().contains("succeeded")).findFirst().orElse(null), 10);
    js("document.querySelector(\"#jobs tr[data-id='" + id + "'] button[data-act='again']\").click()");
    waitFor(d -> "150".equals(el("p-steps").getAttribute("value")) ? true : null, 10);
    // read through the page: "run again" re-renders the form, so a held element can go stale
    waitFor(d -> "ddim".equals(js("return document.getElementById('sampler').value")) ? true : null, 10);
    assertEquals("0", js("return document.getElementById('p-eta').value"), "run again fills the filled-in defaults");
  }

  @Test
  @Order(3)
  void aRunningJobIsCanceled() throws Exception {
    SLOW.sleepMicros = 20_000;
    choose("model", "slow-2d");
    choose("sampler", "ddpm");
    setValue("p-steps", "1000");
    setValue("n", "4");
    el("submit").click();
    waitFor(d -> el("curStatus").getText().startsWith("running") ? true : null, 30);
    el("cancel").click();
    waitFor(d -> el("curStatus").getText().startsWith("canceled") ? true : null, 30);
    String id = el("curId").getText();
    waitFor(d -> d.findElements(By.cssSelector("#jobs tr[data-id='" + id + "']")).stream()
        .filter(r -> r.getText().contains("canceled")).findFirst().orElse(null), 10);
    shot("canceled");
  }

  @Test
  @Order(4)
  void aFashionMnistJobShowsItsGridAndEachSample() throws Exception {
    choose("model", "fashion-mnist-uncond");
    choose("sampler", "analytic-ddim");
    setValue("p-steps", "10");
    setValue("n", "16");
    setValue("seed", "3");
    setValue("previewEvery", "2");
    el("submit").click();
    waitFor(d -> el("curStatus").getText().startsWith("succeeded") ? true : null, 240);
    assertTrue(el("view").getAttribute("src").contains("/result?format=png"));
    waitFor(d -> loaded("view") ? true : null, 10);
    setValue("sampleIndex", "5");
    waitFor(d -> String.valueOf(el("sampleImg").getAttribute("src")).endsWith("index=5") && loaded("sampleImg") ? true : null, 10);
    shot("fashion-mnist-uncond-job");
  }

  @Test
  @Order(5)
  void theCompareViewRunsOneJobPerCell() throws Exception {
    driver.get(base + "/#compare");
    waitFor(d -> js("return state.cmpCatalog ? true : null"), 20);
    new Select(el("cmpModel")).selectByValue("fashion-mnist-uncond");
    waitFor(d -> "fashion-mnist-uncond".equals(js("return state.cmpCatalog.model"))
        && el("cmpSamplers").findElements(By.cssSelector("input:checked")).size() == 4 ? true : null, 20);
    setValue("cmpSteps", "5, 10, 25");
    setValue("cmpSeed", "1");
    setValue("cmpN", "16");
    el("cmpRun").click();
    waitFor(d -> d.findElements(By.cssSelector("#cmpGrid td.done img")).size() == 12 ? true : null, 300);
    for (WebElement img : driver.findElements(By.cssSelector("#cmpGrid td img"))) {
      assertTrue((Boolean) ((JavascriptExecutor) driver).executeScript("return arguments[0].naturalWidth > 0", img));
    }
    assertEquals(4, driver.findElements(By.cssSelector("#cmpGrid tr th:first-child")).size() - 1);
    shot("compare-grid");
  }

  // ------------------------------------------------------------------ helpers

  static WebElement el(String id) {
    return driver.findElement(By.id(id));
  }

  static Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  static boolean loaded(String id) {
    return (Boolean) ((JavascriptExecutor) driver).executeScript(
        "const i = document.getElementById(arguments[0]); return i.complete && i.naturalWidth > 0", id);
  }

  /** Picks an option and waits for what its change handler fetches (the catalog of a model). */
  static void choose(String selectId, String value) {
    new Select(el(selectId)).selectByValue(value);
    if (selectId.equals("model")) {
      waitFor(d -> value.equals(js("return state.catalog && state.catalog.model")) ? true : null, 20);
    }
  }

  static void setValue(String id, String v) {
    WebElement e = el(id);
    e.clear();
    e.sendKeys(v);
  }

  static <T> T waitFor(Function<WebDriver, T> until, int seconds) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(50))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(until::apply);
  }

  static void shot(String name) throws Exception {
    File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Path to = SHOTS.resolve(name + ".png");
    Files.copy(f.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
  }
}
