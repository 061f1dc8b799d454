package dev.dpm.server.api;

import dev.dpm.server.models.ModelRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The routes for people with a browser: the sampler description ({@code GET /v1/samplers}), the
 * contract ({@code /openapi.yaml}), its readable page ({@code /docs}), the favicon and the page's
 * static files ({@code /web/{file}}, bundled under {@code web/} on the classpath).
 */
final class WebRoutes {
  private final Vertx vertx;
  private final SamplerCatalogRoutes catalog;
  private volatile Buffer contractText;
  private volatile String docs;

  /**
   * @param vertx Vert.x (blocking work, files)
   * @param models the served models
   */
  WebRoutes(Vertx vertx, ModelRegistry models) {
    this.vertx = vertx;
    this.catalog = new SamplerCatalogRoutes(models);
  }

  /** {@code GET /v1/samplers[?model=]}. */
  void listSamplers(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter m = req.getQuery().get("model");
    String model = m == null || m.isNull() ? null : m.getString();
    vertx.executeBlocking(() -> catalog.describe(model), false).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else {
        ctx.response().putHeader("Content-Type", "application/json").end(ar.result().encode());
      }
    });
  }

  /** {@code GET /openapi.yaml}: the contract exactly as bundled. */
  void openApi(RoutingContext ctx) {
    if (contractText == null) {
      contractText = Buffer.buffer(resource(Contract.RESOURCE));
    }
    ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(contractText);
  }

  /** {@code GET /docs}: the contract as a page. */
  void apiDocs(RoutingContext ctx) {
    if (docs == null) {
      docs = ApiDocsPage.render(Contract.raw());
    }
    ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(docs);
  }

  /** {@code GET /favicon.ico}. */
  void favicon(RoutingContext ctx) {
    send(ctx, "web/favicon.ico", "image/x-icon");
  }

  /** {@code GET /web/{file}} (the contract restricts the name to {@code [a-z0-9-]+.(js|css|svg)}). */
  void webAsset(RoutingContext ctx) {
    ValidatedRequest req = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String file = req.getPathParameters().get("file").getString();
    String type = file.endsWith(".js") ? "text/javascript; charset=utf-8"
        : file.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
    send(ctx, "web/" + file, type);
  }

  private void send(RoutingContext ctx, String resource, String type) {
    vertx.fileSystem().readFile(resource).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(new ProblemException(404, "not-found", "Not found", resource + " is not bundled", List.of(), Map.of()));
      } else {
        ctx.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-cache").end(ar.result());
      }
    });
  }

  private static byte[] resource(String name) {
    try (InputStream in = WebRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
