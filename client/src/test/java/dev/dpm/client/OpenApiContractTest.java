package dev.dpm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the SDK's records and {@code openapi.yaml} from drifting apart: every property of every
 * schema the SDK mirrors has a JSON property of the right type, nullability and enum values in the
 * matching record, and vice versa (recursively through nested objects), and every example in the
 * contract decodes into the records and encodes back to the same JSON.
 */
class OpenApiContractTest {
  private static final ObjectMapper SDK = DpmJson.mapper();
  private static JsonNode api;

  /** Schema name → the SDK type that mirrors it. */
  private static final Map<String, Class<?>> MIRRORS = new LinkedHashMap<>();

  static {
    MIRRORS.put("JobRequest", JobRequest.class);
    MIRRORS.put("SamplerSettings", SamplerParams.class);
    MIRRORS.put("SamplerName", SamplerName.class);
    MIRRORS.put("JobStatus", JobStatus.class);
    MIRRORS.put("Job", Job.class);
    MIRRORS.put("Progress", Progress.class);
    MIRRORS.put("JobError", JobError.class);
    MIRRORS.put("ResultLinks", ResultLinks.class);
    MIRRORS.put("JobPage", JobPage.class);
    MIRRORS.put("CalibrationRequest", CalibrationRequest.class);
    MIRRORS.put("Model", Model.class);
    MIRRORS.put("SamplerAvailability", SamplerAvailability.class);
    MIRRORS.put("Event", JobEvent.class);
    MIRRORS.put("Health", Health.class);
    MIRRORS.put("Problem", Problem.class);
    MIRRORS.put("WsToken", WsToken.class);
  }

  /**
   * Places where the SDK's enum may hold more values than the contract allows there, because one
   * enum serves several schemas and the record rejects the extra values itself.
   */
  private static final Set<String> SUPERSET_OK = Set.of(
      "JobRequest.outputs[]"); // OutputFormat also names result formats (json); JobRequest rejects it

  static Path contract() {
    String root = System.getProperty("dpm.root");
    Path p = root != null ? Path.of(root, "openapi.yaml") : Path.of("..", "openapi.yaml");
    assertTrue(Files.isRegularFile(p), "openapi.yaml not found at " + p.toAbsolutePath());
    return p;
  }

  @BeforeAll
  static void load() throws Exception {
    api = new ObjectMapper(new YAMLFactory()).readTree(contract().toFile());
  }

  private static JsonNode schemas() {
    return api.path("components").path("schemas");
  }

