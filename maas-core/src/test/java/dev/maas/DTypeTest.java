package dev.maas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DTypeTest {

  @ParameterizedTest
  @EnumSource(DType.class)
  void fromNameAcceptsTypeNameAndConstantNameInAnyCase(DType t) {
    assertSame(t, DType.fromName(t.typeName()));
    assertSame(t, DType.fromName(t.typeName().toUpperCase(Locale.ROOT)));
    assertSame(t, DType.fromName(t.name()));
    assertSame(t, DType.fromName(t.name().toLowerCase(Locale.ROOT)));
    assertSame(t, DType.fromName("  " + t.typeName() + "\t"));
    assertEquals(t.typeName(), t.toString());
  }

  @Test
  void fromNameAcceptsOnnxSpellings() {
    assertSame(DType.FLOAT32, DType.fromName("float"));
    assertSame(DType.FLOAT32, DType.fromName("Float"));
    assertSame(DType.FLOAT64, DType.fromName("DOUBLE"));
    assertSame(DType.FLOAT16, DType.fromName("half"));
    assertSame(DType.BOOL, DType.fromName("Boolean"));
    assertSame(DType.BFLOAT16, DType.fromName("BFloat16"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "floaty", "float 32", "float_32", "int128", "str", "complex64", "f32", "uint", "1"})
  void fromNameRejectsJunk(String junk) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> DType.fromName(junk));
    assertEquals(ErrorCode.INVALID_INPUT, e.code());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("'" + junk + "'"), e.getMessage());
  }

  @Test
  void fromNameRejectsNull() {
    assertThrows(InvalidInputException.class, () -> DType.fromName(null));
  }

  @Test
  void byteSizesMatchTheirNames() {
    assertEquals(4, DType.FLOAT32.byteSize());
    assertEquals(8, DType.FLOAT64.byteSize());
    assertEquals(2, DType.FLOAT16.byteSize());
    assertEquals(2, DType.BFLOAT16.byteSize());
    assertEquals(1, DType.INT8.byteSize());
    assertEquals(1, DType.UINT8.byteSize());
    assertEquals(2, DType.INT16.byteSize());
    assertEquals(2, DType.UINT16.byteSize());
    assertEquals(4, DType.INT32.byteSize());
    assertEquals(4, DType.UINT32.byteSize());
    assertEquals(8, DType.INT64.byteSize());
    assertEquals(8, DType.UINT64.byteSize());
    assertEquals(1, DType.BOOL.byteSize());
    assertEquals(0, DType.STRING.byteSize());
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void onlyStringIsVariableSize(DType t) {
    assertEquals(t != DType.STRING, t.isFixedSize());
    assertEquals(t.isFixedSize(), t.byteSize() > 0);
  }
}
