package dev.dpm.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * The JSON mapping of the SDK's types: unknown properties are ignored (the server may add
 * fields), unknown enum values decode to {@code UNKNOWN}, timestamps are RFC 3339 strings
 * ({@link Instant}), and null fields are left out when writing.
 */
public final class DpmJson {
  private static final ObjectMapper MAPPER = create();

  private DpmJson() {}

  /** @return a new mapper configured for the SDK's types (callers may change their copy) */
  public static ObjectMapper mapper() {
    return MAPPER.copy();
  }

  /** @return the shared mapper; never reconfigure it */
  static ObjectMapper shared() {
    return MAPPER;
  }

  /**
   * @param value a record of this SDK
   * @return its JSON
   */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new DpmIoException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * @param json JSON text
   * @param type the record type
   * @param <T> the type
   * @return the value
   * @throws DpmIoException when the JSON does not match the type
   */
  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new DpmIoException("cannot read " + type.getSimpleName() + " from JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static ObjectMapper create() {
    SimpleModule time = new SimpleModule("dpm-client-time");
    time.addSerializer(Instant.class, new JsonSerializer<Instant>() {
      @Override
      public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.toString());
      }
    });
    time.addDeserializer(Instant.class, new JsonDeserializer<Instant>() {
      @Override
      public Instant deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
        String s = p.getValueAsString();
        if (s == null || s.isEmpty()) {
          return null;
        }
        try {
          return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
          return (Instant) ctx.handleWeirdStringValue(Instant.class, s, "not an RFC 3339 timestamp");
        }
      }
    });
    return JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        .addModule(time)
        .build();
  }
}