  @Test
  void everyMirroredSchemaMatchesItsRecord() {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Class<?>> m : MIRRORS.entrySet()) {
      JsonNode schema = schemas().path(m.getKey());
      assertFalse(schema.isMissingNode(), "openapi.yaml has no schema " + m.getKey());
      compare(schema, SDK.constructType(m.getValue()), m.getKey(), problems);
    }
    JsonNode models = api.at("/paths/~1v1~1models/get/responses/200/content/application~1json/schema");
    compare(models, SDK.constructType(ModelList.class), "GET /v1/models", problems);
    assertEquals(List.of(), problems, "the SDK and openapi.yaml disagree");
  }

  @Test
  void everySdkSchemaIsMirrored() {
    Set<String> known = new TreeSet<>(MIRRORS.keySet());
    Set<String> all = new TreeSet<>();
    schemas().fieldNames().forEachRemaining(all::add);
    all.removeAll(known);
    assertEquals(Set.of(), all, "schemas in openapi.yaml without an SDK type (add them to the SDK and to MIRRORS)");
  }

  @Test
  void theComparisonCatchesDrift() {
    // the checker must be able to fail: a schema with one property more, one less, a wrong type
    ObjectNode drifted = schemas().path("Progress").deepCopy();
    ((ObjectNode) drifted.path("properties")).putObject("newField").put("type", "string");
    ((ObjectNode) drifted.path("properties")).remove("nfe");
    ((ObjectNode) drifted.path("properties").path("step")).put("type", "string");
    List<String> problems = new ArrayList<>();
    compare(drifted, SDK.constructType(Progress.class), "Progress", problems);
    assertEquals(3, problems.size(), problems.toString());
    ObjectNode enumDrift = schemas().path("JobStatus").deepCopy();
    enumDrift.withArray("enum").add("expired");
    problems.clear();
    compare(enumDrift, SDK.constructType(JobStatus.class), "JobStatus", problems);
    assertEquals(1, problems.size(), problems.toString());
  }

  @Test
  void theContractsExamplesRoundTripThroughTheRecords() throws Exception {
    Map<String, Class<?>> examples = Map.of("QueuedJob", Job.class, "RunningJob", Job.class,
        "SucceededJob", Job.class, "RingModel", Model.class, "ValidationProblem", Problem.class);
    for (Map.Entry<String, Class<?>> e : examples.entrySet()) {
      JsonNode value = api.path("components").path("examples").path(e.getKey()).path("value");
      assertFalse(value.isMissingNode(), e.getKey());
      roundTrip(e.getKey(), value, e.getValue());
    }
    JsonNode requests = api.at("/paths/~1v1~1jobs/post/requestBody/content/application~1json/examples");
    assertTrue(requests.size() >= 2);
    for (Iterator<Map.Entry<String, JsonNode>> it = requests.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> ex = it.next();
      roundTrip("request " + ex.getKey(), ex.getValue().path("value"), JobRequest.class);
    }
    JsonNode cal = api.at("/paths/~1v1~1models~1{name}~1calibrations/post/requestBody/content/application~1json/examples/default/value");
    roundTrip("calibration", cal, CalibrationRequest.class);
    Job succeeded = SDK.treeToValue(api.at("/components/examples/SucceededJob/value"), Job.class);
    assertEquals(Instant.parse("2026-11-21T10:15:30.610Z"), succeeded.finishedAt());
    assertEquals(SamplerName.ANALYTIC_DDPM, succeeded.sampler().name());
    assertEquals(0, succeeded.sampler().clipSigma2());
  }

  private static void roundTrip(String what, JsonNode value, Class<?> type) throws Exception {
    Object decoded = SDK.treeToValue(value, type);
    JsonNode encoded = SDK.valueToTree(decoded);
    JsonNode expected = withoutNulls(value);
    assertTrue(expected.equals((a, b) -> a.isNumber() && b.isNumber()
        ? Double.compare(a.asDouble(), b.asDouble()) : a.equals(b) ? 0 : 1, encoded),
        what + ": expected " + expected + "\n but the SDK wrote " + encoded);
  }

  private static JsonNode withoutNulls(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = SDK.createObjectNode();
      n.fields().forEachRemaining(f -> {
        if (!f.getValue().isNull()) {
          o.set(f.getKey(), withoutNulls(f.getValue()));
        }
      });
      return o;
    }
    if (n.isArray()) {
      var a = SDK.createArrayNode();
      n.forEach(x -> a.add(withoutNulls(x)));
      return a;
    }
    return n;
  }

  // ---- the structural comparison ----

  /** A schema with its $ref resolved and its "or null" stripped. */
  private record Resolved(JsonNode schema, boolean nullable) {}

  private static Resolved resolve(JsonNode s) {
    boolean nullable = false;
    for (int guard = 0; guard < 10; guard++) {
      if (s.has("$ref")) {
        String ref = s.get("$ref").asText();
        s = api.at(ref.substring(1));
        continue;
      }
      if (s.has("oneOf")) {
        List<JsonNode> nonNull = new ArrayList<>();
        for (JsonNode alt : s.get("oneOf")) {
          if ("null".equals(alt.path("type").asText())) {
            nullable = true;
          } else {
            nonNull.add(alt);
          }
        }
        if (nonNull.size() == 1) {
          s = nonNull.get(0);
          continue;
        }
      }
      break;
    }
    return new Resolved(s, nullable || types(s).contains("null"));
  }

  private static Set<String> types(JsonNode s) {
    JsonNode t = s.path("type");
    if (t.isArray()) {
      return StreamSupport.stream(t.spliterator(), false).map(JsonNode::asText).collect(Collectors.toSet());
    }
    return t.isMissingNode() ? Set.of() : Set.of(t.asText());
  }

  private static String type(JsonNode s) {
    return types(s).stream().filter(x -> !x.equals("null")).findFirst().orElse("");
  }

  private static void compare(JsonNode raw, JavaType java, String where, List<String> problems) {
    Resolved r = resolve(raw);
    JsonNode s = r.schema();
    if (r.nullable() && java.isPrimitive()) {
      problems.add(where + ": nullable in the contract but primitive " + java.getRawClass() + " in the SDK");
    }
    String t = type(s);
    Class<?> raw0 = java.getRawClass();
    if (types(s).containsAll(Set.of("string", "integer")) && raw0 == String.class) {
      return; // a class label: an index or a name, sent as text by the SDK
    }
    if (s.has("enum")) {
      compareEnum(s, java, where, problems);
      return;
    }
    switch (t) {
      case "integer":
        boolean int64 = "int64".equals(s.path("format").asText());
        Set<Class<?>> ints = int64 ? Set.of(long.class, Long.class) : Set.of(int.class, Integer.class);
        if (!ints.contains(raw0)) {
          problems.add(where + ": integer" + (int64 ? " (int64)" : "") + " in the contract, " + raw0.getSimpleName() + " in the SDK");
        }
        break;
      case "number":
        if (raw0 != double.class && raw0 != Double.class) {
          problems.add(where + ": number in the contract, " + raw0.getSimpleName() + " in the SDK");
        }
        break;
      case "boolean":
        if (raw0 != boolean.class && raw0 != Boolean.class) {
          problems.add(where + ": boolean in the contract, " + raw0.getSimpleName() + " in the SDK");
        }
        break;
      case "string":
        Class<?> want = "date-time".equals(s.path("format").asText()) ? Instant.class : String.class;
        if (raw0 != want) {
          problems.add(where + ": string" + (want == Instant.class ? " (date-time)" : "") + " in the contract, "
              + raw0.getSimpleName() + " in the SDK");
        }
        break;
      case "array":
        if (!java.isCollectionLikeType()) {
          problems.add(where + ": array in the contract, " + raw0.getSimpleName() + " in the SDK");
        } else {
          compare(s.path("items"), java.getContentType(), where + "[]", problems);
        }
        break;
      case "object":
        if (!s.has("properties")) {
          if (!java.isMapLikeType()) {
            problems.add(where + ": free-form object in the contract, " + raw0.getSimpleName() + " in the SDK");
          }
        } else if (!raw0.isRecord()) {
          problems.add(where + ": object in the contract, " + raw0.getSimpleName() + " in the SDK");
        } else {
          compareObject(s, java, where, problems);
        }
        break;
      default:
        problems.add(where + ": the contract's type '" + t + "' is not understood by this test");
    }
  }

  private static void compareObject(JsonNode s, JavaType java, String where, List<String> problems) {
    BeanDescription ser = SDK.getSerializationConfig().introspect(java);
    BeanDescription de = SDK.getDeserializationConfig().introspect(java);
    Map<String, BeanPropertyDefinition> props = new LinkedHashMap<>();
    ser.findProperties().forEach(p -> props.put(p.getName(), p));
    Set<String> readable = de.findProperties().stream().map(BeanPropertyDefinition::getName).collect(Collectors.toSet());
    Set<String> contract = new TreeSet<>();
    s.path("properties").fieldNames().forEachRemaining(contract::add);
    for (String p : contract) {
      if (!props.containsKey(p)) {
        problems.add(where + "." + p + ": in the contract, missing from " + java.getRawClass().getSimpleName());
      } else if (!readable.contains(p)) {
        problems.add(where + "." + p + ": written but not read by " + java.getRawClass().getSimpleName());
      }
    }
    for (String p : props.keySet()) {
      if (!contract.contains(p)) {
        problems.add(where + "." + p + ": in " + java.getRawClass().getSimpleName() + ", missing from the contract");
      }
    }
    for (String p : contract) {
      if (props.containsKey(p)) {
        compare(s.path("properties").path(p), props.get(p).getPrimaryType(), where + "." + p, problems);
      }
    }
  }

  private static void compareEnum(JsonNode s, JavaType java, String where, List<String> problems) {
    Set<String> contract = new TreeSet<>();
    s.get("enum").forEach(v -> contract.add(v.asText()));
    Class<?> c = java.getRawClass();
    if ("integer".equals(type(s))) {
      if (c != Integer.class && c != int.class) {
        problems.add(where + ": integer enum in the contract, " + c.getSimpleName() + " in the SDK");
      }
      return;
    }
    if (!c.isEnum() || !WireEnum.class.isAssignableFrom(c)) {
      problems.add(where + ": enum " + contract + " in the contract, " + c.getSimpleName() + " in the SDK");
      return;
    }
    Set<String> sdk = new TreeSet<>();
    for (Object o : c.getEnumConstants()) {
      String w = ((WireEnum) o).wire();
      if (!w.equals("unknown")) {
        sdk.add(w);
      }
    }
    if (SUPERSET_OK.contains(where) && sdk.containsAll(contract)) {
      return;
    }
    if (!sdk.equals(contract)) {
      problems.add(where + ": enum " + contract + " in the contract, " + sdk + " in " + c.getSimpleName());
    }
  }
}
