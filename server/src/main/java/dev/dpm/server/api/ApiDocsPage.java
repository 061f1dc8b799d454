package dev.dpm.server.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /docs}: a readable HTML page of the contract, generated from {@code openapi.yaml}
 * itself (operations by path with their parameters, bodies and responses, then every schema), so it
 * says what the router enforces. No script, no external assets.
 */
final class ApiDocsPage {
  private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

  private ApiDocsPage() {}

  /**
   * @param contract the contract as written ({@link Contract#raw()})
   * @return the page
   */
  static String render(JsonObject contract) {
    JsonObject info = contract.getJsonObject("info", new JsonObject());
    StringBuilder h = new StringBuilder(32_768);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(info.getString("title", "API"))).append("</title><link rel=\"icon\" href=\"/favicon.ico\">")
        .append("<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}")
        .append("code,pre{font:12.5px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f6f6f6;padding:.6em}")
        .append(".op{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.2em 1em .8em}")
        .append(".m{display:inline-block;min-width:4.5em;font-weight:600;text-transform:uppercase}")
        .append(".get{color:#06c}.post{color:#080}.delete{color:#b00}")
        .append("table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ddd;padding:.2em .5em;")
        .append("text-align:left;vertical-align:top}th{background:#f3f3f3}</style></head><body>")
        .append("<p><a href=\"/\">← playground</a> · <a href=\"/openapi.yaml\">openapi.yaml</a></p>")
        .append("<h1>").append(esc(info.getString("title", "API"))).append(" <small>")
        .append(esc(info.getString("version", ""))).append("</small></h1>");
    if (info.getString("summary") != null) {
      h.append("<p>").append(esc(info.getString("summary"))).append("</p>");
    }
    if (info.getString("description") != null) {
      h.append("<pre>").append(esc(info.getString("description"))).append("</pre>");
    }
    JsonObject paths = contract.getJsonObject("paths", new JsonObject());
    h.append("<h2>Operations</h2><ul>");
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      for (String m : METHODS) {
        if (item.getJsonObject(m) != null) {
          h.append("<li><a href=\"#").append(esc(item.getJsonObject(m).getString("operationId", m + p))).append("\">")
              .append("<span class=\"m ").append(m).append("\">").append(m).append("</span><code>")
              .append(esc(p)).append("</code></a> ").append(esc(item.getJsonObject(m).getString("summary", "")))
              .append("</li>");
        }
      }
    }
    h.append("</ul>");
    for (String p : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(p);
      JsonArray shared = item.getJsonArray("parameters", new JsonArray());
      for (String m : METHODS) {
        JsonObject op = item.getJsonObject(m);
        if (op != null) {
          operation(h, contract, p, m, op, shared);
        }
      }
    }
    JsonObject schemas = contract.getJsonObject("components", new JsonObject())
        .getJsonObject("schemas", new JsonObject());
    h.append("<h2>Schemas</h2>");
    for (String name : schemas.fieldNames()) {
      schema(h, name, schemas.getJsonObject(name));
    }
    return h.append("</body></html>").toString();
  }

  private static void operation(StringBuilder h, JsonObject c, String path, String method, JsonObject op,
      JsonArray shared) {
    h.append("<div class=\"op\" id=\"").append(esc(op.getString("operationId", method + path))).append("\"><h3>")
        .append("<span class=\"m ").append(method).append("\">").append(method).append("</span><code>")
        .append(esc(path)).append("</code></h3><p>").append(esc(op.getString("summary", ""))).append("</p>");
    if (op.getString("description") != null) {
      h.append("<pre>").append(esc(op.getString("description"))).append("</pre>");
    }
    JsonArray params = shared.copy().addAll(op.getJsonArray("parameters", new JsonArray()));
    if (!params.isEmpty()) {
      h.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>");
      for (Object o : params) {
        JsonObject prm = resolve(c, (JsonObject) o);
        JsonObject s = prm.getJsonObject("schema", new JsonObject());
        h.append("<tr><td><code>").append(esc(prm.getString("name", "?"))).append("</code>")
            .append(prm.getBoolean("required", false) ? " *" : "").append("</td><td>")
            .append(esc(prm.getString("in", ""))).append("</td><td>").append(type(s)).append("</td><td>")
            .append(esc(prm.getString("description", s.getString("description", "")))).append("</td></tr>");
      }
      h.append("</table>");
    }
    JsonObject body = op.getJsonObject("requestBody");
    if (body != null) {
      h.append("<p><b>Body</b>");
      JsonObject content = body.getJsonObject("content", new JsonObject());
      for (String type : content.fieldNames()) {
        h.append(" <code>").append(esc(type)).append("</code>: ")
            .append(type(content.getJsonObject(type).getJsonObject("schema", new JsonObject())));
      }
      h.append("</p>");
    }
    JsonObject responses = op.getJsonObject("responses", new JsonObject());
    h.append("<table><tr><th>status</th><th>description</th><th>body</th></tr>");
    for (String code : responses.fieldNames()) {
      JsonObject r = resolve(c, responses.getJsonObject(code));
      StringBuilder b = new StringBuilder();
      JsonObject content = r.getJsonObject("content", new JsonObject());
      for (String type : content.fieldNames()) {
        b.append("<code>").append(esc(type)).append("</code> ")
            .append(type(content.getJsonObject(type).getJsonObject("schema", new JsonObject()))).append(' ');
      }
      h.append("<tr><td>").append(esc(code)).append("</td><td>").append(esc(r.getString("description", "")))
          .append("</td><td>").append(b).append("</td></tr>");
    }
    h.append("</table></div>");
  }

  private static void schema(StringBuilder h, String name, JsonObject s) {
    h.append("<h3 id=\"schema-").append(esc(name)).append("\">").append(esc(name)).append("</h3>");
    if (s.getString("description") != null) {
      h.append("<pre>").append(esc(s.getString("description"))).append("</pre>");
    }
    JsonObject props = s.getJsonObject("properties");
    if (props == null) {
      h.append("<p>").append(type(s)).append("</p>");
      return;
    }
    JsonArray required = s.getJsonArray("required", new JsonArray());
    h.append("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
    for (String f : props.fieldNames()) {
      Object v = props.getValue(f);
      JsonObject ps = v instanceof JsonObject o ? o : new JsonObject();
      h.append("<tr><td><code>").append(esc(f)).append("</code>").append(required.contains(f) ? " *" : "")
          .append("</td><td>").append(type(ps)).append("</td><td>").append(esc(ps.getString("description", "")))
          .append("</td></tr>");
    }
    h.append("</table>");
  }

  /** A short rendering of a schema's type: a link for a $ref, enums listed, ranges shown. */
  private static String type(JsonObject s) {
    if (s.getString("$ref") != null) {
      String n = s.getString("$ref").substring(s.getString("$ref").lastIndexOf('/') + 1);
      return "<a href=\"#schema-" + esc(n) + "\">" + esc(n) + "</a>";
    }
    for (String k : List.of("oneOf", "anyOf", "allOf")) {
      if (s.getJsonArray(k) != null) {
        StringBuilder b = new StringBuilder();
        for (Object o : s.getJsonArray(k)) {
          b.append(b.length() == 0 ? "" : " | ").append(o instanceof JsonObject j ? type(j) : "?");
        }
        return b.toString();
      }
    }
    Object t = s.getValue("type");
    StringBuilder b = new StringBuilder(esc(t instanceof JsonArray a ? String.join(" | ", a.stream().map(String::valueOf).toList())
        : t == null ? "any" : t.toString()));
    if ("array".equals(t) && s.getJsonObject("items") != null) {
      b.append(" of ").append(type(s.getJsonObject("items")));
    }
    if (s.getJsonArray("enum") != null) {
      b.append(": ").append(esc(String.join(", ", s.getJsonArray("enum").stream().map(String::valueOf).toList())));
    }
    if (s.getValue("minimum") != null || s.getValue("maximum") != null) {
      b.append(" [").append(s.getValue("minimum") == null ? "" : s.getValue("minimum")).append(", ")
          .append(s.getValue("maximum") == null ? "" : s.getValue("maximum")).append(']');
    }
    return b.toString();
  }

  private static JsonObject resolve(JsonObject c, JsonObject o) {
    String ref = o.getString("$ref");
    if (ref == null || !ref.startsWith("#/")) {
      return o;
    }
    Object cur = c;
    for (String part : ref.substring(2).split("/")) {
      cur = cur instanceof JsonObject j ? j.getValue(part) : null;
    }
    return cur instanceof JsonObject j ? j : o;
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
