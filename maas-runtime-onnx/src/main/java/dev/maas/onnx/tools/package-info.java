/**
 * Tools for ONNX files without protobuf or Python: build models in code ({@link
 * dev.maas.onnx.tools.OnnxModelBuilder}), read and write single tensors in the {@code TensorProto}
 * format of the ONNX backend tests ({@link dev.maas.onnx.tools.TensorProtos}), map element types
 * ({@link dev.maas.onnx.tools.OnnxTypes}), and ready-made sample models for tests and demos ({@link
 * dev.maas.onnx.tools.SampleModels}).
 *
 * <p>Everything here works on bytes and {@link dev.maas.Tensor}s only: nothing loads ONNX Runtime
 * or holds a native resource. Malformed input always ends in a {@link
 * dev.maas.InvalidInputException} that says what is wrong.
 */
package dev.maas.onnx.tools;
