package dev.maas.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.maas.DType;
import dev.maas.Dimension;
import dev.maas.IntegrityException;
import dev.maas.MaasException;
import dev.maas.ModelLoadException;
import dev.maas.version.Alias;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * JSON of manifests and alias records. Unknown fields are ignored (a newer writer may add some);
 * a newer schema version is refused; every parse failure becomes an {@link IntegrityException}.
 */
public final class Json {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(module())
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
      // Absent optional parts (batching defaults, an undeclared shape) are left out, not written as null.
      .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      .build();

  private Json() {}

  /** The mapper for maas documents; shared, thread-safe, configured once. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Serializes a manifest. */
  public static byte[] write(Manifest m) {
    return bytes(m);
  }

  /** Serializes an alias record. */
  public static byte[] write(Alias a) {
    return bytes(a);
  }

  /**
   * Parses the manifest stored for {@code expected} and checks that it describes that version (a
   * manifest copied under another name or number is refused).
   */
  public static Manifest readManifest(byte[] json, ModelVersion expected) {
    Manifest m;
    try {
      m = MAPPER.readValue(json, Manifest.class);
    } catch (IOException | RuntimeException e) {
      throw new IntegrityException("manifest of " + expected + " is not valid: " + rootMessage(e), e);
    }
    if (m == null) {
      throw new IntegrityException("manifest of " + expected + " is not valid: the document is null");
    }
    if (m.schemaVersion() > Manifest.SCHEMA_VERSION) {
      throw new ModelLoadException("manifest of " + expected + " has schema version " + m.schemaVersion()
          + ", newer than this maas reads (" + Manifest.SCHEMA_VERSION + "): upgrade maas");
    }
    if (!expected.model().equals(m.model()) || expected.version() != m.version()) {
      throw new IntegrityException("manifest stored as " + expected + " describes " + m.model() + ":" + m.version());
    }
    return m;
  }

  /** Parses an alias record stored as {@code model@alias}. */
  public static Alias readAlias(byte[] json, String model, String alias) {
    Alias a;
    try {
      a = MAPPER.readValue(json, Alias.class);
    } catch (IOException | RuntimeException e) {
      throw new IntegrityException("alias record " + model + "@" + alias + " is not valid: " + rootMessage(e), e);
    }
    if (a == null) {
      throw new IntegrityException("alias record " + model + "@" + alias + " is not valid: the document is null");
    }
    if (!model.equals(a.model()) || !alias.equals(a.name())) {
      throw new IntegrityException("alias record stored as " + model + "@" + alias + " describes " + a.model() + "@" + a.name());
    }
    return a;
  }

  private static byte[] bytes(Object o) {
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new MaasException(dev.maas.ErrorCode.INVALID_INPUT, "cannot serialize " + o + ": " + e.getMessage(), false, e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return msg == null ? t.getClass().getSimpleName() : msg.split("\n", 2)[0];
  }

  private static SimpleModule module() {
    SimpleModule m = new SimpleModule("maas");
    m.addSerializer(Instant.class, new JsonSerializer<Instant>() {
      @Override
      public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.toString());
      }
    });
    m.addDeserializer(Instant.class, new JsonDeserializer<Instant>() {
      @Override
      public Instant deserialize(JsonParser p, DeserializationContext c) throws IOException {
        try {
          return Instant.parse(p.getValueAsString());
        } catch (DateTimeParseException | NullPointerException e) {
          throw c.weirdStringException(p.getText(), Instant.class, "not an ISO-8601 instant");
        }
      }
    });
    m.addSerializer(java.time.Duration.class, new JsonSerializer<java.time.Duration>() {
      @Override
      public void serialize(java.time.Duration v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.toString());
      }
    });
    m.addDeserializer(java.time.Duration.class, new JsonDeserializer<java.time.Duration>() {
      @Override
      public java.time.Duration deserialize(JsonParser p, DeserializationContext c) throws IOException {
        try {
          return java.time.Duration.parse(p.getValueAsString());
        } catch (DateTimeParseException | NullPointerException e) {
          throw c.weirdStringException(p.getText(), java.time.Duration.class, "not an ISO-8601 duration");
        }
      }
    });
    m.addSerializer(DType.class, new JsonSerializer<DType>() {
      @Override
      public void serialize(DType v, JsonGenerator g, SerializerProvider p) throws IOException {
        g.writeString(v.typeName());
      }
    });
    m.addDeserializer(DType.class, new JsonDeserializer<DType>() {
      @Override
      public DType deserialize(JsonParser p, DeserializationContext c) throws IOException {
        try {
          return DType.fromName(p.getValueAsString());
        } catch (MaasException e) {
          throw c.weirdStringException(p.getText(), DType.class, e.getMessage());
        }
      }
    });
    // A fixed dimension is written as its size, a dynamic one as its symbol, or null if unnamed.
    m.addSerializer(Dimension.class, new JsonSerializer<Dimension>() {
      @Override
      public void serialize(Dimension d, JsonGenerator g, SerializerProvider p) throws IOException {
        if (d.isFixed()) {
          g.writeNumber(d.size());
        } else if (d.symbol() != null) {
          g.writeString(d.symbol());
        } else {
          g.writeNull();
        }
      }
    });
    m.addDeserializer(Dimension.class, new JsonDeserializer<Dimension>() {
      @Override
      public Dimension deserialize(JsonParser p, DeserializationContext c) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) {
          long v = p.getLongValue();
          if (v < 0) {
            return Dimension.dynamic(null);
          }
          return Dimension.fixed(v);
        }
        if (t == JsonToken.VALUE_STRING) {
          return Dimension.dynamic(p.getText());
        }
        return (Dimension) c.handleUnexpectedToken(Dimension.class, p);
      }

      @Override
      public Dimension getNullValue(DeserializationContext c) {
        return Dimension.dynamic(null);
      }
    });
    return m;
  }
}
