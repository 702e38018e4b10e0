package dev.maas.onnx;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module boundaries of ARCHITECTURE.md, checked. */
class ArchitectureTest {
  private static final JavaClasses MAAS = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.maas");

  @Test
  void coreNeverSeesNativeOrCloudLibraries() {
    noClasses().that().resideOutsideOfPackage("dev.maas.onnx..")
        .should().dependOnClassesThat().resideInAnyPackage("ai.onnxruntime..", "com.sun.jna..", "software.amazon..")
        .check(MAAS);
  }

  @Test
  void theRuntimeUsesNoCoreInternals() {
    noClasses().that().resideInAPackage("dev.maas.onnx..")
        .should().dependOnClassesThat().resideInAPackage("dev.maas.internal..")
        .check(MAAS);
  }

  @Test
  void apiAndSpiPackagesDoNotReachIntoInternals() {
    // The builder constructs the internal service; nothing else in the public packages may.
    noClasses().that().resideInAnyPackage("dev.maas.spi..", "dev.maas.version..", "dev.maas.security..", "dev.maas.store..")
        .should().dependOnClassesThat().resideInAPackage("dev.maas.internal..")
        .check(MAAS);
  }

  @Test
  void aRuntimeKnowsNothingOfStores() {
    noClasses().that().resideInAPackage("dev.maas.onnx..")
        .should().dependOnClassesThat().resideInAPackage("dev.maas.store..")
        .check(MAAS);
  }
}
