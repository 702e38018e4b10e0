package dev.maas.onnx.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.TensorInfo.OnnxTensorType;
import dev.maas.DType;
import dev.maas.InvalidInputException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxTypesTest {

  @ParameterizedTest
  @EnumSource(DType.class)
  void everyDTypeRoundTrips(DType dtype) {
    assertEquals(dtype, OnnxTypes.fromOnnx(OnnxTypes.toOnnx(dtype)));
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void namesAgreeWithOnnxRuntime(DType dtype) {
    // ORT Java's enum numbers types its own way (FLOAT = 10), but its constant names spell ONNX's.
    OnnxTensorType ort = OnnxTensorType.valueOf(
        "ONNX_TENSOR_ELEMENT_DATA_TYPE_" + OnnxTypes.onnxTypeName(OnnxTypes.toOnnx(dtype)));
    assertEquals(dtype, OnnxTypes.fromOnnxName(ort.name()));
    assertEquals(dtype, OnnxTypes.fromOnnxName(OnnxTypes.onnxTypeName(OnnxTypes.toOnnx(dtype)).toLowerCase()));
  }

  @Test
  void ortJavaEnumValuesAreNotOnnxNumbers() {
    // The trap fromOnnxName exists for: mapping ORT's value through fromOnnx gives the wrong type.
    assertEquals(10, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT.value);
    assertEquals(DType.FLOAT16, OnnxTypes.fromOnnx(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT.value));
    assertEquals(DType.FLOAT32, OnnxTypes.fromOnnxName(OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT.name()));
  }

  @Test
  void unknownNamesAreRejected() {
    assertThrows(InvalidInputException.class, () -> OnnxTypes.fromOnnxName("FLOAT128"));
    assertThrows(InvalidInputException.class, () -> OnnxTypes.fromOnnxName("UNDEFINED"));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> OnnxTypes.fromOnnxName("ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64"));
    assertTrue(e.getMessage().contains("COMPLEX64"), e.getMessage());
  }

  @Test
  void numbersAreDistinct() {
    Set<Integer> seen = new HashSet<>();
    for (DType t : DType.values()) {
      assertTrue(seen.add(OnnxTypes.toOnnx(t)), t.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, -1, 1000})
  void typesWithoutADTypeAreRejectedByName(int onnxType) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> OnnxTypes.fromOnnx(onnxType));
    assertTrue(e.getMessage().contains(OnnxTypes.onnxTypeName(onnxType)), e.getMessage());
    assertTrue(e.getMessage().contains("has no maas dtype"), e.getMessage());
  }

  @Test
  void namesFollowOnnxProto() {
    assertEquals("FLOAT", OnnxTypes.onnxTypeName(1));
    assertEquals("COMPLEX64", OnnxTypes.onnxTypeName(14));
    assertEquals("BFLOAT16", OnnxTypes.onnxTypeName(16));
    assertEquals("UNKNOWN(99)", OnnxTypes.onnxTypeName(99));
  }
}
