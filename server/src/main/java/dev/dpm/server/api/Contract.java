package dev.dpm.server.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Loads {@code openapi.yaml} (bundled from the repository root) for Vert.x's OpenAPI router.
 * Vert.x 5.0 refuses response media types outside a fixed list ({@code application/problem+json},
 * {@code image/png}, {@code text/html}, the page's asset types), although it only validates requests at run time; so the
 * response media types are mapped to ones it accepts before the contract is handed over. Requests —
 * what is validated — are untouched.
 */
public final class Contract {
  /** Classpath resource name of the contract. */
  public static final String RESOURCE = "openapi.yaml";

  private Contract() {}

  /** @return the contract as JSON, exactly as written */
  public static JsonObject raw() {
    try (InputStream in = Contract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      Object y = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) y;
      return new JsonObject(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param vertx Vert.x
   * @return the contract, ready for {@code RouterBuilder}
   */
  public static Future<OpenAPIContract> load(Vertx vertx) {
    JsonObject c = raw().copy();
    c.remove("security"); // authentication is Access's (the router would want handlers of its own)
    JsonObject paths = c.getJsonObject("paths");
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      for (String method : item.fieldNames()) {
        Object op = item.getValue(method);
        if (op instanceof JsonObject o) {
          o.remove("security");
        }
        if (op instanceof JsonObject o && o.containsKey("responses")) {
          JsonObject responses = o.getJsonObject("responses");
          for (String code : responses.fieldNames()) {
            fixContent(responses.getJsonObject(code));
          }
        }
      }
    }
    JsonObject responses = c.getJsonObject("components").getJsonObject("responses");
    for (String name : responses.fieldNames()) {
      fixContent(responses.getJsonObject(name));
    }
    return OpenAPIContract.from(vertx, c);
  }

  private static void fixContent(JsonObject response) {
    JsonObject content = response == null ? null : response.getJsonObject("content");
    if (content == null) {
      return;
    }
    for (String type : List.copyOf(content.fieldNames())) {
      String to = switch (type) {
        case "application/problem+json" -> "application/json";
        case "image/png", "text/html", "image/x-icon", "application/yaml", "text/javascript", "text/css"
            -> "application/octet-stream";
        default -> null;
      };
      if (to != null) {
        Object v = content.remove(type);
        if (!content.containsKey(to)) {
          content.put(to, v);
        }
      }
    }
  }
}
